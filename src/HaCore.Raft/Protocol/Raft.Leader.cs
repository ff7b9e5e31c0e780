using HaCore.Raft.Tracker;

namespace HaCore.Raft.Protocol;

/// <summary>Leader behaviour: replication, flow control, commitment, check-quorum, transfer.</summary>
internal sealed partial class RaftCore
{
    /// <summary>Appends a proposal to the leader's log.</summary>
    public ProposeResult Propose(EntryType type, ReadOnlyMemory<byte> data)
    {
        if (Role != RaftRole.Leader)
        {
            if (type == EntryType.Normal && Lead != None && Role == RaftRole.Follower && !_options.DisableProposalForwarding)
            {
                // etcd-raft's proposal forwarding: the leader appends it if it still leads.
                Send(new Message { To = Lead, Type = MessageType.Propose, Entries = new[] { new Entry(0, 0, type, data) } });
                return new ProposeResult(ProposeStatus.Forwarded, 0, 0, Lead);
            }

            return new ProposeResult(ProposeStatus.NotLeader, 0, 0, Lead);
        }

        if (!Tracker.Progress.ContainsKey(Id))
        {
            // We were removed from the membership and are about to step down.
            return new ProposeResult(ProposeStatus.NotMember, 0, 0, None);
        }

        if (LeadTransferee != None)
        {
            return new ProposeResult(ProposeStatus.LeadershipTransferInProgress, 0, 0, LeadTransferee);
        }

        if (type == EntryType.ConfChange)
        {
            var rejected = CheckConfChange(data);
            if (rejected is not null)
            {
                return rejected.Value;
            }
        }

        if (!AppendEntry(type, data, out var entry))
        {
            return new ProposeResult(ProposeStatus.UncommittedLimitExceeded, 0, 0, Id);
        }

        if (type == EntryType.ConfChange)
        {
            PendingConfIndex = entry.Index;
        }

        BroadcastAppend();
        return new ProposeResult(ProposeStatus.Accepted, entry.Index, entry.Term, Id);
    }

    private void StepLeader(in Message m)
    {
        switch (m.Type)
        {
            case MessageType.ReadIndex:
                HandleReadIndexRequest(m);
                return;
            case MessageType.TransferLeader:
                // Forwarded by a follower: Index names the transferee.
                TransferLeadership(m.Index);
                return;
            case MessageType.Propose:
                foreach (var e in m.Entries.Span)
                {
                    if (e.Type == EntryType.Normal)
                    {
                        Propose(EntryType.Normal, e.Data);
                    }
                }

                return;
        }

        if (!Tracker.Progress.TryGetValue(m.From, out var pr))
        {
            return; // a message from a node that is not (or no longer) a member
        }

        switch (m.Type)
        {
            case MessageType.AppendResponse:
                HandleAppendResponse(m, pr);
                break;
            case MessageType.HeartbeatResponse:
                pr.RecentActive = true;
                OnHeartbeatAnswered(m.From, m.Index);
                pr.MsgAppFlowPaused = false;
                if (pr.Match < Log.LastIndex || pr.State == ProgressState.Probe)
                {
                    SendAppend(m.From, pr, sendIfEmpty: true);
                }

                if (m.Context != 0)
                {
                    HandleReadIndexAck(m.From, m.Context);
                }

                break;
        }
    }

    private void HandleAppendResponse(in Message m, Progress pr)
    {
        pr.RecentActive = true;
        if (m.Reject)
        {
            var nextProbe = m.RejectHint;
            if (m.LogTerm > 0)
            {
                // The follower's entry at the hint has term m.LogTerm: skip back to our last entry
                // with a term at most that, since nothing between can match.
                nextProbe = Log.FindConflictByTerm(m.RejectHint, m.LogTerm).Index;
            }

            if (pr.MaybeDecrTo(m.Index, nextProbe))
            {
                if (pr.State == ProgressState.Replicate)
                {
                    pr.BecomeProbe();
                }

                SendAppend(m.From, pr, sendIfEmpty: true);
            }

            return;
        }

        var wasPaused = pr.IsPaused;
        if (!pr.MaybeUpdate(m.Index) && !(pr.Match == m.Index && pr.State == ProgressState.Probe))
        {
            return;
        }

        switch (pr.State)
        {
            case ProgressState.Probe:
                pr.BecomeReplicate();
                break;
            case ProgressState.Snapshot when pr.Match + 1 >= Log.FirstIndex:
                // The snapshot (or later appends) brought the follower into our log's range.
                pr.BecomeProbe();
                pr.BecomeReplicate();
                break;
            case ProgressState.Replicate:
                pr.Inflights.FreeLE(m.Index);
                break;
        }

        if (MaybeCommit())
        {
            OnCommitAdvanced();
        }
        else if (wasPaused)
        {
            // The follower may not know the current commit index yet: tell it, even with no entries.
            SendAppend(m.From, pr, sendIfEmpty: true);
        }

        // Keep the pipeline full while the window allows.
        while (SendAppend(m.From, pr, sendIfEmpty: false))
        {
        }

        if (m.From == LeadTransferee && pr.Match == Log.LastIndex)
        {
            ForfeitLease();
            Send(new Message { To = m.From, Type = MessageType.TimeoutNow });
        }
    }

