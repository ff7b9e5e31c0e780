
namespace HaCore.ContactCenter;

/// <summary>
/// The replicated contact-center state of DOMAIN.md: calls, parties, attached data, treatments, ISCC
/// references, agents, DNs, client sessions, monitoring subscriptions, connectors, DN assignment,
/// connector HA records and the configuration fingerprint.
/// </summary>
/// <remarks>
/// <para><see cref="Apply"/> is deterministic: time comes only from <see cref="CommandContext.TimestampUnixMs"/>,
/// ConnIds come from a counter held in the state, and nothing depends on hash-table iteration order
/// (the snapshot, the hash and every multi-entity event sequence are ordered by key or by a list
/// held in the state). A command that would break an invariant of DOMAIN.md §2.3 is rejected with a
/// <see cref="RejectReason"/> and changes nothing.</para>
/// <para>Not thread-safe: one node loop applies commands. Messages handed out by the queries and in
/// results belong to the state machine and must not be mutated.</para>
/// </remarks>
public sealed partial class ContactCenterStateMachine : IStateMachine<Command, CommandResult>, ILeadershipGate
{
    /// <summary>
    /// The snapshot format this version writes: 3 (issue 13: the dedupe entries of sources,
    /// <c>Snapshot.source_dedupe</c>; format 2 gave consult links a direction, <c>Call.is_consult</c>).
    /// Formats 1 and 2 are still read, format 1 migrated on load.
    /// </summary>
    public const uint SnapshotFormatVersion = 3;

    private readonly ContactCenterOptions _options;
    private readonly string _clusterTag;

    // Entities, keyed by their identity.
    private readonly Dictionary<ulong, Call> _calls = new();
    private readonly Dictionary<string, Agent> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<DnKey, Dn> _dns = new();
    private readonly Dictionary<string, SessionEntry> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Connector> _connectors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SourceEntry> _sources = new(StringComparer.Ordinal);
    private readonly Dictionary<DnKey, string> _assignments = new();
    private readonly Dictionary<string, ConnectorConference> _conferences = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConnectorConversation> _conversations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConnectorCall> _connectorCalls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, B2BCall> _b2bCalls = new(StringComparer.Ordinal);
    private Counters _counters;
    private ConfigFingerprint _config;

    // Indexes derived from the entities; rebuilt on restore, never written to the snapshot.
    private readonly Dictionary<string, SortedSet<DnKey>> _dnsByConnector = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, List<RecordRef>> _recordsByCall = new();
    private readonly Dictionary<uint, ulong> _isccByTransaction = new();
    private readonly Dictionary<DnKey, uint> _isccResourceHolders = new();
    private readonly Dictionary<DnKey, int> _subscriberCounts = new();
    private readonly Dictionary<DnKey, string> _privateRegistrations = new();
    private readonly Dictionary<string, string> _agentByPlace = new(StringComparer.Ordinal);

    // Scratch of the command being applied (single-threaded).
    private long _now;
    private ulong _term;
    private uint _referenceId;
    private CommandResult _result = new();
    private string _failMessage = string.Empty;
    private ulong _presentedEpoch;

    // LeadershipRefusal's answer, cached for the configuration it was computed for (it is read after every Ready).
    private ConfigFingerprint? _refusalFor;
    private long _refusalVersion;
    private string? _refusal;

