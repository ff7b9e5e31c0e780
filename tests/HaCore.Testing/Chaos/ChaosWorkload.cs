using System.Collections.Concurrent;
using System.Diagnostics;
using HaCore.Testing.History;
using HaCore.Testing.Runtime;

namespace HaCore.Testing.Chaos;

/// <summary>
/// Concurrent clients over the test host's line protocol, each with one operation in flight and its own session:
/// writes and compare-and-set on shared registers (real contention), reads with every consistency, appends to
/// shared lists, writes of unique keys; a write that fails or times out is retried with the same request id on
/// another node until it is answered or its deadline passes (then its outcome is unknown: <c>info</c>), and some
/// answered writes are sent again with the same request id on purpose (the answer must be the first one).
/// Every register and list operation goes into a history (shared/HISTORY_FORMAT.md); stale reads promise only a
/// prefix and are counted, not recorded.
/// </summary>
public sealed class ChaosWorkload
{
    private static readonly TimeSpan WriteDeadline = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(1.5); // then retried elsewhere (writes) or failed (reads)
    private readonly IChaosTargets _cluster;
    private readonly int _seed;
    private readonly int _firstClient;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _exactlyOnce = new();
    private Task[] _clients = [];
    private int _nextProcess;
    private long _reads;
    private long _leaseReads;
    private long _staleReads;
    private long _writes;
    private long _cas;
    private long _casSwapped;
    private long _appends;
    private long _ok;
    private long _fail;
    private long _info;
    private long _retries;
    private long _resends;

    public ChaosWorkload(IChaosTargets cluster, int seed, int clients = 10, int registers = 24, int lists = 6, int firstClient = 0)
    {
        _cluster = cluster;
        _seed = seed;
        _firstClient = firstClient;
        _nextProcess = firstClient * 100_000; // process ids stay apart across workloads in several client processes
        Clients = clients;
        Registers = registers;
        Lists = lists;
    }

    public int Clients { get; }

    public int Registers { get; }

    public int Lists { get; }

