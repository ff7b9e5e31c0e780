using HaCore.Raft;
using HaCore.Testing.History;

namespace HaCore.Testing.Simulation;

/// <summary>
/// Simulated clients of the register store. Each has at most one operation in flight: a write or
/// CAS proposed on some node, or a linearizable read through ReadIndex. Outcomes follow the history
/// rules: a proposal refused before it entered a log is a fail, an unknown outcome is an info (and
/// the client continues under a new process id).
/// </summary>
internal sealed class ClientDriver
{
    private readonly ClusterSimulator _sim;
    private readonly DeterministicRandom _random;
    private readonly HistoryRecorder _history;
    private readonly Client[] _clients;
    private readonly Dictionary<ulong, Client> _byOperation = [];
    private ulong _nextOperationId = 1;
    private int _nextProcess;

    public ClientDriver(ClusterSimulator sim, DeterministicRandom random)
    {
        _sim = sim;
        _random = random;
        _history = new HistoryRecorder(null, () => sim.Now);
        _clients = new Client[sim.Options.Clients];
        for (var i = 0; i < _clients.Length; i++)
        {
            _clients[i] = new Client { Process = _nextProcess++ };
        }
    }

    public IReadOnlyList<HistoryEvent> History => _history.Snapshot();

    public bool HasPending => _byOperation.Count > 0;

    public void MaybeIssue()
    {
        foreach (var client in _clients)
        {
            if (client.Operation is null && _random.NextDouble() < _sim.Options.ClientRate)
            {
                Issue(client);
            }
        }
    }

    private void Issue(Client client)
    {
        // Clients mostly follow the leader; sometimes they ask any running member.
        var leader = _sim.CurrentLeader();
        var members = _sim.Nodes.Values.Where(n => n.Alive && _sim.Membership.Contains(n.Id)).ToList();
        var node = leader is not null && _random.Next(10) < 7 ? leader : members.Count > 0 ? members[_random.Next(members.Count)] : null;
        if (node?.Raft is not { } raft)
        {
            return;
        }

        var id = _nextOperationId++;
        var key = $"k{_random.Next(_sim.Options.Keys)}";
        var kind = _random.Next(10);
        var op = new Operation(id, node.Id, key, _sim.Now + _sim.Options.ClientTimeout);
        client.Operation = op;
        _byOperation[id] = client;
        _sim.Stats.Operations++;

        if (kind < 4)
        {
            op.F = HistoryFunction.Read;
            Record(client, HistoryEventType.Invoke, op, HistoryValue.Null);
            if (_sim.Options.UnsafeLocalReads)
            {
                CompleteRead(id, ok: true, node.Kv.Read(key));
                return;
            }

            node.PendingReads[id] = null;
            raft.ReadIndex(id);
            return;
        }

        KvCommand command;
        if (kind < 8)
        {
            op.F = HistoryFunction.Write;
            op.Value = $"v{id}";
            command = new KvCommand(KvOp.Write, id, key, op.Value, null);
            Record(client, HistoryEventType.Invoke, op, op.Value);
        }
        else
        {
            op.F = HistoryFunction.Cas;
            op.Value = $"v{id}";
            op.Expected = _random.Next(3) == 0 ? null : node.Kv.Read(key);
            command = new KvCommand(KvOp.Cas, id, key, op.Value, op.Expected);
            Record(client, HistoryEventType.Invoke, op, HistoryValue.CasPair(op.Expected, op.Value));
        }

        var result = raft.Propose(command.Encode());
        if (result.Status == ProposeStatus.Forwarded)
        {
            // The leader may or may not append it: the outcome is learned when this node applies it.
            node.PendingForwards.Add(id);
            return;
        }

        if (!result.IsAccepted)
        {
            // Refused before it entered any log: it certainly did not take effect.
            CompleteWrite(id, ClientOutcome.Fail);
            return;
        }

        if (node.PendingProposals.Remove(result.Index, out var displaced))
        {
            // This node's log replaced an earlier proposal at that index: that one cannot commit.
            CompleteWrite(displaced.OperationId, ClientOutcome.Fail);
        }

        node.PendingProposals[result.Index] = (result.Term, id);
    }

