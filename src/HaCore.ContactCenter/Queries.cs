namespace HaCore.ContactCenter;

// Read-only queries a host needs (run them through the node's read path for linearizable reads).
public sealed partial class ContactCenterStateMachine
{
    /// <summary>Gets a copy of a live call.</summary>
    /// <param name="connId">The call's ConnId.</param>
    /// <returns>A copy of the call, or null when no live call has that ConnId.</returns>
    public Call? GetCall(ulong connId) => _calls.TryGetValue(connId, out Call? call) ? call.Clone() : null;

    /// <summary>Gets the ConnIds of the live calls that have a party on a DN, in arrival order.</summary>
    /// <param name="dn">The DN.</param>
    /// <returns>The ConnIds; empty for an unknown DN.</returns>
    public IReadOnlyList<ulong> GetCallsOnDn(DnId dn)
    {
        ArgumentNullException.ThrowIfNull(dn);
        return _dns.TryGetValue(DnKey.From(dn), out Dn? d) ? d.ActiveCalls.ToArray() : Array.Empty<ulong>();
    }

    /// <summary>Gets a copy of an agent's record (state, work mode, DN, place, reasons).</summary>
    /// <param name="agentId">The agent login code.</param>
    /// <returns>A copy, or null for an agent that never logged in.</returns>
    public Agent? GetAgent(string agentId) => _agents.TryGetValue(agentId, out Agent? a) ? a.Clone() : null;

    /// <summary>Gets an agent's state.</summary>
    /// <param name="agentId">The agent login code.</param>
    /// <returns>The state; <see cref="AgentState.Null"/> for an unknown or logged-out agent.</returns>
    public AgentState GetAgentState(string agentId) => _agents.TryGetValue(agentId, out Agent? a) ? a.State : AgentState.Null;

    /// <summary>Gets a copy of a DN's record.</summary>
    /// <param name="dn">The DN.</param>
    /// <returns>A copy, or null for an unknown DN.</returns>
    public Dn? GetDn(DnId dn)
    {
        ArgumentNullException.ThrowIfNull(dn);
        return _dns.TryGetValue(DnKey.From(dn), out Dn? d) ? d.Clone() : null;
    }

    /// <summary>Gets the DNs assigned to a connector, sorted by switch and number.</summary>
    /// <param name="connectorId">The connector.</param>
    /// <returns>The DNs; empty when it has none.</returns>
    public IReadOnlyList<DnId> GetDnsOfConnector(string connectorId)
    {
        if (!_dnsByConnector.TryGetValue(connectorId, out SortedSet<DnKey>? set))
        {
            return Array.Empty<DnId>();
        }

        var list = new List<DnId>(set.Count);
        foreach (DnKey key in set)
        {
            list.Add(key.ToDnId());
        }

        return list;
    }

    /// <summary>Gets the connector a DN is assigned to.</summary>
    /// <param name="dn">The DN.</param>
    /// <returns>The connector ID, or null when the DN is unassigned.</returns>
    public string? GetConnectorOfDn(DnId dn)
    {
        ArgumentNullException.ThrowIfNull(dn);
        return _assignments.GetValueOrDefault(DnKey.From(dn));
    }

    /// <summary>Gets a copy of a client session.</summary>
    /// <param name="sessionId">The session ID.</param>
    /// <returns>A copy, or null when no such session is open.</returns>
    public ClientSession? GetSession(string sessionId) =>
        _sessions.TryGetValue(sessionId, out SessionEntry? s) ? s.Data.Clone() : null;

    /// <summary>Gets a copy of a connector's record.</summary>
    /// <param name="connectorId">The connector ID.</param>
    /// <returns>A copy, or null for an unknown connector.</returns>
    public Connector? GetConnector(string connectorId) =>
        _connectors.TryGetValue(connectorId, out Connector? c) ? c.Clone() : null;

    /// <summary>Gets the ConnIds of all live calls, ascending.</summary>
    /// <returns>The ConnIds.</returns>
    public IReadOnlyList<ulong> GetLiveConnIds() => SortedKeys(_calls);

    /// <summary>A copy of a connector conference record, or null.</summary>
    /// <param name="conferenceUri">The record's key.</param>
    /// <returns>The record.</returns>
    public ConnectorConference? GetConference(string conferenceUri) =>
        _conferences.TryGetValue(conferenceUri, out ConnectorConference? r) ? r.Clone() : null;

    /// <summary>A copy of a connector conversation record, or null.</summary>
    /// <param name="conversationId">The record's key.</param>
    /// <returns>The record.</returns>
    public ConnectorConversation? GetConversation(string conversationId) =>
        _conversations.TryGetValue(conversationId, out ConnectorConversation? r) ? r.Clone() : null;

    /// <summary>A copy of a connector call record, or null.</summary>
    /// <param name="callId">The record's key.</param>
    /// <returns>The record.</returns>
    public ConnectorCall? GetConnectorCall(string callId) =>
        _connectorCalls.TryGetValue(callId, out ConnectorCall? r) ? r.Clone() : null;

    /// <summary>A copy of a B2B call record, or null.</summary>
    /// <param name="b2bId">The record's key.</param>
    /// <returns>The record.</returns>
    public B2BCall? GetB2BCall(string b2bId) =>
        _b2bCalls.TryGetValue(b2bId, out B2BCall? r) ? r.Clone() : null;

    /// <summary>
    /// The earliest lease expiry among open sessions, so that the leader knows when to propose a
    /// <see cref="SessionExpired"/> sweep (sessions expire only through the log, deterministically).
    /// </summary>
    /// <returns>The leader time (ms) at which the first lease runs out, or null with no session.</returns>
    public long? EarliestSessionLeaseExpiry()
    {
        long? earliest = null;
        foreach (SessionEntry session in _sessions.Values)
        {
            long at = session.Data.LeaseExpiresAt;
            if (earliest is null || at < earliest)
            {
                earliest = at;
            }
        }

        return earliest;
    }
}
