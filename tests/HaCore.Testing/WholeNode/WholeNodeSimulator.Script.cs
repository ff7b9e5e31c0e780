using HaCore.Raft;

namespace HaCore.Testing.WholeNode;

/// <summary>Scripted control of the whole-node simulator, for targeted scenarios (no random faults or clients).</summary>
public sealed partial class WholeNodeSimulator
{
    /// <summary>Starts every node and disables the random faults; clients run only if the options ask for them.</summary>
    public void StartScripted()
    {
        _faults = false;
        foreach (var node in _nodes.Values)
        {
            StartNode(node);
        }
    }

    /// <summary>Steps until <paramref name="condition"/> holds; false when <paramref name="maxMs"/> passed first.</summary>
    public bool StepUntil(Func<bool> condition, int maxMs)
    {
        ArgumentNullException.ThrowIfNull(condition);
        for (var i = 0; i < maxMs; i++)
        {
            if (condition())
            {
                return true;
            }

            Step();
        }

        return condition();
    }

    /// <summary>The running node that leads (by its own status), or null. With several claiming it, the highest term.</summary>
    public SimWholeNode? Leader => _nodes.Values.Where(n => n.Status?.Role == RaftRole.Leader).OrderByDescending(n => n.Status!.Term).FirstOrDefault();

    /// <summary>Proposes <paramref name="command"/> on node <paramref name="nodeId"/>; the task completes with the result.</summary>
    public Task<byte[]> Propose(ulong nodeId, ClientRequestId request, string command)
    {
        var node = _nodes[nodeId];
        var proposal = node.Core!.CreateProposal(request, command);
        node.Core.Propose(proposal);
        Process(node);
        return proposal.Done.Task;
    }

    /// <summary>Reads <paramref name="key"/> on node <paramref name="nodeId"/> with <paramref name="consistency"/>.</summary>
    public Task<string?> Read(ulong nodeId, string key, ReadConsistency consistency)
    {
        var node = _nodes[nodeId];
        var done = new TaskCompletionSource<string?>();
        node.Core!.Read(new PendingRead<SimKvMachine>((sm, _) => done.TrySetResult(sm.Kv.Get(key)), e => done.TrySetException(e), consistency, node.Clock.GetUtcNow() + ProposalTimeout));
        Process(node);
        return done.Task;
    }

    /// <summary>Cuts node <paramref name="nodeId"/> off from every other node, both ways; it keeps running.</summary>
    public void Isolate(ulong nodeId) => Network.Partition([nodeId], _nodes.Keys.ToList());

    /// <summary>Freezes node <paramref name="nodeId"/> for <paramref name="ms"/> ms, as SIGSTOP or a VM pause would: it
    /// holds the messages that reach it and, when it wakes, steps them and then the burst of ticks it missed.</summary>
    public void Pause(ulong nodeId, int ms)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ms);
        _nodes[nodeId].PausedUntil = _now + ms;
        Trace($"script: node {nodeId} paused for {ms} ms");
    }

    /// <summary>Power cut of node <paramref name="nodeId"/>: what it had not fsynced is lost.</summary>
    public void Crash(ulong nodeId)
    {
        _nodes[nodeId].Crash();
        Trace($"script: node {nodeId} crashed");
    }

    /// <summary>Restarts node <paramref name="nodeId"/> from its disk.</summary>
    public void Restart(ulong nodeId) => StartNode(_nodes[nodeId]);

    /// <summary>Removes every partition.</summary>
    public void Heal() => Network.Heal();

    /// <summary>Heals, restarts every node, steps until the cluster converged, then runs the end-of-run checks.</summary>
    public void ConvergeAndCheck(string phase)
    {
        Converge(phase);
        WholeNodeChecks.CheckAll(this, phase);
    }

    /// <summary>The last index of the running node's log.</summary>
    public ulong LastIndex(ulong nodeId) => _nodes[nodeId].Core!.LastIndex;

    /// <summary>The term of the entry at <paramref name="index"/> in the node's log, or 0.</summary>
    public ulong TermAt(ulong nodeId, ulong index) => _nodes[nodeId].Core?.LogTermAt(index) ?? 0;

    /// <summary>The commit index of the running node, or 0 while it is down.</summary>
    public ulong CommitIndex(ulong nodeId) => _nodes[nodeId].Core?.CommitIndex ?? 0;
}