    public void CompleteWrite(ulong operationId, ClientOutcome outcome)
    {
        if (!_byOperation.Remove(operationId, out var client) || client.Operation is not { } op)
        {
            return;
        }

        var value = op.F == HistoryFunction.Cas ? HistoryValue.CasPair(op.Expected, op.Value) : HistoryValue.Of(op.Value);
        Finish(client, op, outcome, value);
    }

    public void CompleteRead(ulong operationId, bool ok, string? value)
    {
        if (!_byOperation.Remove(operationId, out var client) || client.Operation is not { } op)
        {
            return;
        }

        Finish(client, op, ok ? ClientOutcome.Ok : ClientOutcome.Fail, HistoryValue.Of(value));
    }

    /// <summary>Serves the reads whose read index this node has now applied.</summary>
    public void ServeReads(SimNode node)
    {
        if (node.PendingReads.Count == 0 || node.Raft is null)
        {
            return;
        }

        foreach (var (id, index) in node.PendingReads.ToArray())
        {
            if (index is { } i && node.Kv.AppliedIndex >= i)
            {
                node.PendingReads.Remove(id);
                if (_byOperation.TryGetValue(id, out var client) && client.Operation is { } op)
                {
                    CompleteRead(id, ok: true, node.Kv.Read(op.Key));
                }
            }
        }
    }

    public void OnCrash(SimNode node)
    {
        foreach (var client in _clients)
        {
            if (client.Operation is { } op && op.Node == node.Id)
            {
                _byOperation.Remove(op.Id);
                Finish(client, op, op.F == HistoryFunction.Read ? ClientOutcome.Fail : ClientOutcome.Info, op.F == HistoryFunction.Read ? HistoryValue.Null : HistoryValue.Of(op.Value));
            }
        }
    }

    public void ExpireTimedOut()
    {
        foreach (var client in _clients)
        {
            if (client.Operation is { } op && _sim.Now >= op.Deadline)
            {
                _byOperation.Remove(op.Id);
                Finish(client, op, op.F == HistoryFunction.Read ? ClientOutcome.Fail : ClientOutcome.Info, op.F == HistoryFunction.Read ? HistoryValue.Null : HistoryValue.Of(op.Value));
            }
        }
    }

    public void ExpireAll()
    {
        foreach (var client in _clients)
        {
            if (client.Operation is { } op)
            {
                _byOperation.Remove(op.Id);
                Finish(client, op, op.F == HistoryFunction.Read ? ClientOutcome.Fail : ClientOutcome.Info, op.F == HistoryFunction.Read ? HistoryValue.Null : HistoryValue.Of(op.Value));
            }
        }
    }

    private void Finish(Client client, Operation op, ClientOutcome outcome, HistoryValue value)
    {
        var type = outcome switch
        {
            ClientOutcome.Ok => HistoryEventType.Ok,
            ClientOutcome.Fail => HistoryEventType.Fail,
            _ => HistoryEventType.Info,
        };
        if (outcome == ClientOutcome.Ok)
        {
            _sim.Stats.OkOperations++;
        }

        Record(client, type, op, value);
        client.Operation = null;
        if (outcome == ClientOutcome.Info)
        {
            // After an unknown outcome the process issues nothing more: continue as a new process.
            client.Process = _nextProcess++;
        }
    }

    private void Record(Client client, HistoryEventType type, Operation op, HistoryValue value) =>
        _history.Record(new HistoryEvent(client.Process, type, op.F, op.Key, value, _sim.Now));

    private sealed class Client
    {
        public int Process { get; set; }

        public Operation? Operation { get; set; }
    }

    private sealed class Operation(ulong id, ulong node, string key, long deadline)
    {
        public ulong Id { get; } = id;

        public ulong Node { get; } = node;

        public string Key { get; } = key;

        public long Deadline { get; } = deadline;

        public HistoryFunction F { get; set; } = HistoryFunction.Read;

        public string? Value { get; set; }

        public string? Expected { get; set; }
    }
}

/// <summary>How a client operation ended.</summary>
public enum ClientOutcome
{
    /// <summary>It took effect (or, for a read, returned its value).</summary>
    Ok,

    /// <summary>It certainly did not take effect.</summary>
    Fail,

    /// <summary>Unknown: timed out or its node crashed.</summary>
    Info,
}
