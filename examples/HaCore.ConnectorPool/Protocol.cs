namespace HaCore.ConnectorPool;

/// <summary>
/// The connector protocol of the T-Server example's HTTP API (every request with a ClientTokens bearer token whose
/// subject is <c>connector-{id}</c>): <c>POST /api/connector/{id}/propose</c> with a MessagePack
/// <see cref="HaCore.ContactCenter.Command"/> body and the request id in two headers, answered with the MessagePack
/// <see cref="HaCore.ContactCenter.CommandResult"/>; <c>GET /api/connectors</c> answers <see cref="ConnectorsView"/>.
/// </summary>
public static class ConnectorProtocol
{
    /// <summary>The request id's session (a GUID; a retry reuses it).</summary>
    public const string SessionHeader = "X-Request-Session";

    /// <summary>The request id's sequence (a retry reuses it).</summary>
    public const string SequenceHeader = "X-Request-Sequence";

    /// <summary>The answering node's Raft term.</summary>
    public const string TermHeader = "X-Raft-Term";

    /// <summary>The body's media type.</summary>
    public const string MediaType = "application/x-msgpack";

    /// <summary>The token subject of connector <paramref name="connectorId"/>.</summary>
    /// <param name="connectorId">The connector.</param>
    /// <returns>The subject.</returns>
    public static string Subject(string connectorId) => "connector-" + connectorId;

    /// <summary>The connector's own endpoint for the leader's commands (<see cref="ConnectorCommand"/>, JSON).</summary>
    public const string CommandPath = "/api/command";

    /// <summary>The header carrying the key the connector put in its endpoint (only the nodes read it, from the log).</summary>
    public const string CommandKeyHeader = "X-Connector-Key";

    /// <summary>A leader's command to release an IM interaction (its idle timeout ran out in the replicated state).</summary>
    public const string ReleaseIm = "release-im";

    /// <summary>The connector's refusal of a command stamped with a Raft term lower than the highest it has seen (scenario 11).</summary>
    public const string StaleTerm = "STALE_RAFT_TERM";

    /// <summary>The endpoint string a connector announces in its <c>ConnectorUp</c>: its command URL and key, then its pid.</summary>
    /// <param name="url">The command listener's base address.</param>
    /// <param name="key">The key a node presents.</param>
    /// <returns>The endpoint string.</returns>
    public static string Endpoint(Uri url, string key)
    {
        ArgumentNullException.ThrowIfNull(url);
        return $"{url.GetLeftPart(UriPartial.Authority)} {key} pid {Environment.ProcessId}";
    }

    /// <summary>Reads an endpoint string of <see cref="Endpoint(Uri, string)"/>.</summary>
    /// <param name="endpoint">The string from the replicated state.</param>
    /// <returns>The command URL and key, or null when the connector announced none.</returns>
    public static (Uri Url, string Key)? ParseEndpoint(string endpoint)
    {
        var parts = (endpoint ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && parts[0].StartsWith("http://", StringComparison.Ordinal) && Uri.TryCreate(parts[0], UriKind.Absolute, out var url)
            ? (url, parts[1])
            : null;
    }
}

/// <summary>A command from the leader to the connector owning a call (<c>POST /api/command</c> on the connector), stamped
/// with the issuing node's Raft term. The connector refuses it when the term is lower than the highest it has seen
/// (from any node's answers and earlier commands), and acts once per <paramref name="Decision"/>.</summary>
/// <param name="Kind">What to do (<see cref="ConnectorProtocol.ReleaseIm"/>).</param>
/// <param name="Decision">The leader's decision it carries (the same on every leader for the same replicated state).</param>
/// <param name="ConnId">The call.</param>
/// <param name="Dn">Its DN.</param>
/// <param name="Term">The issuing node's Raft term.</param>
/// <param name="Node">The issuing node.</param>
public sealed record ConnectorCommand(string Kind, string Decision, ulong ConnId, string Dn, ulong Term, ulong Node);

/// <summary>The connector's answer to a <see cref="ConnectorCommand"/>.</summary>
/// <param name="Outcome">acted, duplicate (the decision was acted on already), stale-term, not-mine, fenced, failed.</param>
/// <param name="HighestTerm">The highest Raft term the connector has seen.</param>
/// <param name="Text">The same in words.</param>
public sealed record ConnectorCommandAnswer(string Outcome, ulong HighestTerm, string Text);

/// <summary>The connectors as the replicated state has them (a linearizable read on the node that answers).</summary>
/// <param name="ServedBy">The node.</param>
/// <param name="Term">Its Raft term.</param>
/// <param name="Applied">The index the read saw.</param>
/// <param name="NowMs">The node's clock (Unix ms), to compare with the leases (the leader's clock of the entries).</param>
/// <param name="Connectors">Every connector that came up.</param>
/// <param name="Records">Every connector HA record (voice: a connector call record; IM: a conversation record).</param>
/// <param name="Calls">Every call a connector reported.</param>
/// <param name="Overflow">Entries the node's table did not keep (a bound was reached).</param>
public sealed record ConnectorsView(ulong ServedBy, ulong Term, ulong Applied, long NowMs, List<ConnectorView> Connectors, List<ConnectorRecordView> Records, List<ConnectorCallView> Calls, long Overflow);

/// <summary>A connector.</summary>
/// <param name="ConnectorId">Its ID.</param>
/// <param name="Epoch">Its current incarnation's epoch.</param>
/// <param name="Alive">Not reported down.</param>
/// <param name="LeaseExpiresAt">When its lease runs out (Unix ms of the leader's clock).</param>
/// <param name="Dns">The DNs assigned to it.</param>
public sealed record ConnectorView(string ConnectorId, ulong Epoch, bool Alive, long LeaseExpiresAt, List<string> Dns);

/// <summary>A connector HA record.</summary>
/// <param name="Key">Its key (call ID or conversation ID).</param>
/// <param name="Im">An IM conversation record (else a voice call record).</param>
/// <param name="ConnId">Its call.</param>
/// <param name="Owner">The connector that owns it.</param>
/// <param name="Dn">The DN of its call's first party.</param>
public sealed record ConnectorRecordView(string Key, bool Im, ulong ConnId, string Owner, string Dn);

/// <summary>A call a connector reported.</summary>
/// <param name="ConnId">The call.</param>
/// <param name="Source">The connector that reported it.</param>
/// <param name="Im">A chat (IM) call, else voice.</param>
/// <param name="Live">Still live in the state.</param>
/// <param name="Dn">Its DN.</param>
public sealed record ConnectorCallView(ulong ConnId, string Source, bool Im, bool Live, string Dn);
