using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using HaCore.ConnectorPool;
using HaCore.ContactCenter;
using HaCore.Raft;
using Microsoft.Extensions.Logging;

namespace HaCore.TServer.Node;

/// <summary>
/// The leader's commands to the connectors (DOMAIN scenario 11 by Raft term): every 100 ms, while this node believes
/// it leads, each connector IM interaction older than <see cref="TServerOptions.ConnectorImIdle"/> in the state it has
/// applied gets a <see cref="ConnectorProtocol.ReleaseIm"/> command to its owning connector's command endpoint (read
/// from the connector's replicated <c>ConnectorUp</c>), stamped with this node's Raft term. The decision is
/// <c>release-im:{ConnId}</c>, the same on every leader for the same state; the connector acts on it once and refuses a
/// command whose term is below the highest it has seen (a deposed leader's). A decision answered acted or duplicate
/// is not sent again by this node; one that failed is retried after a second.
/// </summary>
public sealed partial class ConnectorCommander : IAsyncDisposable
{
    private const int MaxRemembered = 100_000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TServerNode _host;
    private readonly ILogger _logger;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly HashSet<string> _answered = new(StringComparer.Ordinal);
    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _retryAt = new(StringComparer.Ordinal);
    private long _sent;
    private long _acted;
    private long _duplicates;
    private long _stale;
    private long _failed;
    private Task? _loop;

    /// <summary>Creates it (nothing is sent until <see cref="Start"/>).</summary>
    /// <param name="host">The node.</param>
    /// <param name="logger">Logs the refusals.</param>
    public ConnectorCommander(TServerNode host, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(logger);
        _host = host;
        _logger = logger;
    }

    /// <summary>Commands sent, acted on, answered as a duplicate decision, refused for a stale term, failed.</summary>
    public (long Sent, long Acted, long Duplicates, long StaleTerm, long Failed) Stats =>
        (Interlocked.Read(ref _sent), Interlocked.Read(ref _acted), Interlocked.Read(ref _duplicates), Interlocked.Read(ref _stale), Interlocked.Read(ref _failed));

    /// <summary>Starts the loop.</summary>
    public void Start() => _loop = Task.Run(RunAsync);

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    await RoundAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is HaCoreException or TimeoutException or InvalidOperationException || (ex is OperationCanceledException && !_stop.IsCancellationRequested))
                {
                    LogRoundFailed(_logger, ex.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task RoundAsync(CancellationToken ct)
    {
        // The term and the role as this node sees them now: a paused leader that was resumed still believes it leads
        // until it hears the newer term, and sends with its old one.
        var status = _host.Node.Status;
        if (status.Role != RaftRole.Leader)
        {
            return;
        }

        var (_, records, calls) = _host.Connectors.Snapshot();
        var chats = calls.Where(c => !c.Released && c.Media == MediaType.Chat).Select(c => c.ConnId).ToHashSet();
        if (chats.Count == 0)
        {
            return;
        }

        var idleMs = (long)_host.Options.ConnectorImIdle.TotalMilliseconds;
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // This node's own applied state (no quorum round: a deposed leader acts on what it has).
        var due = await _host.Node.ReadAsync(m =>
        {
            var list = new List<(ulong ConnId, string Dn, string Owner, Uri Url, string Key)>();
            foreach (var (key, im) in records)
            {
                if (im && m.GetConversation(key) is { } conversation && chats.Contains(conversation.ConnId)
                    && m.GetCall(conversation.ConnId) is { } call && nowMs - call.CreatedAt >= idleMs
                    && m.GetConnector(conversation.ConnectorId) is { Alive: true } connector
                    && ConnectorProtocol.ParseEndpoint(connector.Endpoint) is { } endpoint)
                {
                    list.Add((conversation.ConnId, call.Parties.FirstOrDefault()?.Dn?.Number ?? "", conversation.ConnectorId, endpoint.Url, endpoint.Key));
                }
            }

            return list;
        }, ReadConsistency.Stale, ct).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        foreach (var (connId, dn, owner, url, key) in due.Value)
        {
            var command = new ConnectorCommand(ConnectorProtocol.ReleaseIm, "release-im:" + connId.ToString(CultureInfo.InvariantCulture), connId, dn, status.Term, status.NodeId);
            lock (_gate)
            {
                if (_answered.Contains(command.Decision) || _inFlight.Contains(command.Decision) || (_retryAt.TryGetValue(command.Decision, out var at) && at > now))
                {
                    continue;
                }

                _inFlight.Add(command.Decision);
            }

            _ = SendAsync(command, owner, url, key, ct);
        }
    }

    private async Task SendAsync(ConnectorCommand command, string owner, Uri url, string key, CancellationToken ct)
    {
        var outcome = "failed";
        try
        {
            Interlocked.Increment(ref _sent);
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url, ConnectorProtocol.CommandPath)) { Content = JsonContent.Create(command, options: Json) };
            request.Headers.Add(ConnectorProtocol.CommandKeyHeader, key);
            using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
            var answer = await response.Content.ReadFromJsonAsync<ConnectorCommandAnswer>(Json, ct).ConfigureAwait(false);
            outcome = answer?.Outcome ?? "failed";
            if (outcome == "stale-term")
            {
                LogStale(_logger, command.Kind, command.ConnId, owner, command.Term, answer!.HighestTerm);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or OperationCanceledException or NotSupportedException)
        {
            LogSendFailed(_logger, command.Kind, command.ConnId, owner, ex.GetType().Name);
        }

        switch (outcome)
        {
            case "acted":
                Interlocked.Increment(ref _acted);
                break;
            case "duplicate":
                Interlocked.Increment(ref _duplicates);
                break;
            case "stale-term":
                Interlocked.Increment(ref _stale);
                break;
            default:
                Interlocked.Increment(ref _failed);
                break;
        }
        lock (_gate)
        {
            _inFlight.Remove(command.Decision);
            if (outcome is "acted" or "duplicate" or "not-mine")
            {
                if (_answered.Count >= MaxRemembered)
                {
                    _answered.Clear();
                }

                _answered.Add(command.Decision);
                _retryAt.Remove(command.Decision);
            }
            else
            {
                if (_retryAt.Count >= MaxRemembered)
                {
                    _retryAt.Clear();
                }

                _retryAt[command.Decision] = DateTimeOffset.UtcNow.AddSeconds(1);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }

        _http.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "connector command {Kind} of call {ConnId} to {Owner} refused: STALE_RAFT_TERM (this node's term {Term}, the connector has seen {Highest}): this node no longer leads")]
    private static partial void LogStale(ILogger logger, string kind, ulong connId, string owner, ulong term, ulong highest);

    [LoggerMessage(Level = LogLevel.Debug, Message = "connector command {Kind} of call {ConnId} to {Owner}: {Failure}; retried in a second")]
    private static partial void LogSendFailed(ILogger logger, string kind, ulong connId, string owner, string failure);

    [LoggerMessage(Level = LogLevel.Debug, Message = "connector commands: a round failed: {Failure}")]
    private static partial void LogRoundFailed(ILogger logger, string failure);
}