    public HistoryRecorder History { get; } = new(null, () => (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency)));

    /// <summary>Acknowledged writes of unique keys (each must be on every node after healing).</summary>
    public ConcurrentDictionary<string, string> AcknowledgedUnique { get; } = new(StringComparer.Ordinal);

    /// <summary>Acknowledged appends (list key, element): each must be in its list on every node, once.</summary>
    public ConcurrentBag<(string List, string Element)> AcknowledgedAppends { get; } = [];

    /// <summary>Resent requests whose second answer differed from the first.</summary>
    public IReadOnlyCollection<string> ExactlyOnceViolations => _exactlyOnce;

    public long Operations => Interlocked.Read(ref _ok) + Interlocked.Read(ref _fail) + Interlocked.Read(ref _info);

    public long Acknowledged => Interlocked.Read(ref _ok);

    /// <summary>The counters so far.</summary>
    public WorkloadCounters Counters => new(
        Interlocked.Read(ref _ok), Interlocked.Read(ref _fail), Interlocked.Read(ref _info), Interlocked.Read(ref _reads), Interlocked.Read(ref _leaseReads),
        Interlocked.Read(ref _staleReads), Interlocked.Read(ref _writes), Interlocked.Read(ref _cas), Interlocked.Read(ref _casSwapped), Interlocked.Read(ref _appends),
        Interlocked.Read(ref _retries), Interlocked.Read(ref _resends), AcknowledgedUnique.Count, AcknowledgedAppends.Count);

    public string Summary => Counters.ToString();

    public void Start() => _clients = [.. Enumerable.Range(_firstClient, Clients).Select(c => Task.Run(() => ClientAsync(c)))];

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_clients).WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Waits for a condition on the workload's counters, with a deadline.</summary>
    public async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        try
        {
            await Eventually.TrueAsync(condition, timeout, what);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} ({Summary})", ex);
        }
    }

    private sealed class ClientState(int client, int seed)
    {
        public int Client { get; } = client;

        public Random Random { get; } = new(seed);

        public Guid Session { get; } = Guid.NewGuid();

        public ulong Sequence { get; set; }

        public int Counter { get; set; }

        public Dictionary<ulong, LineConnection> Connections { get; } = [];

        public Dictionary<string, string?> LastSeen { get; } = new(StringComparer.Ordinal);
    }

    private async Task ClientAsync(int client)
    {
        var state = new ClientState(client, (_seed * 1_000) + client);
        var process = Interlocked.Increment(ref _nextProcess);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                if (PickNode(state) is not { } node)
                {
                    await Task.Delay(20);
                    continue;
                }

                var dice = state.Random.Next(100);
                if (dice < 30)
                {
                    await RegisterReadAsync(state, process, node);
                }
                else if (dice < 45)
                {
                    var key = $"r{state.Random.Next(Registers)}";
                    var value = NextValue(state);
                    process = await WriteAsync(state, process, node, HistoryFunction.Write, key, value, $"SET {{0}} {key} {value}", value);
                }
                else if (dice < 65)
                {
                    var key = $"r{state.Random.Next(Registers)}";
                    var expected = state.LastSeen.GetValueOrDefault(key);
                    var value = NextValue(state);
                    process = await WriteAsync(state, process, node, HistoryFunction.Cas, key, HistoryValue.CasPair(expected, value), $"CAS {{0}} {key} {expected ?? "-"} {value}", value);
                }
                else if (dice < 75)
                {
                    var key = $"l{state.Random.Next(Lists)}";
                    var value = NextValue(state);
                    process = await WriteAsync(state, process, node, HistoryFunction.Append, key, value, $"APPEND {{0}} {key} {value}", value);
                }
                else if (dice < 85)
                {
                    await ListReadAsync(state, process, node);
                }
                else
                {
                    var key = $"u{client}-{state.Counter + 1}";
                    var value = NextValue(state);
                    await WriteUniqueAsync(state, node, key, value);
                }
            }
        }
        finally
        {
            foreach (var c in state.Connections.Values)
            {
                c.Dispose();
            }
        }
    }

    private static string NextValue(ClientState state) => $"c{state.Client}-{++state.Counter}";

    /// <summary>A random node that is running, as far as the targets know (a client cannot know that it is paused or cut off).</summary>
    private ulong? PickNode(ClientState state, ulong? not = null)
    {
        var running = _cluster.Ids.Where(id => _cluster.IsRunning(id) && id != not).ToList();
        return running.Count == 0 ? null : running[state.Random.Next(running.Count)];
    }

    private async Task<string?> TrySendAsync(ClientState state, ulong node, string line)
    {
        if (!state.Connections.TryGetValue(node, out var connection))
        {
            connection = _cluster.Connect(node);
            state.Connections[node] = connection;
        }

        try
        {
            return await connection.SendAsync(line, RequestTimeout);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private async Task RegisterReadAsync(ClientState state, int process, ulong node)
    {
        var key = $"r{state.Random.Next(Registers)}";
        var dice = state.Random.Next(100);
        var consistency = dice < 50 ? "linearizable" : dice < 85 ? "lease" : "stale";
        if (consistency == "stale")
        {
            Interlocked.Increment(ref _staleReads);
            var stale = await TrySendAsync(state, node, $"GET {key} stale");
            if (stale?.StartsWith("OK ", StringComparison.Ordinal) == true)
            {
                Interlocked.Increment(ref _ok);
            }
            else
            {
                Interlocked.Increment(ref _fail);
            }

            return;
        }

        Interlocked.Increment(ref consistency == "lease" ? ref _leaseReads : ref _reads);
        History.Invoke(process, HistoryFunction.Read, key);
        var answer = await TrySendAsync(state, node, $"GET {key} {consistency}");
        if (answer?.StartsWith("OK ", StringComparison.Ordinal) == true)
        {
            var value = answer[3..] == "-" ? null : answer[3..];
            History.Ok(process, HistoryFunction.Read, key, value);
            state.LastSeen[key] = value;
            Interlocked.Increment(ref _ok);
        }
        else
        {
            History.Fail(process, HistoryFunction.Read, key);
            Interlocked.Increment(ref _fail);
        }
    }

    private async Task ListReadAsync(ClientState state, int process, ulong node)
    {
        var key = $"l{state.Random.Next(Lists)}";
        var consistency = state.Random.Next(2) == 0 ? "linearizable" : "lease";
        Interlocked.Increment(ref consistency == "lease" ? ref _leaseReads : ref _reads);
        History.Invoke(process, HistoryFunction.Read, key);
        var answer = await TrySendAsync(state, node, $"GET {key} {consistency}");
        if (answer?.StartsWith("OK ", StringComparison.Ordinal) == true)
        {
            var items = answer[3..] == "-" ? [] : answer[3..].Split(',');
            History.Ok(process, HistoryFunction.Read, key, HistoryValue.ListOf(items));
            Interlocked.Increment(ref _ok);
        }
        else
        {
            History.Fail(process, HistoryFunction.Read, key);
            Interlocked.Increment(ref _fail);
        }
    }

    /// <summary>Sends one request until a node answers OK or the deadline passes, with the same request id.</summary>
    private async Task<(string? Answer, ulong Node)> SendWithRetriesAsync(ClientState state, ulong node, string line)
    {
        var deadline = DateTime.UtcNow + WriteDeadline;
        while (true)
        {
            var answer = await TrySendAsync(state, node, line);
            if (answer?.StartsWith("OK ", StringComparison.Ordinal) == true)
            {
                return (answer, node);
            }

            if (DateTime.UtcNow > deadline || _stop.IsCancellationRequested)
            {
                return (null, node);
            }

            Interlocked.Increment(ref _retries);
            await Task.Delay(state.Random.Next(20, 80));
            node = PickNode(state) ?? node;
        }
    }

    /// <summary>A register write, a compare-and-set or an append; returns the process id to use next.</summary>
    private async Task<int> WriteAsync(ClientState state, int process, ulong node, HistoryFunction f, string key, HistoryValue input, string template, string written)
    {
        if (f == HistoryFunction.Cas)
        {
            Interlocked.Increment(ref _cas);
        }
        else if (f == HistoryFunction.Append)
        {
            Interlocked.Increment(ref _appends);
        }
        else
        {
            Interlocked.Increment(ref _writes);
        }

        var line = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, $"{state.Session} {++state.Sequence}");
        History.Invoke(process, f, key, input);
        var (answer, answeredBy) = await SendWithRetriesAsync(state, node, line);
        if (answer is null)
        {
            History.Info(process, f, key, input);
            Interlocked.Increment(ref _info);
            state.LastSeen.Remove(key);
            return Interlocked.Increment(ref _nextProcess); // unknown outcome: this process issues nothing more
        }

        Interlocked.Increment(ref _ok);
        if (f == HistoryFunction.Cas && answer != "OK true")
        {
            History.Fail(process, f, key, input);
        }
        else
        {
            History.Ok(process, f, key, input);
            if (f == HistoryFunction.Cas)
            {
                Interlocked.Increment(ref _casSwapped);
            }

            if (f == HistoryFunction.Append)
            {
                AcknowledgedAppends.Add((key, written));
            }
            else
            {
                state.LastSeen[key] = written;
            }
        }

        await MaybeResendAsync(state, answeredBy, line, answer);
        return process;
    }

    private async Task WriteUniqueAsync(ClientState state, ulong node, string key, string value)
    {
        Interlocked.Increment(ref _writes);
        var line = $"SET {state.Session} {++state.Sequence} {key} {value}";
        var (answer, answeredBy) = await SendWithRetriesAsync(state, node, line);
        if (answer is null)
        {
            Interlocked.Increment(ref _info);
            return;
        }

        Interlocked.Increment(ref _ok);
        AcknowledgedUnique[key] = value;
        await MaybeResendAsync(state, answeredBy, line, answer);
    }

    /// <summary>One answered write in twelve is sent again, same request id, to another node: it must get the first answer.</summary>
    private async Task MaybeResendAsync(ClientState state, ulong answeredBy, string line, string first)
    {
        if (state.Random.Next(12) != 0 || PickNode(state, answeredBy) is not { } other)
        {
            return;
        }

        Interlocked.Increment(ref _resends);
        var again = await TrySendAsync(state, other, line);
        if (again?.StartsWith("OK ", StringComparison.Ordinal) == true && again != first)
        {
            _exactlyOnce.Enqueue($"'{line}' was answered '{first}' by node {answeredBy} and '{again}' by node {other} on a retry");
        }
    }
}

