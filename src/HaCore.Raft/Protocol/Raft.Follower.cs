namespace HaCore.Raft.Protocol;

/// <summary>Follower behaviour: accept the leader's appends, heartbeats and snapshots.</summary>
internal sealed partial class RaftCore
{
    private void StepFollower(in Message m)
    {
        switch (m.Type)
        {
            case MessageType.Append:
                _electionElapsed = 0;
                Lead = m.From;
                HandleAppend(m);
                break;
            case MessageType.Heartbeat:
                _electionElapsed = 0;
                Lead = m.From;
                HandleHeartbeat(m);
                break;
            case MessageType.Snapshot:
                _electionElapsed = 0;
                Lead = m.From;
                HandleSnapshot(m);
                break;
            case MessageType.TransferLeader:
                if (Lead != None)
                {
                    Send(m with { To = Lead, From = Id, Term = 0 });
                }

                break;
            case MessageType.TimeoutNow:
                // The leader is handing leadership to us: campaign at once, skipping the pre-vote.
                Campaign(transfer: true);
                break;
            case MessageType.ReadIndex:
                if (Lead != None)
                {
                    Send(m with { To = Lead, Term = 0 });
                }

                break;
            case MessageType.ReadIndexResponse:
                if (!m.Reject)
                {
                    ReadStates.Add(new ReadState(m.Index, m.Context));
                }
                else
                {
                    RejectedReads.Add(m.Context);
                }

                break;
        }
    }

    private void HandleAppend(in Message m)
    {
        if (m.Index < Log.Committed)
        {
            // Everything up to our commit index already matches: tell the leader where we are.
            Send(new Message { To = m.From, Type = MessageType.AppendResponse, Index = Log.Committed });
            return;
        }

        var lastNew = Log.MaybeAppend(m.Index, m.LogTerm, m.Commit, m.Entries.Span);
        if (lastNew is { } last)
        {
            EndSuspicionWhenRepaired();
            Send(new Message { To = m.From, Type = MessageType.AppendResponse, Index = last });
            return;
        }

        // A committed entry matches the leader's (Leader Completeness and Log Matching): a mismatch there is a log that
        // never belonged to this cluster, most often a node bootstrapped with other initial voters. Answering with the
        // commit index (as above) would make the leader probe forever while this node's commit stays stuck.
        RaftAssert.That(
            m.Index > Log.Committed,
            $"the leader (node {m.From}, term {Term}) has another entry at index {m.Index} than this node's committed one (term {Log.TermOrZero(m.Index)} here, term {m.LogTerm} at the leader): this node's log does not belong to this cluster. Was it bootstrapped with other initial voters (it has {Tracker.Config})? Give every node the same InitialVoters, or wipe this node and add it as a learner.");

        // Our log does not match at m.Index. Hint at the last index whose term is at most the
        // leader's term there, so the leader can skip a whole term of mismatches in one round.
        var (hintIndex, hintTerm) = Log.FindConflictByTerm(Math.Min(m.Index, Log.LastIndex), m.LogTerm);
        Send(new Message
        {
            To = m.From,
            Type = MessageType.AppendResponse,
            Index = m.Index,
            Reject = true,
            RejectHint = hintIndex,
            LogTerm = hintTerm,
        });
    }

    private void HandleHeartbeat(in Message m)
    {
        // The leader sends min(its commit, our match), so this never commits past our log.
        Log.CommitTo(Math.Min(m.Commit, Log.LastIndex));
        Send(new Message { To = m.From, Type = MessageType.HeartbeatResponse, Context = m.Context, Index = m.Index });
    }

    private void HandleSnapshot(in Message m)
    {
        var snapshot = m.Snapshot;
        if (snapshot is not null && Restore(snapshot))
        {
            EndSuspicionWhenRepaired();
            Send(new Message { To = m.From, Type = MessageType.AppendResponse, Index = Log.LastIndex });
        }
        else
        {
            Send(new Message { To = m.From, Type = MessageType.AppendResponse, Index = Log.Committed });
        }
    }

    /// <summary>Adopts a leader's snapshot; false when it brings nothing new.</summary>
    private bool Restore(Snapshot snapshot)
    {
        var meta = snapshot.Metadata;
        if (meta.Index <= Log.Committed)
        {
            return false;
        }

        // A snapshot taken before this node joined does not list it: it is still a valid prefix of
        // the log, and the membership change that adds us follows it, so it is adopted all the same
        // (the node cannot campaign until it finds itself among the voters).
        if (Log.MatchTerm(meta.Index, meta.Term))
        {
            // We already have the snapshot's last entry: just fast-forward the commit index.
            Log.CommitTo(meta.Index);
            return false;
        }

        Log.Restore(snapshot);
        Tracker.SetConfig(meta.ConfState, Log.LastIndex + 1);
        return true;
    }
}