    /// <summary>Creates an empty state machine.</summary>
    /// <param name="options">Group parameters; <see cref="ContactCenterOptions.Default"/> when null.</param>
    public ContactCenterStateMachine(ContactCenterOptions? options = null)
    {
        _options = options ?? ContactCenterOptions.Default;
        _options.Validate();
        _clusterTag = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(_options.ClusterId)), 0, 8);
        _counters = new Counters { ConnIdPrefix = _options.ConnIdPrefix };
        _config = new ConfigFingerprint();
    }

    /// <summary>The options this state machine was created with.</summary>
    public ContactCenterOptions Options => _options;

    /// <summary>The number of live calls.</summary>
    public int CallCount => _calls.Count;

    /// <summary>The number of known agents (logged in or not).</summary>
    public int AgentCount => _agents.Count;

    /// <summary>The number of configured DNs.</summary>
    public int DnCount => _dns.Count;

    /// <summary>The number of open client sessions.</summary>
    public int SessionCount => _sessions.Count;

    /// <summary>The number of connector HA records of all four kinds.</summary>
    public int ConnectorRecordCount =>
        _conferences.Count + _conversations.Count + _connectorCalls.Count + _b2bCalls.Count;

    /// <summary>The committed configuration fingerprint (version, hash, options).</summary>
    public ConfigFingerprint Config => _config;

    /// <summary>The counter of the last allocated ConnId (the low 48 bits).</summary>
    public ulong LastConnIdCounter => _counters.NextConnIdCounter;

    /// <inheritdoc />
    public CommandResult Apply(in CommandContext context, Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        _now = context.TimestampUnixMs;
        _term = context.Term;
        _referenceId = command.ReferenceId;
        _failMessage = string.Empty;
        var result = new CommandResult { AppliedIndex = context.Index };
        _result = result;

        SessionEntry? session = null;
        long horizon = _now - _options.DedupeWindowMs;
        bool deduplicated = command.SessionId.Length != 0 && command.ReferenceId != 0;
        if (command.SessionId.Length != 0)
        {
            if (!_sessions.TryGetValue(command.SessionId, out session))
            {
                return Rejected(result, RejectReason.UnknownSession, "unknown session", command);
            }

            if (deduplicated && session.Dedupe.TryGetValue(command.ReferenceId, out DedupeEntry? earlier) && earlier.AppliedAt >= horizon)
            {
                // Exactly-once (invariant 11): a retry gets the original outcome (reject reason,
                // message, ConnId and the index it was applied at), marked Duplicate and without
                // events: those were published once, at that index, and are not published again.
                return AsDuplicate(earlier);
            }

            if (session.Data.LeaseExpiresAt < _now)
            {
                return Rejected(result, RejectReason.SessionExpired, "session lease has run out", command);
            }

            if (deduplicated && LiveEntries(session.DedupeOrder, horizon) >= _options.MaxDedupeEntriesPerSession)
            {
                // The window is sized by time: it is never cut short to make room.
                return Rejected(result, RejectReason.LimitExceeded, LimitMessage("dedupe entries of a session", _options.MaxDedupeEntriesPerSession), command);
            }
        }

        SourceEntry? source = null;
        bool sourced = command.Source.Length != 0 || command.SourceSequence != 0 || command.SourceEpoch != 0;
        if (sourced)
        {
            // Replays by (source, source sequence), DOMAIN.md §5 scenario 14: a connector that re-sends its
            // last events after a reconnect gets the original outcomes and no second set of events.
            if (command.Source.Length == 0 || command.SourceSequence == 0)
            {
                return Rejected(result, RejectReason.InvalidArgument, "a source needs a non-zero source sequence, and a sequence a source", command);
            }

            if (!_connectors.TryGetValue(command.Source, out Connector? sourceConnector))
            {
                return Rejected(result, RejectReason.UnknownConnector, "the source is not a known connector", command);
            }

            _sources.TryGetValue(command.Source, out source);
            if (source is not null && source.Dedupe.TryGetValue(command.SourceSequence, out DedupeEntry? earlier))
            {
                if (earlier.AppliedAt >= horizon)
                {
                    return AsDuplicate(earlier);
                }

                return Rejected(result, RejectReason.SourceReplayTooOld, "the source sequence left the dedupe window", command);
            }

            if (command.SourceSequence <= sourceConnector.SourceSequenceFloor)
            {
                return Rejected(result, RejectReason.SourceReplayTooOld, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"source sequence {command.SourceSequence} is not above {sourceConnector.SourceSequenceFloor}, the last one that left the dedupe window"), command);
            }

            if (source is not null && LiveEntries(source.DedupeOrder, horizon) >= _options.MaxDedupeEntriesPerSource)
            {
                return Rejected(result, RejectReason.LimitExceeded, LimitMessage("dedupe entries of a source", _options.MaxDedupeEntriesPerSource), command);
            }

            // Invariant 12 for a connector's reports: a new one comes from the live, current incarnation within
            // its lease (a replay of an applied one was answered above, whatever epoch it carries). The refusal
            // is not remembered: a stale instance must not take a sequence number from the current one.
            RejectReason fence = CheckFence(sourceConnector, command.SourceEpoch);
            if (fence != RejectReason.None)
            {
                return Rejected(result, fence, _failMessage, command);
            }
        }

        _presentedEpoch = PresentedEpoch(command);
        RejectReason reason = CheckRegistration(command, session);
        if (reason == RejectReason.None)
        {
            reason = Dispatch(command, session);
        }

        if (reason != RejectReason.None)
        {
            Rejected(result, reason, _failMessage, command);
        }

        if (deduplicated)
        {
            Remember(session!, command.ReferenceId, result);
        }

        if (sourced)
        {
            RememberSource(source, command.Source, command.SourceSequence, result);
        }

        return result;
    }

    private CommandResult Rejected(CommandResult result, RejectReason reason, string message, Command command)
    {
        // A rejected command changes nothing; its only event is EventError, which echoes the
        // request's ReferenceID (T-Library: a refused request gets EventError, never silence).
        result.Events.Clear();
        result.RejectReason = reason;
        result.Message = message;
        result.Events.Add(new Event
        {
            Kind = EventKind.Error,
            ReferenceId = command.ReferenceId,
            SessionId = command.SessionId,
            ConnId = AddressedConnId(command),
            Time = _now,
            Error = reason,
            Cause = message,
        });
        return result;
    }

    // The ConnID the command kind addresses, if it addresses one (for EventError).
    private static ulong AddressedConnId(Command command) => command.Kind is IAddressesCall call ? call.ConnId : 0;

    private RejectReason Dispatch(Command c, SessionEntry? session) => c.Kind switch
    {
        CallCreated x => HandleCallCreated(x),
        PartyDialing x => HandlePartyOffered(x.ConnId, x.Dn, x.OtherDn, x.AgentId, x.ThisQueue, x.Role, PartyState.Dialing),
        PartyRinging x => HandlePartyOffered(x.ConnId, x.Dn, x.OtherDn, x.AgentId, x.ThisQueue, x.Role, PartyState.Alerting),
        PartyEstablished x => HandlePartyEstablished(x),
        PartyHeld x => HandleHoldRetrieve(x.ConnId, x.Dn, hold: true),
        PartyRetrieved x => HandleHoldRetrieve(x.ConnId, x.Dn, hold: false),
        PartyQueued x => HandlePartyQueued(x),
        PartyDiverted x => HandlePartyDiverted(x),
        Abandoned x => HandleAbandoned(x),
        DestinationBusy x => HandleDestinationBusy(x),
        PartyAdded x => HandlePartyAdded(x),
        PartyDeleted x => HandlePartyLeft(x.ConnId, x.Dn, "deleted"),
        PartyChanged x => HandlePartyChanged(x),
        TransferStarted x => HandleTransferStarted(x),
        TransferCompleted x => HandleTransferEnded(x.ConnId, completed: true),
        TransferAborted x => HandleTransferEnded(x.ConnId, completed: false),
        PartyReleased x => HandlePartyLeft(x.ConnId, x.Dn, x.Cause),
        CallReleased x => HandleCallReleased(x),
        CallsSwept x => HandleCallsSwept(x),
        RouteRequested x => HandleRouteRequested(x),
        RouteUsed x => HandleRouteUsed(x),
        RouteTimedOut x => HandleRouteTimedOut(x),
        UserDataAttached x => HandleUserDataAttached(x),
        UserDataUpdated x => HandleUserDataUpdated(x),
        UserDataKeyDeleted x => HandleUserDataKeyDeleted(x),
        UserDataCleared x => HandleUserDataCleared(x),
        TreatmentRequested x => HandleTreatmentRequested(x),
        TreatmentApplied x => HandleTreatmentApplied(x),
        TreatmentEnded x => HandleTreatmentFinished(x.ConnId, x.Dn, applied: true, string.Empty),
        TreatmentNotApplied x => HandleTreatmentFinished(x.ConnId, x.Dn, applied: false, x.Cause),
        IsccRequested x => HandleIsccRequested(x),
        IsccResourceAllocated x => HandleIsccResourceAllocated(x),
        IsccSucceeded x => HandleIsccClosed(x.TransactionId, IsccState.Succeeded, x.RemoteConnId, string.Empty),
        IsccFailed x => HandleIsccClosed(x.TransactionId, IsccState.Failed, 0, x.Cause),
        IsccTimedOut x => HandleIsccClosed(x.TransactionId, IsccState.TimedOut, 0, string.Empty),
        AgentLoggedIn x => HandleAgentLoggedIn(x),
        AgentLoggedOut x => HandleAgentLoggedOut(x),
        AgentReady x => HandleAgentReady(x),
        AgentNotReady x => HandleAgentNotReady(x),
        DnOutOfService x => HandleDnFlag(x.Dn, DnFlag.OutOfService, true),
        DnBackInService x => HandleDnFlag(x.Dn, DnFlag.OutOfService, false),
        DndOn x => HandleDnFlag(x.Dn, DnFlag.Dnd, true),
        DndOff x => HandleDnFlag(x.Dn, DnFlag.Dnd, false),
        ForwardSet x => HandleForwardSet(x),
        ForwardCancel x => HandleForwardCancel(x),
        MuteOn x => HandleMute(x.ConnId, x.Dn, true),
        MuteOff x => HandleMute(x.ConnId, x.Dn, false),
        SessionOpened x => HandleSessionOpened(x),
        SessionRenewed x => HandleSessionRenewed(x),
        SessionExpired x => HandleSessionExpired(x),
        AddressRegistered x => HandleAddressRegistered(x, session),
        AddressUnregistered x => HandleAddressUnregistered(x, session),
        ConnectorUp x => HandleConnectorUp(x),
        ConnectorDown x => HandleConnectorDown(x),
        DnsReassigned x => HandleDnsReassigned(x),
        ConnConferenceUpserted x => HandleConferenceUpserted(x.Record),
        ConnConferenceRemoved x => HandleRecordRemoved(RecordKind.Conference, x.ConferenceUri, x.ConnectorId),
        ConnConversationUpserted x => HandleConversationUpserted(x.Record),
        ConnConversationRemoved x => HandleRecordRemoved(RecordKind.Conversation, x.ConversationId, x.ConnectorId),
        ConnCallUpserted x => HandleConnectorCallUpserted(x.Record),
        ConnCallRemoved x => HandleRecordRemoved(RecordKind.Call, x.CallId, x.ConnectorId),
        B2BUpserted x => HandleB2BUpserted(x.Record),
        B2BRemoved x => HandleRecordRemoved(RecordKind.B2B, x.B2BId, x.ConnectorId),
        ConfigApplied x => HandleConfigApplied(x),
        _ => Fail(RejectReason.UnknownCommand, "the command carries no known kind"),
    };

    private static ulong PresentedEpoch(Command c) => c.Kind is IConnectorRecordCommand w ? w.Epoch : 0;

    private RejectReason Fail(RejectReason reason, string message)
    {
        _failMessage = message;
        return reason;
    }

    private Event Emit(EventKind kind, ulong connId = 0, DnId? thisDn = null, DnId? otherDn = null)
    {
        var e = new Event
        {
            Kind = kind,
            ReferenceId = _referenceId,
            ConnId = connId,
            Time = _now,
            ThisDn = thisDn,
            OtherDn = otherDn,
        };
        _result.Events.Add(e);
        return e;
    }

    private ulong AllocateConnId()
    {
        ulong counter = ++_counters.NextConnIdCounter;
        ulong id = (_counters.ConnIdPrefix << 48) | (counter & 0xFFFF_FFFF_FFFFUL);
        // Invariant 3: a ConnId is never reused among live calls.
        Invariant(!_calls.ContainsKey(id), "allocated ConnId is live");
        return id;
    }

    private static void Invariant(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Contact-center invariant broken: " + message);
        }
    }

    private static bool SameDn(DnId? a, DnId? b) =>
        a is not null && b is not null
        && string.Equals(a.Number, b.Number, StringComparison.Ordinal)
        && string.Equals(a.SwitchName, b.SwitchName, StringComparison.Ordinal);

    private RejectReason RequireDn(DnId? id, out Dn dn)
    {
        if (id is null || id.Number.Length == 0)
        {
            dn = null!;
            return Fail(RejectReason.InvalidArgument, "a DN is required");
        }

        if (!_dns.TryGetValue(DnKey.From(id), out dn!))
        {
            return Fail(RejectReason.UnknownDn, "unknown DN " + id.Number);
        }

        return RejectReason.None;
    }

    private RejectReason RequireCall(ulong connId, out Call call)
    {
        if (!_calls.TryGetValue(connId, out call!))
        {
            return Fail(RejectReason.UnknownCall, "unknown ConnId " + new ConnId(connId));
        }

        return RejectReason.None;
    }

    private static CommandResult AsDuplicate(DedupeEntry earlier)
    {
        CommandResult original = earlier.Result!.Clone();
        original.Duplicate = true;
        return original;
    }

    private static string LimitMessage(string what, int bound) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{what}: the limit is {bound} within the dedupe window");

    // Entries still inside the window: the queue is in application order, so the expired ones are a prefix.
    private static int LiveEntries(Queue<DedupeEntry> order, long horizon)
    {
        int expired = 0;
        foreach (DedupeEntry e in order)
        {
            if (e.AppliedAt >= horizon)
            {
                break;
            }

            expired++;
        }

        return order.Count - expired;
    }

    private DedupeEntry Compact(CommandResult result) => new()
    {
        AppliedAt = _now,
        Result = new CommandResult
        {
            RejectReason = result.RejectReason,
            Message = result.Message,
            ConnId = result.ConnId,
            AppliedIndex = result.AppliedIndex,
        },
    };

    private void Remember(SessionEntry session, uint referenceId, CommandResult result)
    {
        // The stored result is compact (no events) and its own object: nothing handed to the
        // caller or to subscribers is shared with the state.
        DedupeEntry entry = Compact(result);
        entry.SessionId = session.Data.SessionId;
        entry.ReferenceId = referenceId;
        session.Dedupe[referenceId] = entry;
        session.DedupeOrder.Enqueue(entry);
        TrimDedupe(session);
    }

    private void TrimDedupe(SessionEntry session)
    {
        // Eviction depends only on leader time: the window is DedupeWindowMs, whatever the rate.
        long horizon = _now - _options.DedupeWindowMs;
        while (session.DedupeOrder.Count > 0 && session.DedupeOrder.Peek().AppliedAt < horizon)
        {
            DedupeEntry oldest = session.DedupeOrder.Dequeue();
            if (session.Dedupe.TryGetValue(oldest.ReferenceId, out DedupeEntry? current) && ReferenceEquals(current, oldest))
            {
                session.Dedupe.Remove(oldest.ReferenceId);
            }
        }
    }

    private void RememberSource(SourceEntry? source, string sourceId, ulong sequence, CommandResult result)
    {
        if (source is null)
        {
            source = new SourceEntry();
            _sources.Add(sourceId, source);
        }

        DedupeEntry entry = Compact(result);
        entry.Source = sourceId;
        entry.SourceSequence = sequence;
        source.Dedupe.Add(sequence, entry);
        source.DedupeOrder.Enqueue(entry);
        long horizon = _now - _options.DedupeWindowMs;
        Connector connector = _connectors[sourceId];
        while (source.DedupeOrder.Peek().AppliedAt < horizon)
        {
            DedupeEntry oldest = source.DedupeOrder.Dequeue();
            source.Dedupe.Remove(oldest.SourceSequence);
            connector.SourceSequenceFloor = Math.Max(connector.SourceSequenceFloor, oldest.SourceSequence);
        }
    }

    private sealed class SourceEntry
    {
        public Dictionary<ulong, DedupeEntry> Dedupe { get; } = new();
        public Queue<DedupeEntry> DedupeOrder { get; } = new();
    }

    private sealed class SessionEntry(ClientSession data)
    {
        public ClientSession Data { get; } = data;
        public Dictionary<DnKey, Subscription> Subscriptions { get; } = new();
        public Dictionary<uint, DedupeEntry> Dedupe { get; } = new();
        public Queue<DedupeEntry> DedupeOrder { get; } = new();
    }

    private enum RecordKind
    {
        Conference = 0,
        Conversation = 1,
        Call = 2,
        B2B = 3,
    }

    private readonly record struct RecordRef(RecordKind Kind, string Key) : IComparable<RecordRef>
    {
        public int CompareTo(RecordRef other)
        {
            int c = Kind.CompareTo(other.Kind);
            return c != 0 ? c : string.CompareOrdinal(Key, other.Key);
        }
    }

    private enum DnFlag
    {
        OutOfService,
        Dnd,
    }

}
