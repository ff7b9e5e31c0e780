using System.Globalization;
using System.Threading.Channels;
using HaCore.Raft;
using HaCore.Testing.History;

namespace HaCore.Testing.WholeNode;

/// <summary>
/// The simulator's clients, all through the node core's public intake (the same calls the production driver
/// makes): register clients with one operation in flight (writes, and linearizable, lease and stale reads on any
/// node, lagging followers included), pipeline clients with many requests of one session in flight that retry on
/// other nodes with the same request id, and subscribers that resume on another node when their stream ends.
/// </summary>
internal sealed class WholeNodeClients
{
    private readonly WholeNodeSimulator _sim;
    private readonly DeterministicRandom _random;
    private readonly HistoryRecorder _history;
    private readonly List<RegisterClient> _registers = [];
    private readonly List<PipelineClient> _pipelines = [];
    private readonly List<Subscriber> _subscribers = [];
    private bool _finishing;
    private int _writeCounter;

    public WholeNodeClients(WholeNodeSimulator sim, DeterministicRandom random)
    {
        _sim = sim;
        _random = random;
        _history = new HistoryRecorder(clock: () => sim.Now);
        for (var i = 0; i < sim.Options.RegisterClients; i++)
        {
            _registers.Add(new RegisterClient(i, NewSession()));
        }

        for (var i = 0; i < sim.Options.PipelineClients; i++)
        {
            _pipelines.Add(new PipelineClient(i, NewSession()));
        }

        for (var i = 0; i < sim.Options.Subscribers; i++)
        {
            _subscribers.Add(new Subscriber(i));
        }
    }

    public IReadOnlyList<HistoryEvent> History => _history.Snapshot();

    public IReadOnlyList<PipelineClient> Pipelines => _pipelines;

    public IReadOnlyList<Subscriber> Subscribers => _subscribers;

    /// <summary>Nothing is in flight.</summary>
    public bool Idle => _registers.All(r => r.Op is null) && _pipelines.All(p => p.InFlight.Count == 0);

    private Guid NewSession() => new(BitConverter.GetBytes(_random.NextUInt64()).Concat(BitConverter.GetBytes(_random.NextUInt64())).ToArray());

    /// <summary>Stop issuing new work: what is in flight is driven to completion.</summary>
    public void FinishAll() => _finishing = true;

    public string Describe() =>
        $"registers in flight {_registers.Count(r => r.Op is not null)}, pipeline requests in flight {_pipelines.Sum(p => p.InFlight.Count)} " +
        $"({string.Join(", ", _pipelines.SelectMany(p => p.InFlight).Take(5).Select(o => $"{o.Request.Sequence}@node{o.Node}"))})";

    /// <summary>Issues new operations; the nodes they touch are processed after this.</summary>
    public void Step(HashSet<ulong> touched)
    {
        foreach (var client in _registers.Where(c => c.Op is null && !_finishing))
        {
            if (_random.NextDouble() < _sim.Options.ClientRate && PickNode() is { } node)
            {
                IssueRegister(client, node);
                touched.Add(node.Id);
            }
        }

        foreach (var pipeline in _pipelines)
        {
            // The session contract: the newest request is less than a window ahead of the oldest unanswered one.
            while (!_finishing && pipeline.InFlight.Count < _sim.Options.PipelineDepth && WithinWindow(pipeline) && _random.Next(4) == 0 && Gateway(pipeline) is { } node)
            {
                var op = new PipelineOp(new ClientRequestId(pipeline.Session, ++pipeline.Issued), $"inc p{pipeline.Id}");
                pipeline.InFlight.Add(op);
                Attempt(op, node);
                touched.Add(node.Id);
            }
        }

        foreach (var subscriber in _subscribers.Where(s => s.Channel is null))
        {
            if (PickNode() is { } node)
            {
                subscriber.Attach(node, _sim);
                touched.Add(node.Id);
            }
        }
    }

    /// <summary>Collects outcomes after the nodes processed; retries what failed.</summary>
    public void Poll()
    {
        foreach (var client in _registers)
        {
            PollRegister(client);
        }

        foreach (var pipeline in _pipelines)
        {
            PollPipeline(pipeline);
        }

        foreach (var subscriber in _subscribers)
        {
            _sim.Stats.SubscriberItems += subscriber.Drain(_sim);
        }
    }

    private bool WithinWindow(PipelineClient pipeline) =>
        pipeline.InFlight.Count == 0 || pipeline.Issued + 1 - pipeline.InFlight.Min(o => o.Request.Sequence) < (ulong)_sim.Options.ResultsPerSession;

    private SimWholeNode? PickNode()
    {
        var candidates = _sim.Nodes.Values.Where(n => n.Alive && n.PausedUntil <= _sim.Now).ToList();
        return candidates.Count == 0 ? null : candidates[_random.Next(candidates.Count)];
    }