    /// <summary>Advances the commit index to what a majority has persisted, if it is of our term.</summary>
    private bool MaybeCommit() => Log.MaybeCommit(Tracker.Committed(), Term, _options.UnsafeCommitOlderTerms);

    private void OnCommitAdvanced()
    {
        ReleasePendingReadIndexRequests();
        BroadcastAppend();
    }

    public void BroadcastAppend()
    {
        foreach (var (id, pr) in Tracker.Progress)
        {
            if (id != Id)
            {
                SendAppend(id, pr, sendIfEmpty: true);
            }
        }
    }

    /// <summary>Sends entries (or the commit index, or a snapshot) to <paramref name="to"/> if flow control allows.</summary>
    private bool SendAppend(ulong to, Progress pr, bool sendIfEmpty)
    {
        if (pr.IsPaused)
        {
            return false;
        }

        var prevIndex = pr.Next - 1;
        if (Log.TryGetTerm(prevIndex, out var prevTerm) != LogReadStatus.Ok)
        {
            return SendSnapshot(to, pr);
        }

        var entries = ReadOnlyMemory<Entry>.Empty;
        if (pr.State != ProgressState.Replicate || !pr.Inflights.Full)
        {
            var status = Log.TryGetEntries(pr.Next, _options.MaxSizePerMessage, out entries);
            if (status != LogReadStatus.Ok)
            {
                return SendSnapshot(to, pr);
            }
        }

        if (entries.IsEmpty && !sendIfEmpty)
        {
            return false;
        }

        long bytes = 0;
        foreach (ref readonly var e in entries.Span)
        {
            bytes += e.Size;
        }

        Send(new Message
        {
            To = to,
            Type = MessageType.Append,
            Index = prevIndex,
            LogTerm = prevTerm,
            Entries = entries,
            Commit = Log.Committed,
        });
        pr.UpdateOnEntriesSend(entries.Length, bytes);
        return true;
    }

    private bool SendSnapshot(ulong to, Progress pr)
    {
        if (!pr.RecentActive)
        {
            // No point shipping a snapshot to a node we have not heard from lately.
            return false;
        }

        var status = Log.TryGetSnapshot(out var snapshot);
        if (status != LogReadStatus.Ok || snapshot.IsEmpty)
        {
            return false; // temporarily unavailable: retried on the next heartbeat response
        }

        pr.BecomeSnapshot(snapshot.Metadata.Index);
        Send(new Message { To = to, Type = MessageType.Snapshot, Snapshot = snapshot });
        return true;
    }

    private void BroadcastHeartbeat() => BroadcastHeartbeat(ReadOnly.LastPendingContext);

    private void BroadcastHeartbeat(ulong context)
    {
        var round = NextLeaseRound();
        foreach (var (id, pr) in Tracker.Progress)
        {
            if (id == Id)
            {
                continue;
            }

            // Never tell a follower to commit beyond what it is known to have.
            Send(new Message
            {
                To = id,
                Type = MessageType.Heartbeat,
                Commit = Math.Min(pr.Match, Log.Committed),
                Context = context,
                Index = round,
            });
        }
    }

    private void CheckQuorum()
    {
        if (!Tracker.QuorumActive(Id))
        {
            BecomeFollower(Term, None);
            return;
        }

        foreach (var (id, pr) in Tracker.Progress)
        {
            if (id != Id)
            {
                pr.RecentActive = false;
            }
        }
    }

    /// <summary>Starts handing leadership to <paramref name="transferee"/> (thesis §3.10).</summary>
    public void TransferLeadership(ulong transferee)
    {
        if (Role != RaftRole.Leader)
        {
            if (Lead != None && transferee != None)
            {
                Send(new Message { To = Lead, Type = MessageType.TransferLeader, Index = transferee });
            }

            return;
        }

        if (transferee == Id || !Tracker.Progress.TryGetValue(transferee, out var pr) || pr.IsLearner)
        {
            return;
        }

        if (LeadTransferee == transferee)
        {
            return; // already in progress
        }

        _electionElapsed = 0; // the transfer must finish within an election timeout
        LeadTransferee = transferee;
        if (pr.Match == Log.LastIndex)
        {
            ForfeitLease();
            Send(new Message { To = transferee, Type = MessageType.TimeoutNow });
        }
        else
        {
            SendAppend(transferee, pr, sendIfEmpty: true);
        }
    }

    /// <summary>The host reports that <paramref name="id"/> cannot be reached: stop pipelining to it.</summary>
    public void ReportUnreachable(ulong id)
    {
        if (Role == RaftRole.Leader && Tracker.Progress.TryGetValue(id, out var pr) && pr.State == ProgressState.Replicate)
        {
            pr.BecomeProbe();
        }
    }

    /// <summary>The host reports how sending a snapshot to <paramref name="id"/> ended.</summary>
    public void ReportSnapshot(ulong id, bool succeeded)
    {
        if (Role != RaftRole.Leader || !Tracker.Progress.TryGetValue(id, out var pr) || pr.State != ProgressState.Snapshot)
        {
            return;
        }

        if (!succeeded)
        {
            // Retry from scratch: forget the pending snapshot.
            pr.BecomeSnapshot(0);
        }

        // Wait for the follower's append response (probe state pauses until then).
        pr.BecomeProbe();
        pr.MsgAppFlowPaused = true;
    }
}
