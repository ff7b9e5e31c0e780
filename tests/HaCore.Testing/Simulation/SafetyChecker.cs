using HaCore.Raft;

namespace HaCore.Testing.Simulation;

/// <summary>
/// Raft's safety properties, checked as the run goes: election safety (one leader per term), log
/// matching, leader completeness, state machine safety (every node applies the same entry at each
/// index), and that nothing committed is ever lost or changed.
/// </summary>
internal sealed class SafetyChecker
{
    private readonly ClusterSimulator _sim;
    private readonly Dictionary<ulong, ulong> _leaderOfTerm = [];
    private readonly Dictionary<ulong, (ulong Term, int Hash)> _committed = [];
    private readonly Dictionary<ulong, ulong> _checkedCommit = [];
    private ulong _maxCommitted;
    private long _steps;

    public SafetyChecker(ClusterSimulator sim) => _sim = sim;

    private static int Hash(in Entry e)
    {
        var h = new HashCode();
        h.Add(e.Type);
        h.AddBytes(e.Data.Span);
        return h.ToHashCode();
    }

    /// <summary>Records or compares the committed entry at its index.</summary>
    private void CheckCommitted(ulong node, in Entry e, string what)
    {
        var record = (e.Term, Hash(e));
        if (_committed.TryGetValue(e.Index, out var known))
        {
            if (known != record)
            {
                throw _sim.Fail($"{what}: node {node} has {e} at index {e.Index}, but term {known.Term} was committed there");
            }
        }
        else
        {
            _committed[e.Index] = record;
            _maxCommitted = Math.Max(_maxCommitted, e.Index);
        }
    }

    public void OnApplied(SimNode node, in Entry entry)
    {
        if (entry.Index > node.Raft!.CommitIndex)
        {
            throw _sim.Fail($"node {node.Id} applies {entry.Index} beyond its commit index {node.Raft.CommitIndex}");
        }

        CheckCommitted(node.Id, entry, "state machine safety");
    }

    public void OnRestart(SimNode node) => _checkedCommit.Remove(node.Id);

    public void OnBecameLeader(SimNode node)
    {
        var raft = node.Raft!;
        if (_leaderOfTerm.TryGetValue(raft.Term, out var other) && other != node.Id)
        {
            throw _sim.Fail($"election safety: nodes {other} and {node.Id} both lead term {raft.Term}");
        }

        _leaderOfTerm[raft.Term] = node.Id;

        // Leader completeness: every committed entry is in the new leader's log.
        if (raft.LastIndex < _maxCommitted)
        {
            throw _sim.Fail($"leader completeness: leader {node.Id} of term {raft.Term} ends at {raft.LastIndex}, below committed {_maxCommitted}");
        }

        var log = raft.Core.Log;
        for (var i = Math.Max(log.FirstIndex, 1); i <= _maxCommitted; i++)
        {
            if (_committed.TryGetValue(i, out var known) && log.TermOrZero(i) != known.Term)
            {
                throw _sim.Fail($"leader completeness: leader {node.Id} of term {raft.Term} has term {log.TermOrZero(i)} at {i}, committed term {known.Term}");
            }
        }
    }

    public void CheckStep()
    {
        _steps++;
        foreach (var node in _sim.Nodes.Values)
        {
            if (node.Raft is not { } raft)
            {
                continue;
            }

            if (raft.Role == RaftRole.Leader && _leaderOfTerm.TryGetValue(raft.Term, out var l) && l != node.Id)
            {
                throw _sim.Fail($"election safety: nodes {l} and {node.Id} both lead term {raft.Term}");
            }

            // Newly committed entries on this node must match what is committed anywhere.
            var log = raft.Core.Log;
            _checkedCommit.TryGetValue(node.Id, out var from);
            var first = Math.Max(from + 1, log.FirstIndex);
            for (var i = first; i <= log.Committed;)
            {
                var status = log.TrySlice(i, log.Committed + 1, long.MaxValue, out var entries);
                if (status != LogReadStatus.Ok)
                {
                    throw _sim.Fail($"node {node.Id} cannot read its committed entries from {i}: {status}");
                }

                foreach (ref readonly var e in entries.Span)
                {
                    CheckCommitted(node.Id, e, "committed prefix");
                }

                i += (ulong)entries.Length;
            }

            _checkedCommit[node.Id] = log.Committed;
        }

        if (_steps % 97 == 0)
        {
            CheckLogMatching();
        }
    }

    /// <summary>Log matching: if two logs have an entry with the same index and term, all before it match.</summary>
    public void CheckLogMatching()
    {
        var running = _sim.Nodes.Values.Where(n => n.Raft is not null).ToList();
        for (var a = 0; a < running.Count; a++)
        {
            for (var b = a + 1; b < running.Count; b++)
            {
                var la = running[a].Raft!.Core.Log;
                var lb = running[b].Raft!.Core.Log;
                var low = Math.Max(la.FirstIndex, lb.FirstIndex);
                var high = Math.Min(la.LastIndex, lb.LastIndex);
                var matched = false;
                for (var i = high; i >= low && i > 0; i--)
                {
                    var ta = la.TermOrZero(i);
                    var tb = lb.TermOrZero(i);
                    if (matched && ta != tb)
                    {
                        throw _sim.Fail($"log matching: nodes {running[a].Id} and {running[b].Id} agree on a later entry but differ at {i} (terms {ta} vs {tb})");
                    }

                    matched |= ta == tb;
                }
            }
        }
    }

    public void CheckFinal()
    {
        CheckLogMatching();
        var members = _sim.Membership.Voters.Concat(_sim.Membership.Learners).Select(id => _sim.Nodes[id]).ToList();
        var reference = members[0];
        foreach (var node in members)
        {
            if (node.Kv.AppliedIndex != reference.Kv.AppliedIndex || node.Kv.Dump() != reference.Kv.Dump())
            {
                throw _sim.Fail($"replicas differ at the end: node {reference.Id} applied {reference.Kv.AppliedIndex} [{reference.Kv.Dump()}], " +
                                $"node {node.Id} applied {node.Kv.AppliedIndex} [{node.Kv.Dump()}]");
            }
        }

        if (reference.Raft!.CommitIndex < _maxCommitted)
        {
            throw _sim.Fail($"committed entries lost: the cluster ends at commit {reference.Raft.CommitIndex}, but {_maxCommitted} was committed");
        }
    }
}
