namespace HaCore;

/// <summary>
/// The proposals this node waits for.
/// </summary>
/// <remarks>
/// Invariants:
/// <list type="bullet">
/// <item>Every proposal handed in completes exactly once: with its result when its request is applied on this
/// node, with an error when it is refused, when no leader is known for an election timeout, when its deadline
/// passes, or when the node stops. No path leaves a caller waiting past its deadline.</item>
/// <item>A proposal is either in the log (proposed or forwarded, waiting to be applied) or parked (waiting for
/// a leader, or for a leadership transfer to end), never both.</item>
/// <item>Several callers may wait for the same request id (a retry on the same node); all get the same outcome.</item>
/// </list>
/// </remarks>
internal sealed class ProposalTracker
{
    private readonly Dictionary<ClientRequestId, List<PendingProposal>> _inLog = [];
    private readonly List<PendingProposal> _parked = [];

    /// <summary>How many proposals wait, in the log or parked.</summary>
    public int Count => _inLog.Count + _parked.Count;

    /// <summary>How many wait for a leader.</summary>
    public int ParkedCount => _parked.Count;

    /// <summary>The request ids in the log and waiting, for diagnostics.</summary>
    public IEnumerable<ClientRequestId> InLogRequests => _inLog.Keys;

    /// <summary>The proposal entered the log (or was forwarded to the leader).</summary>
    public void AddInLog(PendingProposal proposal)
    {
        if (!_inLog.TryGetValue(proposal.Request, out var list))
        {
            list = [];
            _inLog[proposal.Request] = list;
        }

        list.Add(proposal);
    }

    /// <summary>The proposal waits for a leader.</summary>
    public void Park(PendingProposal proposal) => _parked.Add(proposal);

    /// <summary>Removes and returns the parked proposals, to propose them again.</summary>
    public PendingProposal[] TakeParked()
    {
        var parked = _parked.ToArray();
        _parked.Clear();
        return parked;
    }

    /// <summary>The entry of one waiting proposal per request id, in request order, to propose again after a leader change.</summary>
    public IEnumerable<byte[]> EntriesInLog()
    {
        foreach (var list in _inLog.OrderBy(p => p.Key.Session).ThenBy(p => p.Key.Sequence).Select(p => p.Value).ToList())
        {
            if (list.Count > 0)
            {
                yield return list[0].Data;
            }
        }
    }

    /// <summary>Completes the callers of <paramref name="request"/> with its result; returns the latencies recorded.</summary>
    public void Complete(ClientRequestId request, byte[] result, DateTimeOffset now, Action<double>? latency)
    {
        if (_inLog.Remove(request, out var waiting))
        {
            foreach (var p in waiting)
            {
                latency?.Invoke((now - p.ProposedAt).TotalMilliseconds);
                p.Done.TrySetResult(result);
            }
        }
    }

    /// <summary>Fails the callers of <paramref name="request"/>.</summary>
    public void Fail(ClientRequestId request, Exception error)
    {
        if (_inLog.Remove(request, out var waiting))
        {
            foreach (var p in waiting)
            {
                p.Done.TrySetException(error);
            }
        }
    }

    /// <summary>
    /// Fails what can no longer succeed in time: everything when no leader has been known for an election
    /// timeout (the outcome of what is in the log is then unknown), and every proposal past its deadline.
    /// </summary>
    public void Expire(DateTimeOffset now, bool leaderLostTooLong, TimeSpan electionTimeout, TimeSpan proposalTimeout, ulong nodeId)
    {
        if (leaderLostTooLong)
        {
            foreach (var p in _parked)
            {
                p.Done.TrySetException(new NoQuorumException(
                    $"Node {nodeId} knows no leader after an election timeout ({electionTimeout}): no quorum is reachable. Retry with the same request id."));
            }

            _parked.Clear();
            foreach (var list in _inLog.Values)
            {
                foreach (var p in list)
                {
                    p.Done.TrySetException(new NoQuorumException(
                        $"No leader for {electionTimeout}; the outcome of request {p.Request.Sequence} is unknown. Retry with the same request id."));
                }
            }

            _inLog.Clear();
            return;
        }

        _parked.RemoveAll(p => ExpireOne(p, now, proposalTimeout));
        if (_inLog.Count == 0)
        {
            return;
        }

        List<ClientRequestId>? empty = null;
        foreach (var (request, list) in _inLog)
        {
            list.RemoveAll(p => ExpireOne(p, now, proposalTimeout));
            if (list.Count == 0)
            {
                (empty ??= []).Add(request);
            }
        }

        foreach (var request in empty ?? [])
        {
            _inLog.Remove(request);
        }
    }

    private static bool ExpireOne(PendingProposal p, DateTimeOffset now, TimeSpan proposalTimeout)
    {
        if (p.Deadline > now && !p.Done.Task.IsCompleted)
        {
            return false;
        }

        p.Done.TrySetException(new TimeoutException(
            $"No outcome for request {p.Request.Sequence} within {proposalTimeout}; it may still be applied. Retry with the same request id."));
        return true;
    }

    /// <summary>Fails every waiting caller (the node stops).</summary>
    public void FailAll(Exception error)
    {
        foreach (var list in _inLog.Values)
        {
            foreach (var p in list)
            {
                p.Done.TrySetException(error);
            }
        }

        _inLog.Clear();
        foreach (var p in _parked)
        {
            p.Done.TrySetException(error);
        }

        _parked.Clear();
    }
}