    private SimWholeNode? Gateway(PipelineClient pipeline)
    {
        if (_sim.Nodes.TryGetValue(pipeline.Gateway, out var node) && node.Alive && node.PausedUntil <= _sim.Now)
        {
            return node;
        }

        var picked = PickNode();
        pipeline.Gateway = picked?.Id ?? 0;
        return picked;
    }

    private void IssueRegister(RegisterClient client, SimWholeNode node)
    {
        var key = $"k{_random.Next(_sim.Options.Keys)}";
        if (_random.Next(2) == 0)
        {
            var value = $"v{++_writeCounter}";
            var op = new RegisterOp(HistoryFunction.Write, key, value, ReadConsistency.Linearizable, new ClientRequestId(client.Session, ++client.Sequence), _sim.Now);
            client.Op = op;
            _history.Invoke(client.Process, HistoryFunction.Write, key, value);
            AttemptWrite(op, node);
        }
        else
        {
            var consistency = (ReadConsistency)_random.Next(3);
            var op = new RegisterOp(HistoryFunction.Read, key, null, consistency, default, _sim.Now);
            client.Op = op;
            if (consistency != ReadConsistency.Stale)
            {
                _history.Invoke(client.Process, HistoryFunction.Read, key);
            }

            op.Node = node.Id;
            op.AttemptAt = _sim.Now;
            op.Read = new ReadBox();
            var box = op.Read;
            node.Core!.Read(new PendingRead<SimKvMachine>(
                (sm, applied) => box.Complete(sm.Kv.Get(key), applied), box.Fail, consistency, node.Clock.GetUtcNow() + _sim.ProposalTimeout));
        }
    }

    private void AttemptWrite(RegisterOp op, SimWholeNode node)
    {
        op.Node = node.Id;
        op.AttemptAt = _sim.Now;
        op.Proposal = node.Core!.CreateProposal(op.Request, $"set {op.Key} {op.Value}");
        node.Core.Propose(op.Proposal);
    }

    private void PollRegister(RegisterClient client)
    {
        if (client.Op is not { } op)
        {
            return;
        }

        CheckDeadline(op.Node, op.AttemptAt, (op.Proposal?.Done.Task ?? (Task?)op.Read?.Task)!, $"register client {client.Process} {op.F} {op.Key}");
        if (op.F == HistoryFunction.Read)
        {
            var box = op.Read!;
            if (!box.Task.IsCompleted && !NodeDown(op.Node))
            {
                return;
            }

            if (op.Consistency != ReadConsistency.Stale)
            {
                if (box.Task.IsCompletedSuccessfully)
                {
                    _history.Ok(client.Process, HistoryFunction.Read, op.Key, box.Value);
                    _sim.Stats.Reads++;
                }
                else
                {
                    _history.Fail(client.Process, HistoryFunction.Read, op.Key);
                }
            }

            client.Op = null;
            return;
        }

        var task = op.Proposal!.Done.Task;
        if (!task.IsCompleted && !NodeDown(op.Node))
        {
            return;
        }

        if (task.IsCompletedSuccessfully)
        {
            _history.Ok(client.Process, HistoryFunction.Write, op.Key, op.Value);
            _sim.Stats.Writes++;
            client.Op = null;
            return;
        }

        // Unknown outcome: retry the same request on another node until the client's own deadline.
        if (op.RetryAt == 0)
        {
            _sim.Trace($"register client {client.Process} retries {op.Key}={op.Value} (node {op.Node}: {task.Exception?.InnerException?.GetType().Name ?? "node down"})");
        }

        if (task.Exception?.InnerException is not RequestExpiredException && _sim.Now - op.StartedAt < 3 * _sim.ProposalTimeout.TotalMilliseconds)
        {
            if (op.RetryAt == 0)
            {
                op.RetryAt = _sim.Now + 5 + _random.Next(20); // a client backs off before it retries
                return;
            }

            if (_sim.Now < op.RetryAt || PickNode() is not { } next)
            {
                return;
            }

            op.RetryAt = 0;
            _sim.Stats.Retries++;
            AttemptWrite(op, next);
            _sim.Process(next);
            return;
        }

        _history.Record(HistoryEvent.Info(client.Process, HistoryFunction.Write, op.Key, op.Value));
        client.Process += 1_000; // an info ends the process; the client goes on under a new id
        client.Op = null;
    }

    private void Attempt(PipelineOp op, SimWholeNode node)
    {
        op.Node = node.Id;
        op.AttemptAt = _sim.Now;
        op.Proposal = node.Core!.CreateProposal(op.Request, op.Command);
        node.Core.Propose(op.Proposal);
    }

