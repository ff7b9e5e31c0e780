using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HaCore.Tests.Chaos;

/// <summary>
/// Follows the event stream (SUBSCRIBE) of a random running node and, whenever the stream ends, errs or goes silent
/// for <see cref="Silence"/> (a stopped or cut-off node), resumes on another node from its last index + 1. What it
/// received is checked against a reference stream read after healing: in order, no duplicates, no gaps, the same
/// command at each index. A stream that ended with EventPositionUnavailableException (the node no longer retains
/// that index) is allowed to leave a gap there; it is counted.
/// </summary>
public sealed class ChaosSubscriber(ChaosCluster cluster, int id, int seed)
{
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(2);
    private readonly Random _random = new(seed);
    private readonly List<(ulong Index, string Event)> _received = [];
    private readonly List<string> _problems = [];
    private readonly List<ulong> _allowedGapsAfter = [];
    private Task? _running;
    private CancellationTokenSource? _stop;

    public int Id { get; } = id;

    public int Resumes { get; private set; }

    public int Received
    {
        get
        {
            lock (_received)
            {
                return _received.Count;
            }
        }
    }

    public void Start()
    {
        _stop = new CancellationTokenSource();
        _running = Task.Run(() => RunAsync(_stop.Token));
    }

    public async Task StopAsync()
    {
        if (_stop is null || _running is null)
        {
            return;
        }

        await _stop.CancelAsync();
        await _running.WaitAsync(TimeSpan.FromSeconds(30));
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        ulong next = 1;
        while (!ct.IsCancellationRequested)
        {
            var running = cluster.Ids.Where(cluster.IsRunning).ToList();
            if (running.Count == 0)
            {
                await Task.Delay(50, CancellationToken.None);
                continue;
            }

            var node = running[_random.Next(running.Count)];
            var end = await FollowAsync(node, next, ct);
            lock (_received)
            {
                if (_received.Count > 0)
                {
                    next = _received[^1].Index + 1;
                }

                if (end.Contains("EventPositionUnavailable", StringComparison.Ordinal))
                {
                    _allowedGapsAfter.Add(next - 1);
                }
            }

            if (!ct.IsCancellationRequested)
            {
                Resumes++;
                await Task.Delay(_random.Next(20, 100), CancellationToken.None);
            }
        }
    }

    /// <summary>Reads one node's stream until it ends; returns why it ended.</summary>
    private async Task<string> FollowAsync(ulong node, ulong from, CancellationToken ct)
    {
        try
        {
            using var client = new TcpClient();
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                connect.CancelAfter(Silence);
                await client.ConnectAsync(IPAddress.Loopback, cluster.ClientPort(node), connect.Token);
            }

            await using var stream = client.GetStream();
            await stream.WriteAsync(Encoding.UTF8.GetBytes($"SUBSCRIBE {from}\n"), ct);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (true)
            {
                using var silence = CancellationTokenSource.CreateLinkedTokenSource(ct);
                silence.CancelAfter(Silence);
                var line = await reader.ReadLineAsync(silence.Token);
                if (line is null)
                {
                    return "closed";
                }

                if (!line.StartsWith("EV ", StringComparison.Ordinal))
                {
                    return line;
                }

                var space = line.IndexOf(' ', 3);
                var index = ulong.Parse(line.AsSpan(3, space - 3), CultureInfo.InvariantCulture);
                lock (_received)
                {
                    var last = _received.Count > 0 ? _received[^1].Index : 0;
                    if (index <= last)
                    {
                        _problems.Add($"subscriber {Id}: node {node} sent index {index} after {last} (duplicate or out of order; resumed from {from})");
                    }

                    _received.Add((index, line[(space + 1)..]));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
            return "lost: " + ex.GetType().Name;
        }
    }

    /// <summary>Compares what this subscriber received with <paramref name="reference"/> (index to event) over the range it covered.</summary>
    public IReadOnlyList<string> Check(IReadOnlyDictionary<ulong, string> reference)
    {
        var problems = new List<string>(_problems);
        lock (_received)
        {
            if (_received.Count == 0)
            {
                return problems;
            }

            var seen = new Dictionary<ulong, string>();
            foreach (var (index, e) in _received)
            {
                seen.TryAdd(index, e);
                if (reference.TryGetValue(index, out var expected) && expected != e)
                {
                    problems.Add($"subscriber {Id}: index {index} was '{e}', the reference has '{expected}'");
                }
            }

            var first = _received[0].Index;
            var last = _received[^1].Index;
            var gaps = reference.Keys.Where(i => i >= first && i <= last && !seen.ContainsKey(i)).Order().ToList();
            foreach (var gap in gaps.Where(g => !_allowedGapsAfter.Any(a => a < g)).Take(5))
            {
                problems.Add($"subscriber {Id}: missed index {gap} (received {first}..{last} over {Resumes} resumes)");
            }
        }

        return problems;
    }

    public (ulong First, ulong Last) Range
    {
        get
        {
            lock (_received)
            {
                return _received.Count == 0 ? (0, 0) : (_received[0].Index, _received[^1].Index);
            }
        }
    }

    /// <summary>The stream of one node from <paramref name="from"/> through <paramref name="to"/> (after healing).</summary>
    public static async Task<Dictionary<ulong, string>> ReadReferenceAsync(ChaosCluster cluster, ulong node, ulong from, ulong to)
    {
        var events = new Dictionary<ulong, string>();
        using var client = new TcpClient();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await client.ConnectAsync(IPAddress.Loopback, cluster.ClientPort(node), deadline.Token);
        await using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes($"SUBSCRIBE {from}\n"), deadline.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(deadline.Token) is { } line && line.StartsWith("EV ", StringComparison.Ordinal))
        {
            var space = line.IndexOf(' ', 3);
            var index = ulong.Parse(line.AsSpan(3, space - 3), CultureInfo.InvariantCulture);
            events[index] = line[(space + 1)..];
            if (index >= to)
            {
                break;
            }
        }

        return events;
    }
}
