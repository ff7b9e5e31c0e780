using System.Globalization;
using System.Text.Json;
using HaCore.ContactCenter;
using HaCore.TServer.Node;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HaCore.TServer.Web;

/// <summary>A desktop request's body. Every request carries its session's ReferenceID; a retry reuses it.</summary>
public sealed record DesktopRequest(uint ReferenceId, string? AgentId = null, string? Dn = null, ulong ConnId = 0, string? Key = null, string? Value = null, string? Reason = null);

/// <summary>A desktop request's answer.</summary>
public sealed record DesktopResponse(ulong AppliedIndex, string Reject, string Message, ulong ConnId, bool Duplicate);

/// <summary>One event as a desktop receives it.</summary>
public sealed record EventView(string Position, string Kind, uint ReferenceId, ulong ConnId, string? Dn, string? OtherDn, string AgentId, string AgentState, string PartyState, string CallState, string Cause, string Ani, string Dnis, string SessionId, Dictionary<string, string> UserData);

/// <summary>What a supervisor sees.</summary>
public sealed record SupervisorView(DateTimeOffset At, ulong ServedBy, ulong Applied, List<NodeView?> Nodes, List<AgentView> Agents, List<CallView> Calls);

/// <summary>An agent on the supervisor page.</summary>
public sealed record AgentView(string AgentId, string? Dn, string State, string WorkMode);

/// <summary>A call on the supervisor page.</summary>
public sealed record CallView(ulong ConnId, string Ani, string Dnis, string State, List<PartyView> Parties);

/// <summary>A party on the supervisor page.</summary>
public sealed record PartyView(string? Dn, string State);

/// <summary>What the log says, for the failover run's checks: per-DN event positions, calls, requests.</summary>
public sealed record AuditView(ulong ServedBy, ulong Applied, string StateHash, int LiveCalls, int CallsCreated, int SipCallIdsDuplicated, int CallsDeleted,
    int DesktopRequests, int DesktopRequestsAppliedTwice, int ModelDuplicatesAnswered, Dictionary<string, List<string>> DnPositions, Dictionary<string, List<uint>> DnReferenceIds,
    int TreatmentsApplied, int TreatmentsEnded, int TreatmentsAcrossTerms, int TreatmentsEndedTwice, int TreatmentsStillActive);

