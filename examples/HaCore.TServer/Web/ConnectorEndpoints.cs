using System.Globalization;
using HaCore.ConnectorPool;
using HaCore.ContactCenter;
using HaCore.TServer.Node;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HaCore.TServer.Web;

/// <summary>
/// The connector protocol (<see cref="ConnectorProtocol"/>): a connector proposes its own commands (lease and epoch,
/// DN claims and adoption, its call reports and HA records) and reads the connectors' state. Behind the same
/// ClientTokens bearer authentication as every endpoint; a connector's token (subject <c>connector-{id}</c>) lets it
/// write only as that connector.
/// </summary>
public static class ConnectorEndpoints
{
    private const int MaxBody = 64 * 1024;

    /// <summary>Maps the endpoints.</summary>
    /// <param name="app">The routes.</param>
    /// <param name="host">The node.</param>
    /// <param name="tokens">Verifies the tokens (the pipeline already refused requests without a genuine one).</param>
    public static void Map(IEndpointRouteBuilder app, TServerNode host, ClientTokens tokens)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(tokens);
        app.MapPost("/api/connector/{id}/propose", (string id, HttpContext context) => ProposeAsync(host, tokens, id, context));
        app.MapGet("/api/connectors", (ulong? after, CancellationToken ct) => StateAsync(host, after ?? 0, ct));
    }

    /// <summary>Why connector <paramref name="id"/> may not propose <paramref name="c"/>, or null when it may.</summary>
    /// <param name="id">The connector the token names.</param>
    /// <param name="c">The command.</param>
    /// <returns>The reason, or null.</returns>
    internal static string? Refusal(string id, Command c)
    {
        static bool Is(string a, string b) => string.Equals(a, b, StringComparison.Ordinal);
        return c.KindCase switch
        {
            Command.KindOneofCase.ConnectorUp when Is(c.ConnectorUp!.ConnectorId, id) => null,
            Command.KindOneofCase.ConnectorDown when Is(c.ConnectorDown!.ConnectorId, id) => null,
            // A connector moves DNs only to itself (from a named source, or unassigned ones) and adopts only for itself.
            Command.KindOneofCase.DnsReassigned when c.DnsReassigned!.Assignments.All(a => Is(a.ConnectorId, id))
                && (c.DnsReassigned.AdoptingConnectorId.Length == 0 || Is(c.DnsReassigned.AdoptingConnectorId, id)) => null,
            Command.KindOneofCase.ConnCallUpserted when Is(c.ConnCallUpserted!.Record?.ConnectorId ?? "", id) => null,
            Command.KindOneofCase.ConnConversationUpserted when Is(c.ConnConversationUpserted!.Record?.ConnectorId ?? "", id) => null,
            Command.KindOneofCase.ConnCallRemoved when Is(c.ConnCallRemoved!.ConnectorId, id) => null,
            Command.KindOneofCase.ConnConversationRemoved when Is(c.ConnConversationRemoved!.ConnectorId, id) => null,
            // Its call reports carry it as their source (fenced by source_epoch in the model).
            Command.KindOneofCase.CallCreated or Command.KindOneofCase.CallReleased when Is(c.Source, id) => null,
            _ => $"connector {id} may not propose {c.KindCase}" + (c.Source.Length != 0 ? " with source " + c.Source : ""),
        };
    }

    private static async Task ProposeAsync(TServerNode host, ClientTokens tokens, string id, HttpContext context)
    {
        if (tokens.Verify(ClientTokens.Of(context.Request)) != ConnectorProtocol.Subject(id))
        {
            await WriteErrorAsync(context, StatusCodes.Status403Forbidden, "the token is not connector " + id + "'s").ConfigureAwait(false);
            return;
        }

        if (!Guid.TryParse(context.Request.Headers[ConnectorProtocol.SessionHeader].ToString(), out var session)
            || !ulong.TryParse(context.Request.Headers[ConnectorProtocol.SequenceHeader].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) || sequence == 0)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "the request id headers are missing").ConfigureAwait(false);
            return;
        }

        Command command;
        try
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
            if (body.Length is 0 or > MaxBody)
            {
                await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "the body is empty or larger than 64 KiB").ConfigureAwait(false);
                return;
            }

            command = Contract.Deserialize<Command>(body.ToArray());
        }
        catch (MessagePack.MessagePackSerializationException)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "the body is not a command").ConfigureAwait(false);
            return;
        }

        if (Refusal(id, command) is { } refusal)
        {
            await WriteErrorAsync(context, StatusCodes.Status403Forbidden, refusal).ConfigureAwait(false);
            return;
        }

        CommandResult result;
        try
        {
            result = await host.ProposeAsync(new ClientRequestId(session, sequence), command, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HaCoreException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            // Outcome unknown: the connector retries with the same request id, here or on another node.
            await WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, ex.GetType().Name).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = ConnectorProtocol.MediaType;
        context.Response.Headers[ConnectorProtocol.TermHeader] = host.Node.Status.Term.ToString(CultureInfo.InvariantCulture);
        await context.Response.Body.WriteAsync(Contract.Serialize(result), context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteErrorAsync(HttpContext context, int status, string error)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new { error }, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<IResult> StateAsync(TServerNode host, ulong after, CancellationToken ct)
    {
        try
        {
            // The table of record keys follows the applied log through a subscription, behind the state: the keys
            // are read once it has followed the log to the caller's latest write (`after`), or a record just written
            // (and acknowledged to its connector) is missing from the answer, and the connector, seeing it gone,
            // stops owning a call that is still live (the short failover run lost one call so, after a failover).
            await host.WaitFollowedAsync(after, ct).ConfigureAwait(false);
            var (connectors, records, calls) = host.Connectors.Snapshot();
            var read = await host.Node.ReadAsync(m =>
            {
                string DnOf(ulong connId) => m.GetCall(connId)?.Parties.FirstOrDefault()?.Dn?.Number ?? "";
                var cs = new List<ConnectorView>();
                foreach (var id in connectors)
                {
                    if (m.GetConnector(id) is { } c)
                    {
                        cs.Add(new ConnectorView(c.ConnectorId, c.Epoch, c.Alive, c.LeaseExpiresAt, m.GetDnsOfConnector(id).Select(d => d.Number).ToList()));
                    }
                }

                var rs = new List<ConnectorRecordView>();
                foreach (var (key, im) in records)
                {
                    if (im && m.GetConversation(key) is { } conversation)
                    {
                        rs.Add(new ConnectorRecordView(key, true, conversation.ConnId, conversation.ConnectorId, DnOf(conversation.ConnId)));
                    }
                    else if (!im && m.GetConnectorCall(key) is { } call)
                    {
                        rs.Add(new ConnectorRecordView(key, false, call.ConnId, call.ConnectorId, DnOf(call.ConnId)));
                    }
                }

                var ls = calls.Select(c => new ConnectorCallView(c.ConnId, c.Source, c.Media == MediaType.Chat, m.GetCall(c.ConnId) is not null, c.Dn)).ToList();
                return (cs, rs, ls);
            }, ReadConsistency.Linearizable, ct).ConfigureAwait(false);
            var status = host.Node.Status;
            return Results.Ok(new ConnectorsView(status.NodeId, status.Term, read.AppliedIndex, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), read.Value.cs, read.Value.rs, read.Value.ls, host.Connectors.Overflow));
        }
        catch (Exception ex) when (ex is HaCoreException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            return Results.Json(new { error = ex.GetType().Name }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