/// <summary>What a workload did (summed over the client processes of a run).</summary>
public sealed record WorkloadCounters(
    long Ok, long Fail, long Info, long Reads, long LeaseReads, long StaleReads, long Writes, long Cas, long CasSwapped, long Appends,
    long Retries, long Resends, long UniqueAcknowledged, long AppendsAcknowledged)
{
    public long Operations => Ok + Fail + Info;

    public static WorkloadCounters operator +(WorkloadCounters a, WorkloadCounters b) => new(
        a.Ok + b.Ok, a.Fail + b.Fail, a.Info + b.Info, a.Reads + b.Reads, a.LeaseReads + b.LeaseReads, a.StaleReads + b.StaleReads, a.Writes + b.Writes,
        a.Cas + b.Cas, a.CasSwapped + b.CasSwapped, a.Appends + b.Appends, a.Retries + b.Retries, a.Resends + b.Resends,
        a.UniqueAcknowledged + b.UniqueAcknowledged, a.AppendsAcknowledged + b.AppendsAcknowledged);

    public override string ToString() =>
        $"{Operations} operations ({Ok} ok, {Fail} fail, {Info} unknown): {Reads} linearizable + {LeaseReads} lease + {StaleReads} stale reads, "
        + $"{Writes} writes, {Cas} compare-and-set ({CasSwapped} swapped), {Appends} appends; {Retries} retries and {Resends} deliberate resends with the same request id; "
        + $"{UniqueAcknowledged} unique keys and {AppendsAcknowledged} appends acknowledged";
}
