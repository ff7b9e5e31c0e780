using HaCore.Raft.Tracker;

namespace HaCore.Raft.Protocol;

/// <summary>Linearizable reads without a log write: ReadIndex, and the lease-based variant.</summary>
internal sealed partial class RaftCore
{
    private readonly List<Message> _pendingReadIndexRequests = [];

    /// <summary>Read requests this node could not serve (no leader, or the leader refused); the host fails them.</summary>
    public List<ulong> RejectedReads { get; } = [];

    /// <summary>Asks for a read index for the request <paramref name="context"/> (non-zero, unique per request).</summary>
    public void ReadIndex(ulong context, ReadOnlyOption option)
    {
        var m = new Message { Type = MessageType.ReadIndex, From = Id, To = Id, Context = context };
        if (Role == RaftRole.Leader)
        {
            HandleReadIndexRequest(m, option);
        }
        else if (Lead != None)
        {
            Send(m with { To = Lead, Term = 0 });
        }
        else
        {
            RejectedReads.Add(context);
        }
    }

    private bool CommittedEntryInCurrentTerm => Log.TermOrZero(Log.Committed) == Term;

    private void HandleReadIndexRequest(in Message m) => HandleReadIndexRequest(m, ReadOnly.Option);

    private void HandleReadIndexRequest(in Message m, ReadOnlyOption option)
    {
        if (Tracker.VoterIds.Length == 1 && Tracker.IsVoter(Id))
        {
            RespondToRead(Log.Committed, m.Context, m.From);
            return;
        }

        if (!CommittedEntryInCurrentTerm)
        {
            // Until the leader has committed an entry of its term it does not know the commit index
            // (thesis §6.4): hold the request until its empty entry commits.
            _pendingReadIndexRequests.Add(m);
            return;
        }

        if ((option == ReadOnlyOption.LeaseBased && HoldsLease()) || _options.UnsafeReadIndexWithoutQuorum)
        {
            // Within the lease no other leader can exist (Raft.Lease.cs); outside it, a heartbeat round confirms.
            RespondToRead(Log.Committed, m.Context, m.From);
            return;
        }

        ReadOnly.Add(Log.Committed, m.Context, m.From);
        HandleReadIndexAck(Id, m.Context);
        BroadcastHeartbeat(m.Context);
    }

    private void HandleReadIndexAck(ulong from, ulong context)
    {
        var acks = ReadOnly.Ack(from, context);
        if (acks is null)
        {
            return;
        }

        var votes = 0;
        foreach (var id in Tracker.VoterIds)
        {
            if (acks.Contains(id))
            {
                votes++;
            }
        }

        if (votes < MajorityQuorum.Size(Tracker.VoterIds.Length))
        {
            return;
        }

        foreach (var (index, ctx, requester) in ReadOnly.Advance(context))
        {
            RespondToRead(index, ctx, requester);
        }
    }

    private void RespondToRead(ulong index, ulong context, ulong requester)
    {
        if (requester == None || requester == Id)
        {
            ReadStates.Add(new ReadState(index, context));
        }
        else
        {
            Send(new Message { To = requester, Type = MessageType.ReadIndexResponse, Index = index, Context = context });
        }
    }

    private void ReleasePendingReadIndexRequests()
    {
        if (_pendingReadIndexRequests.Count == 0 || !CommittedEntryInCurrentTerm)
        {
            return;
        }

        var pending = _pendingReadIndexRequests.ToArray();
        _pendingReadIndexRequests.Clear();
        foreach (var m in pending)
        {
            HandleReadIndexRequest(m);
        }
    }

    /// <summary>Drops held read requests when leadership is lost: the host fails them and the client retries.</summary>
    private void RejectPendingReads()
    {
        foreach (var m in _pendingReadIndexRequests)
        {
            if (m.From == Id || m.From == None)
            {
                RejectedReads.Add(m.Context);
            }
        }

        _pendingReadIndexRequests.Clear();
    }
}