    private void PollPipeline(PipelineClient pipeline)
    {
        for (var i = pipeline.InFlight.Count - 1; i >= 0; i--)
        {
            var op = pipeline.InFlight[i];
            var task = op.Proposal!.Done.Task;
            CheckDeadline(op.Node, op.AttemptAt, task, $"pipeline {pipeline.Id} request {op.Request.Sequence}");
            if (!task.IsCompleted && !NodeDown(op.Node))
            {
                continue;
            }

            if (task.IsCompletedSuccessfully)
            {
                pipeline.Results[op.Request.Sequence] = long.Parse(System.Text.Encoding.UTF8.GetString(task.Result), CultureInfo.InvariantCulture);
                pipeline.InFlight.RemoveAt(i);
                _sim.Stats.PipelineAcks++;
                continue;
            }

            if (task.Exception?.InnerException is RequestExpiredException or ProposalRejectedException)
            {
                throw _sim.Fail($"exactly-once: pipeline {pipeline.Id} request {op.Request.Sequence} was refused though the client kept its requests within the session window ({_sim.Options.ResultsPerSession}): {task.Exception.InnerException.Message}");
            }

            // Unknown outcome: retry with the same request id, on the gateway or another node, after a back-off.
            if (op.RetryAt == 0)
            {
                _sim.Trace($"pipeline {pipeline.Id} retries request {op.Request.Sequence} (node {op.Node}: {task.Exception?.InnerException?.GetType().Name ?? "node down"})");
                op.RetryAt = _sim.Now + 5 + _random.Next(20);
                pipeline.Gateway = 0;
                continue;
            }

            if (_sim.Now >= op.RetryAt && Gateway(pipeline) is { } node)
            {
                op.RetryAt = 0;
                _sim.Stats.Retries++;
                Attempt(op, node);
                _sim.Process(node);
            }
        }
    }

    private bool NodeDown(ulong id) => !_sim.Nodes[id].Alive;

    private void CheckDeadline(ulong nodeId, long attemptAt, Task task, string what)
    {
        var node = _sim.Nodes[nodeId];
        if (task.IsCompleted || !node.Alive || node.PausedUntil != 0)
        {
            return;
        }

        var limit = _sim.ProposalTimeout + _sim.ElectionTimeout + TimeSpan.FromMilliseconds(_sim.Options.CallSlackMs);
        if (_sim.Now - attemptAt > limit.TotalMilliseconds + _sim.Options.ElectionTicks * _sim.Options.TickMs * 4)
        {
            throw _sim.Fail($"liveness: {what} on node {nodeId} waited {_sim.Now - attemptAt} ms, past its deadline plus an election timeout");
        }
    }

    internal sealed class RegisterClient(int process, Guid session)
    {
        public int Process { get; set; } = process;

        public Guid Session { get; } = session;

        public ulong Sequence { get; set; }

        public RegisterOp? Op { get; set; }
    }

    internal sealed class RegisterOp(HistoryFunction f, string key, string? value, ReadConsistency consistency, ClientRequestId request, long startedAt)
    {
        public HistoryFunction F { get; } = f;

        public string Key { get; } = key;

        public string? Value { get; } = value;

        public ReadConsistency Consistency { get; } = consistency;

        public ClientRequestId Request { get; } = request;

        public long StartedAt { get; } = startedAt;

        public ulong Node { get; set; }

        public long AttemptAt { get; set; }

        public PendingProposal? Proposal { get; set; }

        public ReadBox? Read { get; set; }

        public long RetryAt { get; set; }
    }

    internal sealed class ReadBox
    {
        private readonly TaskCompletionSource _done = new();

        public Task Task => _done.Task;

        public string? Value { get; private set; }

        public ulong AppliedIndex { get; private set; }

        public void Complete(string? value, ulong applied)
        {
            Value = value;
            AppliedIndex = applied;
            _done.TrySetResult();
        }

        public void Fail(Exception error) => _done.TrySetException(error);
    }

    internal sealed class PipelineClient(int id, Guid session)
    {
        public int Id { get; } = id;

        public Guid Session { get; } = session;

        public ulong Issued { get; set; }

        public ulong Gateway { get; set; }

        public List<PipelineOp> InFlight { get; } = [];

        /// <summary>Acknowledged results by sequence: the counter value each increment returned.</summary>
        public SortedDictionary<ulong, long> Results { get; } = [];
    }

    internal sealed class PipelineOp(ClientRequestId request, string command)
    {
        public ClientRequestId Request { get; } = request;

        public string Command { get; } = command;

        public ulong Node { get; set; }

        public long AttemptAt { get; set; }

        public PendingProposal? Proposal { get; set; }

        public long RetryAt { get; set; }
    }
}
