namespace HaCore.Raft.Tracker;

/// <summary>How the leader currently replicates to a follower.</summary>
public enum ProgressState : byte
{
    /// <summary>One append per heartbeat interval until the leader finds where the logs match.</summary>
    Probe = 0,

    /// <summary>Optimistic pipelining of appends, bounded by the inflight window.</summary>
    Replicate = 1,

    /// <summary>A snapshot is on its way; appends pause until it is acknowledged or reported failed.</summary>
    Snapshot = 2,
}

/// <summary>The leader's view of one follower (etcd-raft's <c>tracker.Progress</c>).</summary>
internal sealed class Progress
{
    public Progress(int maxInflight, long maxInflightBytes, bool isLearner)
    {
        Inflights = new Inflights(maxInflight, maxInflightBytes);
        IsLearner = isLearner;
    }

    /// <summary>The highest index known to be durably replicated on the follower.</summary>
    public ulong Match { get; set; }

    /// <summary>The next index to send.</summary>
    public ulong Next { get; set; }

    public ProgressState State { get; private set; }

    /// <summary>The snapshot index in flight, in the snapshot state.</summary>
    public ulong PendingSnapshot { get; private set; }

    /// <summary>Heard from within the current election timeout (for check-quorum).</summary>
    public bool RecentActive { get; set; }

    /// <summary>Sending is paused: a probe is outstanding, or the inflight window is full.</summary>
    public bool MsgAppFlowPaused { get; set; }

    public Inflights Inflights { get; }

    public bool IsLearner { get; set; }

    public bool IsPaused => State switch
    {
        ProgressState.Probe => MsgAppFlowPaused,
        ProgressState.Replicate => MsgAppFlowPaused,
        _ => true,
    };

    private void ResetState(ProgressState state)
    {
        MsgAppFlowPaused = false;
        PendingSnapshot = 0;
        State = state;
        Inflights.Reset();
    }

    public void BecomeProbe()
    {
        if (State == ProgressState.Snapshot)
        {
            var pending = PendingSnapshot;
            ResetState(ProgressState.Probe);
            Next = Math.Max(Match + 1, pending + 1);
        }
        else
        {
            ResetState(ProgressState.Probe);
            Next = Match + 1;
        }
    }

    public void BecomeReplicate()
    {
        ResetState(ProgressState.Replicate);
        Next = Match + 1;
    }

    public void BecomeSnapshot(ulong snapshotIndex)
    {
        ResetState(ProgressState.Snapshot);
        PendingSnapshot = snapshotIndex;
    }

    /// <summary>Accounts for an append of <paramref name="entries"/> entries starting at <see cref="Next"/>.</summary>
    public void UpdateOnEntriesSend(int entries, long bytes)
    {
        switch (State)
        {
            case ProgressState.Replicate:
                if (entries > 0)
                {
                    var last = Next + (ulong)entries - 1;
                    Next = last + 1;
                    Inflights.Add(last, bytes);
                }

                MsgAppFlowPaused = Inflights.Full;
                break;
            case ProgressState.Probe:
                // One probe per heartbeat interval: the heartbeat response unpauses it.
                if (entries > 0)
                {
                    MsgAppFlowPaused = true;
                }

                break;
            default:
                RaftAssert.Fail($"sending append to a follower in state {State}");
                break;
        }
    }

    /// <summary>Handles an acknowledgement of <paramref name="index"/>; false when it is stale.</summary>
    public bool MaybeUpdate(ulong index)
    {
        var updated = false;
        if (Match < index)
        {
            Match = index;
            updated = true;
            MsgAppFlowPaused = false;
        }

        Next = Math.Max(Next, index + 1);
        return updated;
    }

    /// <summary>
    /// Handles a rejection of the append at <paramref name="rejected"/>, moving <see cref="Next"/> back
    /// to the follower's hint. False when the rejection is stale.
    /// </summary>
    public bool MaybeDecrTo(ulong rejected, ulong matchHint)
    {
        if (State == ProgressState.Replicate)
        {
            // In replicate state the rejection must be for an index above Match, else it is stale.
            if (rejected <= Match)
            {
                return false;
            }

            Next = Match + 1;
            return true;
        }

        // In probe state only the answer to the latest probe counts.
        if (Next - 1 != rejected)
        {
            return false;
        }

        Next = Math.Max(Math.Min(rejected, matchHint + 1), Match + 1);
        MsgAppFlowPaused = false;
        return true;
    }

    public override string ToString() =>
        $"{State} match={Match} next={Next}{(IsLearner ? " learner" : string.Empty)}{(MsgAppFlowPaused ? " paused" : string.Empty)}" +
        $"{(State == ProgressState.Snapshot ? $" pendingSnap={PendingSnapshot}" : string.Empty)}" +
        $"{(Inflights.Count > 0 ? $" inflight={Inflights.Count}" : string.Empty)}{(Inflights.Full ? "[full]" : string.Empty)}";
}