/// <summary>The desktop protocol (HTTP/JSON requests, per-DN server-sent events), the supervisor page and the audit.</summary>
public static class WebEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Maps every endpoint of a node.</summary>
    /// <param name="app">The routes.</param>
    /// <param name="host">The node.</param>
    /// <param name="peers">Talks to the other nodes (supervisor).</param>
    public static void Map(IEndpointRouteBuilder app, TServerNode host, HttpClient peers)
    {
        app.MapGet("/api/status", () => host.View());
        app.MapPost("/api/desktop/{session}/{action}", async (string session, string action, DesktopRequest body, CancellationToken ct) =>
        {
            if (session.Length is 0 or > 64 || body.ReferenceId == 0 || BuildCommand(session, action, body) is not { } command)
            {
                return Results.BadRequest(new { error = "unknown action, or missing session or ReferenceId" });
            }

            try
            {
                var result = await host.ProposeAsync(new ClientRequestId(TServerNode.SessionGuid(session), body.ReferenceId), command, ct).ConfigureAwait(false);
                return Results.Ok(new DesktopResponse(result.AppliedIndex, result.RejectReason.ToString(), result.Message, result.ConnId, result.Duplicate));
            }
            catch (Exception ex) when (ex is HaCoreException or TimeoutException or OperationCanceledException or ObjectDisposedException)
            {
                // Outcome unknown: the desktop retries with the same ReferenceID, here or on another node.
                return Results.Json(new { error = ex.GetType().Name }, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
        app.MapGet("/api/dn/{dn}/events", (string dn, string? after, HttpContext context) => StreamDnAsync(host, dn, after, context));
        app.MapGet("/api/supervisor", (CancellationToken ct) => SupervisorAsync(host, peers, ct));
        app.MapGet("/api/supervisor/stream", (HttpContext context) => StreamSupervisorAsync(host, peers, context));
        app.MapGet("/api/audit", (string? dns, CancellationToken ct) => AuditAsync(host, dns ?? "", ct));
        app.MapGet("/", () => Results.Content(SupervisorPage.Html, "text/html; charset=utf-8"));
    }

    internal static Command? BuildCommand(string session, string action, DesktopRequest r)
    {
        var dn = r.Dn is { Length: > 0 } n ? TServerOptions.Dn(n) : null;
        Command? command = action switch
        {
            "open" => new Command { SessionOpened = new SessionOpened { SessionId = session, ClientName = "desktop", LeaseMs = 86_400_000 } },
            "register" when dn is not null => new Command { AddressRegistered = new AddressRegistered { Dn = dn, AddressType = AddressType.Dn } },
            "login" when dn is not null && r.AgentId is { Length: > 0 } => new Command { AgentLoggedIn = new AgentLoggedIn { AgentId = r.AgentId, Dn = dn, Queue = TServerOptions.Queue, WorkMode = AgentWorkMode.AutoIn } },
            "ready" when r.AgentId is { Length: > 0 } => new Command { AgentReady = new AgentReady { AgentId = r.AgentId, WorkMode = AgentWorkMode.AutoIn } },
            "notready" when r.AgentId is { Length: > 0 } => new Command { AgentNotReady = new AgentNotReady { AgentId = r.AgentId, WorkMode = AgentWorkMode.AuxWork, Reasons = r.Reason is null ? [] : [Kv("ReasonCode", r.Reason)] } },
            "logout" when r.AgentId is { Length: > 0 } => new Command { AgentLoggedOut = new AgentLoggedOut { AgentId = r.AgentId } },
            "answer" when dn is not null && r.ConnId != 0 => new Command { PartyEstablished = new PartyEstablished { ConnId = r.ConnId, Dn = dn, OtherDn = TServerOptions.Trunk } },
            "release" when dn is not null && r.ConnId != 0 => new Command { PartyReleased = new PartyReleased { ConnId = r.ConnId, Dn = dn, Cause = "agent released" } },
            "attach" when r.ConnId != 0 && r.Key is { Length: > 0 and <= 64 } && r.Value is { Length: <= 1024 } => new Command { UserDataAttached = new UserDataAttached { ConnId = r.ConnId, Pairs = [Kv(r.Key, r.Value)] } },
            _ => null,
        };
        if (command is not null && action != "open")
        {
            command.SessionId = session;
            command.ReferenceId = r.ReferenceId;
        }

        return command;
    }

    private static KvPair Kv(string key, string value) => new() { Key = key, Value = new KvValue { Str = value } };

    internal static bool TryParsePosition(string? text, out DnEventPosition position)
    {
        position = DnEventPosition.Start;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !ulong.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var index) || !int.TryParse(text.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal))
        {
            return false;
        }

        position = new DnEventPosition(index, ordinal);
        return true;
    }

    internal static string Format(DnEventPosition p) => p.Index.ToString(CultureInfo.InvariantCulture) + "." + p.Ordinal.ToString(CultureInfo.InvariantCulture);

    internal static EventView ToView(DnEvent e)
    {
        var ev = e.Event;
        return new EventView(Format(e.Position), ev.Kind.ToString(), ev.ReferenceId, ev.ConnId, ev.ThisDn?.Number, ev.OtherDn?.Number, ev.AgentId, ev.AgentState.ToString(), ev.PartyState.ToString(), ev.CallState.ToString(), ev.Cause, ev.Ani, ev.Dnis, ev.SessionId,
            ev.UserData.Where(p => !p.Key.StartsWith("SIP_", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value?.Str ?? ""));
    }

    // Server-sent events: one per DN event, its id the position, so a reconnecting desktop (EventSource's
    // Last-Event-ID, or ?after=) resumes on any node with no gap and no duplicate.
    private static async Task StreamDnAsync(TServerNode host, string dn, string? after, HttpContext context)
    {
        var resume = context.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? after;
        if (dn.Length is 0 or > 32 || !TryParsePosition(resume, out var position))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.AccessControlAllowOrigin = "*";
        await context.Response.WriteAsync(": stream of DN " + dn + " after " + Format(position) + "\n\n", context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            await foreach (var e in host.Node.SubscribeDnAsync(TServerOptions.Dn(dn), position, context.RequestAborted).ConfigureAwait(false))
            {
                var data = JsonSerializer.Serialize(ToView(e), Json);
                await context.Response.WriteAsync("id: " + Format(e.Position) + "\nevent: tevent\ndata: " + data + "\n\n", context.RequestAborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        catch (EventPositionUnavailableException)
        {
            await context.Response.WriteAsync("event: unavailable\ndata: {}\n\n", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<SupervisorView> SupervisorAsync(TServerNode host, HttpClient peers, CancellationToken ct)
    {
        var nodes = new List<NodeView?>();
        for (ulong id = 1; id <= (ulong)host.Options.Nodes; id++)
        {
            if (id == host.Options.NodeId)
            {
                nodes.Add(host.View());
                continue;
            }

            try
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                cts.CancelAfter(TimeSpan.FromMilliseconds(300));
                nodes.Add(await peers.GetFromJsonAsync<NodeView>(new Uri($"http://127.0.0.1:{host.Options.HttpPort(id)}/api/status"), Json, cts.Token).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException)
            {
                nodes.Add(null);
            }
        }

        var agents = host.Options.Agents;
        var read = await host.Node.ReadAsync(m =>
        {
            var a = new List<AgentView>();
            for (var i = 0; i < agents; i++)
            {
                if (m.GetAgent(TServerOptions.AgentId(i)) is { } agent)
                {
                    a.Add(new AgentView(agent.AgentId, agent.Dn?.Number, agent.State.ToString(), agent.WorkMode.ToString()));
                }
            }

            var calls = new List<CallView>();
            foreach (var connId in m.GetLiveConnIds().Take(200))
            {
                if (m.GetCall(connId) is { } call)
                {
                    calls.Add(new CallView(call.ConnId, call.Ani, call.Dnis, call.State.ToString(), call.Parties.Select(p => new PartyView(p.Dn?.Number, p.State.ToString())).ToList()));
                }
            }

            return (a, calls);
        }, ReadConsistency.Stale, ct).ConfigureAwait(false);
        return new SupervisorView(DateTimeOffset.UtcNow, host.Options.NodeId, read.AppliedIndex, nodes, read.Value.a, read.Value.calls);
    }

    private static async Task StreamSupervisorAsync(TServerNode host, HttpClient peers, HttpContext context)
    {
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.AccessControlAllowOrigin = "*";
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        try
        {
            do
            {
                var view = await SupervisorAsync(host, peers, context.RequestAborted).ConfigureAwait(false);
                await context.Response.WriteAsync("event: state\ndata: " + JsonSerializer.Serialize(view, Json) + "\n\n", context.RequestAborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(context.RequestAborted).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
    }

    // Reads this node's applied log from the first entry to its applied index.
    private static async Task<AuditView> AuditAsync(TServerNode host, string dnList, CancellationToken ct)
    {
        var wanted = dnList.Split(',', StringSplitOptions.RemoveEmptyEntries).Take(1000).ToHashSet(StringComparer.Ordinal);
        var until = host.Node.Status.AppliedIndex;
        var positions = wanted.ToDictionary(d => d, _ => new List<string>(), StringComparer.Ordinal);
        var references = wanted.ToDictionary(d => d, _ => new List<uint>(), StringComparer.Ordinal);
        var sipCalls = new Dictionary<string, int>(StringComparer.Ordinal);
        var requests = new Dictionary<(string, uint), int>();
        int created = 0, deleted = 0, modelDuplicates = 0;
        var treatments = new Dictionary<ulong, (ulong AppliedTerm, int Ends, ulong EndTerm)>();
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await foreach (var applied in host.Node.SubscribeAsync(1, idle.Token).ConfigureAwait(false))
            {
                idle.CancelAfter(TimeSpan.FromSeconds(2));
                var result = applied.Result;
                if (result.Duplicate)
                {
                    modelDuplicates++;
                }
                else if (applied.Command.ReferenceId != 0 && applied.Command.SessionId.Length != 0)
                {
                    var key = (applied.Command.SessionId, applied.Command.ReferenceId);
                    requests[key] = requests.GetValueOrDefault(key) + 1;
                }

                // The connectors' calls (examples/HaCore.ConnectorPool, reported with a source) are not SIP calls: the
                // connector lines of the run's summary account for them.
                if (applied.Command.CallCreated is { } cc && applied.Command.Source.Length == 0 && result.RejectReason == RejectReason.None && !result.Duplicate)
                {
                    created++;
                    var callId = cc.UserData.FirstOrDefault(p => p.Key == DialogTable.KeyCallId)?.Value?.Str ?? "";
                    sipCalls[callId] = sipCalls.GetValueOrDefault(callId) + 1;
                }

                for (var i = 0; i < result.Events.Count && !result.Duplicate; i++)
                {
                    var e = result.Events[i];
                    if (e.Kind == EventKind.CallDeleted && !host.Connectors.IsConnectorCall(e.ConnId))
                    {
                        deleted++;
                    }

                    if (e.Kind == EventKind.TreatmentApplied)
                    {
                        treatments[e.ConnId] = (applied.Context.Term, 0, 0);
                    }
                    else if (e.Kind == EventKind.TreatmentEnd && treatments.TryGetValue(e.ConnId, out var t))
                    {
                        treatments[e.ConnId] = (t.AppliedTerm, t.Ends + 1, applied.Context.Term);
                    }

                    if (e.ThisDn?.Number is { } dn && positions.TryGetValue(dn, out var list))
                    {
                        list.Add(Format(new DnEventPosition(applied.Index, i)));
                        if (e.ReferenceId != 0)
                        {
                            references[dn].Add(e.ReferenceId);
                        }
                    }
                }

                if (applied.Index >= until)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Nothing more to read: the last entries were not commands.
        }

        var state = await host.Node.ReadAsync(m => (m.ComputeStateHashHex(), m.GetLiveConnIds().Count(c => !host.Connectors.IsConnectorCall(c))), ReadConsistency.Stale, ct).ConfigureAwait(false);
        return new AuditView(host.Options.NodeId, until, state.Value.Item1, state.Value.Item2, created, sipCalls.Count(p => p.Value > 1), deleted,
            requests.Count, requests.Count(p => p.Value > 1), modelDuplicates, positions, references,
            treatments.Count, treatments.Count(t => t.Value.Ends > 0), treatments.Count(t => t.Value.Ends > 0 && t.Value.EndTerm != t.Value.AppliedTerm),
            treatments.Count(t => t.Value.Ends > 1), treatments.Count(t => t.Value.Ends == 0));
    }
}
