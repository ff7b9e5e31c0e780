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
}

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
