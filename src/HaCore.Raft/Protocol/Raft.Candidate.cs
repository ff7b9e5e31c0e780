using HaCore.Raft.Tracker;

namespace HaCore.Raft.Protocol;

/// <summary>Elections: pre-vote, vote and the candidate's reaction to answers.</summary>
internal sealed partial class RaftCore
{
    /// <summary>Starts an election (after a pre-vote round when enabled, unless this is a transfer).</summary>
    public void Campaign(bool transfer)
    {
        if (Role == RaftRole.Leader)
        {
            return;
        }

        if (!Promotable || _suspectThrough != 0 || RefusesLeadership)
        {
            // Not a voter, the log may have lost entries that a quorum counted (see _suspectThrough), or the host
            // says this node must not lead.
            return;
        }

        if (HasUnappliedConfChanges())
        {
            // The membership may be about to change under us: wait until it is applied.
            return;
        }

        if (_options.PreVote && !transfer)
        {
            StartElection(preVote: true, transfer: false);
        }
        else
        {
            StartElection(preVote: false, transfer);
        }
    }

    private bool HasUnappliedConfChanges()
    {
        var next = Log.Applied + 1;
        while (next <= Log.Committed)
        {
            if (Log.TrySlice(next, Log.Committed + 1, long.MaxValue, out var entries) != LogReadStatus.Ok)
            {
                return false;
            }

            foreach (ref readonly var e in entries.Span)
            {
                if (e.Type == EntryType.ConfChange)
                {
                    return true;
                }
            }

            next += (ulong)entries.Length;
        }

        return false;
    }

    private void StartElection(bool preVote, bool transfer)
    {
        ulong term;
        MessageType type;
        if (preVote)
        {
            BecomePreCandidate();
            type = MessageType.PreVote;
            term = Term + 1; // the term we would campaign in; ours is unchanged
        }
        else
        {
            BecomeCandidate();
            type = MessageType.Vote;
            term = Term;
        }

        if (Tracker.RecordVote(Id, true, out _, out _) == VoteResult.Won)
        {
            // A single-voter cluster wins at once.
            if (preVote)
            {
                StartElection(preVote: false, transfer);
            }
            else
            {
                BecomeLeader();
            }

            return;
        }

        var lastIndex = Log.LastIndex;
        var lastTerm = Log.LastTerm;
        foreach (var voter in Tracker.VoterIds)
        {
            if (voter == Id)
            {
                continue;
            }

            Send(new Message { To = voter, Term = term, Type = type, Index = lastIndex, LogTerm = lastTerm, Transfer = transfer });
        }
    }

    private void StepCandidate(in Message m)
    {
        var myResponse = Role == RaftRole.PreCandidate ? MessageType.PreVoteResponse : MessageType.VoteResponse;
        switch (m.Type)
        {
            case MessageType.Append:
                BecomeFollower(m.Term, m.From);
                HandleAppend(m);
                break;
            case MessageType.Heartbeat:
                BecomeFollower(m.Term, m.From);
                HandleHeartbeat(m);
                break;
            case MessageType.Snapshot:
                BecomeFollower(m.Term, m.From);
                HandleSnapshot(m);
                break;
            case MessageType.VoteResponse or MessageType.PreVoteResponse when m.Type == myResponse:
                switch (Tracker.RecordVote(m.From, !m.Reject, out _, out _))
                {
                    case VoteResult.Won:
                        if (Role == RaftRole.PreCandidate)
                        {
                            StartElection(preVote: false, transfer: false);
                        }
                        else
                        {
                            BecomeLeader();
                            BroadcastAppend();
                        }

                        break;
                    case VoteResult.Lost:
                        // A rejection carries the voter's term, handled by Step's term logic when
                        // higher; here we simply go back to following.
                        BecomeFollower(Term, None);
                        break;
                }

                break;
        }
    }
}
