using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using HaCore.TServer.Node;
using HaCore.TServer.Web;

namespace HaCore.TServer.Driver;

/// <summary>
/// A simulated agent desktop: opens its session, registers its DN, logs in and goes ready, follows its DN's events
/// over server-sent events (resuming after the last position it saw, on another node when its node goes away),
/// answers the calls that ring and attaches a disposition. Every request carries the next ReferenceID; a request
/// whose outcome is unknown (its node died, no quorum) is sent again with the same ReferenceID to another node.
/// </summary>
public sealed class Desktop : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;
    private readonly HttpClient _stream;
    private readonly int[] _ports;
    private readonly Channel<Func<Task>> _work = Channel.CreateBounded<Func<Task>>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<string> _positions = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<uint, string> _accepted = new();
    private readonly ConcurrentDictionary<uint, int> _echoes = new();
    private readonly HashSet<ulong> _answered = [];
    private Task? _reader;
    private Task? _worker;
    private uint _reference;
    private int _node;
    private int _requestNode;
    private string _last = "";
    private long _retried, _reconnects, _duplicates, _rejected;

    /// <summary>Creates desktop <paramref name="index"/> (agent a1001 on DN 1001 for 0).</summary>
    /// <param name="index">The agent's index.</param>
    /// <param name="ports">The nodes' HTTP ports.</param>
    /// <param name="http">Requests (with a timeout).</param>
    /// <param name="stream">Event streams (no timeout).</param>
    public Desktop(int index, int[] ports, HttpClient http, HttpClient stream)
    {
        Dn = TServerOptions.AgentDn(index);
        AgentId = TServerOptions.AgentId(index);
        Session = "desk-" + Dn;
        _ports = ports;
        _node = index % ports.Length;
        _requestNode = index % ports.Length;
        _http = http;
        _stream = stream;
    }

    /// <summary>The DN.</summary>
    public string Dn { get; }

    /// <summary>The agent.</summary>
    public string AgentId { get; }

    /// <summary>The client session.</summary>
    public string Session { get; }

    /// <summary>Logged in and ready.</summary>
    public bool Ready { get; private set; }

    /// <summary>The positions received, in order (duplicates excluded; counted in <see cref="Duplicates"/>).</summary>
    public List<string> Positions
    {
        get
        {
            lock (_gate)
            {
                return _positions.ToList();
            }
        }
    }

    /// <summary>Events received twice.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Requests sent again after an unknown outcome.</summary>
    public long Retried => Interlocked.Read(ref _retried);

    /// <summary>Stream reconnections.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Requests refused by the model.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Accepted requests (ReferenceID, action).</summary>
    public IReadOnlyDictionary<uint, string> Accepted => _accepted;

    /// <summary>Events on this DN per ReferenceID.</summary>
    public IReadOnlyDictionary<uint, int> Echoes => _echoes;

    /// <summary>Calls answered.</summary>
    public int Answered
    {
        get
        {
            lock (_gate)
            {
                return _answered.Count;
            }
        }
    }

    /// <summary>Opens the session, logs in, goes ready and starts following the DN.</summary>
    /// <param name="deadline">How long the whole login may take.</param>
    /// <returns>A task.</returns>
    public async Task StartAsync(TimeSpan deadline)
    {
        _reader = Task.Run(ReadLoopAsync);
        _worker = Task.Run(WorkLoopAsync);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        cts.CancelAfter(deadline);
        await SendAsync("open", new DesktopRequest(0), cts.Token).ConfigureAwait(false);
        await SendAsync("register", new DesktopRequest(0, Dn: Dn), cts.Token).ConfigureAwait(false);
        await SendAsync("login", new DesktopRequest(0, AgentId, Dn), cts.Token).ConfigureAwait(false);
        await SendAsync("ready", new DesktopRequest(0, AgentId), cts.Token).ConfigureAwait(false);
        Ready = true;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _work.Writer.TryComplete();
        foreach (var t in new[] { _reader, _worker })
        {
            if (t is not null)
            {
                try
                {
                    await t.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or HttpRequestException or IOException)
                {
                }
            }
        }

        _stop.Dispose();
    }

    private async Task<DesktopResponse?> SendAsync(string action, DesktopRequest request, CancellationToken ct)
    {
        var r = request with { ReferenceId = Interlocked.Increment(ref _reference) };
        var attempt = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var port = _ports[Volatile.Read(ref _requestNode) % _ports.Length];
            try
            {
                using var response = await _http.PostAsJsonAsync(new Uri($"http://127.0.0.1:{port}/api/desktop/{Session}/{action}"), r, Json, ct).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    var body = await response.Content.ReadFromJsonAsync<DesktopResponse>(Json, ct).ConfigureAwait(false);
                    if (body is { Reject: "None" })
                    {
                        _accepted[r.ReferenceId] = action;
                    }
                    else
                    {
                        Interlocked.Increment(ref _rejected);
                    }

                    return body;
                }

                if ((int)response.StatusCode == 400)
                {
                    Interlocked.Increment(ref _rejected);
                    return null;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException && !ct.IsCancellationRequested)
            {
            }

            // Unknown outcome: the same ReferenceID again, on the next node.
            if (attempt++ == 0)
            {
                Interlocked.Increment(ref _retried);
            }

            Interlocked.Increment(ref _requestNode);
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    private async Task ReadLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var port = _ports[Volatile.Read(ref _node) % _ports.Length];
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{port}/api/dn/{Dn}/events"));
                string last;
                lock (_gate)
                {
                    last = _last;
                }

                if (last.Length != 0)
                {
                    request.Headers.Add("Last-Event-ID", last);
                }

                using var response = await _stream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, _stop.Token).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_stop.Token).ConfigureAwait(false));
                string? id = null;
                while (await reader.ReadLineAsync(_stop.Token).ConfigureAwait(false) is { } line)
                {
                    if (line.StartsWith("id: ", StringComparison.Ordinal))
                    {
                        id = line[4..];
                    }
                    else if (line.StartsWith("data: ", StringComparison.Ordinal) && id is not null)
                    {
                        OnEvent(id, JsonSerializer.Deserialize<EventView>(line.AsSpan(6), Json));
                        id = null;
                    }
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException && !_stop.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }

            if (_stop.IsCancellationRequested)
            {
                return;
            }

            // The node went away: resume after the last position on the next node.
            Interlocked.Increment(ref _reconnects);
            Interlocked.Increment(ref _node);
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    private void OnEvent(string id, EventView? e)
    {
        lock (_gate)
        {
            if (!_seen.Add(id))
            {
                Interlocked.Increment(ref _duplicates);
                return;
            }

            _positions.Add(id);
            _last = id;
        }

        if (e is null)
        {
            return;
        }

        if (e.ReferenceId != 0)
        {
            _echoes.AddOrUpdate(e.ReferenceId, 1, (_, n) => n + 1);
        }

        if (e.Kind == "Ringing" && Ready)
        {
            var connId = e.ConnId;
            _work.Writer.TryWrite(async () =>
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                cts.CancelAfter(TimeSpan.FromSeconds(30));
                var answer = await SendAsync("answer", new DesktopRequest(0, Dn: Dn, ConnId: connId), cts.Token).ConfigureAwait(false);
                if (answer is { Reject: "None" })
                {
                    lock (_gate)
                    {
                        _answered.Add(connId);
                    }

                    await SendAsync("attach", new DesktopRequest(0, ConnId: connId, Key: "Disposition", Value: "answered by " + AgentId), cts.Token).ConfigureAwait(false);
                }
            });
        }
    }

    private async Task WorkLoopAsync()
    {
        try
        {
            await foreach (var work in _work.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    await work().ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                {
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
