using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HaCore.ContactCenter;
using Microsoft.Extensions.Logging;

namespace HaCore.ConnectorPool;

/// <summary>A request the node refused for good (400/403): retrying elsewhere would not change the answer.</summary>
public sealed class ConnectorRequestRefusedException : Exception
{
    /// <summary>Creates one.</summary>
    public ConnectorRequestRefusedException()
    {
    }

    /// <summary>Creates one.</summary>
    /// <param name="message">What the node said.</param>
    public ConnectorRequestRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates one.</summary>
    /// <param name="message">What the node said.</param>
    /// <param name="inner">The cause.</param>
    public ConnectorRequestRefusedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// Talks to the T-Server nodes' connector protocol (<see cref="ConnectorProtocol"/>): one request at a time on the
/// node that answered last; a node that is down or answers 503 (outcome unknown, no leader) is left for the next, and
/// a proposal is sent again with the same request id (the runtime applies it once). Every operation has a deadline
/// (<see cref="ConnectorOptions.OperationDeadline"/>), every request a timeout.
/// </summary>
public sealed partial class NodeClient
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;
    private readonly ConnectorOptions _options;
    private readonly ILogger _logger;
    private int _node;

    /// <summary>Creates a client.</summary>
    /// <param name="http">Sends the requests; its handler puts the connector's bearer token on each.</param>
    /// <param name="options">The connector's settings (validated).</param>
    /// <param name="logger">Logs node failures.</param>
    public NodeClient(HttpClient http, ConnectorOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _http = http;
        _options = options;
        _logger = logger;
    }

    /// <summary>The highest Raft term a node answered with (a proposal's <c>X-Raft-Term</c>, a read's term).</summary>
    public ulong HighestTerm { get; private set; }

    /// <summary>Proposes one of the connector's commands.</summary>
    /// <param name="request">The request id (a retry reuses it).</param>
    /// <param name="command">The command.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The model's result.</returns>
    public ValueTask<CommandResult> ProposeAsync(ClientRequestId request, Command command, CancellationToken cancellationToken)
    {
        var body = Contract.Serialize(command);
        return SendAsync(node =>
        {
            var message = new HttpRequestMessage(HttpMethod.Post, new Uri(node, $"/api/connector/{_options.ConnectorId}/propose")) { Content = new ByteArrayContent(body) };
            message.Content.Headers.ContentType = new MediaTypeHeaderValue(ConnectorProtocol.MediaType);
            message.Headers.Add(ConnectorProtocol.SessionHeader, request.Session.ToString());
            message.Headers.Add(ConnectorProtocol.SequenceHeader, request.Sequence.ToString(CultureInfo.InvariantCulture));
            return message;
        }, async (response, ct) =>
        {
            if (response.Headers.TryGetValues(ConnectorProtocol.TermHeader, out var terms)
                && ulong.TryParse(terms.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var term) && term > HighestTerm)
            {
                HighestTerm = term;
            }

            var result = Contract.Deserialize<CommandResult>(await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false));
            if (result.AppliedIndex > LastWriteIndex)
            {
                LastWriteIndex = result.AppliedIndex;
            }

            return result;
        }, cancellationToken);
    }

    /// <summary>The log index of this connector's latest answered proposal: its reads ask the node to answer only
    /// once the node's record table has followed the log that far (read-your-writes).</summary>
    public ulong LastWriteIndex { get; private set; }

    /// <summary>Reads the connectors' state (a linearizable read on the node that answers).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The state.</returns>
    public ValueTask<ConnectorsView> ReadAsync(CancellationToken cancellationToken) =>
        SendAsync(node => new HttpRequestMessage(HttpMethod.Get, new Uri(node, "/api/connectors?after=" + LastWriteIndex.ToString(CultureInfo.InvariantCulture))), async (response, ct) =>
        {
            var view = (await response.Content.ReadFromJsonAsync<ConnectorsView>(Json, ct).ConfigureAwait(false))!;
            HighestTerm = Math.Max(HighestTerm, view.Term);
            return view;
        }, cancellationToken);

    private async ValueTask<T> SendAsync<T>(Func<Uri, HttpRequestMessage> build, Func<HttpResponseMessage, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.OperationDeadline);
        for (var attempt = 0; ; attempt++)
        {
            var node = _options.Nodes[_node];
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                timeout.CancelAfter(_options.RequestTimeout);
                using var message = build(node);
                using var response = await _http.SendAsync(message, timeout.Token).ConfigureAwait(false);
                if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
                {
                    throw new ConnectorRequestRefusedException($"{node} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false)}");
                }

                if (response.IsSuccessStatusCode)
                {
                    return await read(response, timeout.Token).ConfigureAwait(false);
                }

                LogNodeFailed(_logger, node, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or MessagePack.MessagePackSerializationException
                || (ex is OperationCanceledException && !deadline.IsCancellationRequested))
            {
                LogNodeFailed(_logger, node, ex.GetType().Name);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no node answered within {_options.OperationDeadline}");
            }

            _node = (_node + 1) % _options.Nodes.Count;
            try
            {
                // After a full round of nodes, wait a little (an election takes about a second).
                await Task.Delay(TimeSpan.FromMilliseconds(attempt % _options.Nodes.Count == _options.Nodes.Count - 1 ? 200 : 20), deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no node answered within {_options.OperationDeadline}");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "node {Node}: {Failure}; trying the next node")]
    private static partial void LogNodeFailed(ILogger logger, Uri node, string failure);
}
