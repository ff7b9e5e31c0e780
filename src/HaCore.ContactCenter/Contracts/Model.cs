using MessagePack;

namespace HaCore.ContactCenter;

/// <summary>Call type.</summary>
public enum CallType
{
    /// <summary>Unknown.</summary>
    Unknown = 0,
    /// <summary>Internal.</summary>
    Internal = 1,
    /// <summary>Inbound.</summary>
    Inbound = 2,
    /// <summary>Outbound.</summary>
    Outbound = 3,
    /// <summary>Consult.</summary>
    Consult = 4,
}

/// <summary>Media type.</summary>
public enum MediaType
{
    /// <summary>Voice.</summary>
    Voice = 0,
    /// <summary>Chat.</summary>
    Chat = 5,
}

/// <summary>Address type.</summary>
public enum AddressType
{
    /// <summary>Unknown.</summary>
    Unknown = 0,
    /// <summary>Dn.</summary>
    Dn = 1,
    /// <summary>Position.</summary>
    Position = 2,
    /// <summary>Queue.</summary>
    Queue = 3,
    /// <summary>Route dn.</summary>
    RouteDn = 4,
    /// <summary>Trunk.</summary>
    Trunk = 5,
    /// <summary>Voice channel.</summary>
    VoiceChannel = 6,
    /// <summary>Data channel.</summary>
    DataChannel = 7,
    /// <summary>Announcement.</summary>
    Announcement = 8,
    /// <summary>Asai.</summary>
    Asai = 9,
    /// <summary>Acd group.</summary>
    AcdGroup = 10,
    /// <summary>Vsp.</summary>
    Vsp = 11,
    /// <summary>Route queue.</summary>
    RouteQueue = 12,
    /// <summary>Agent id.</summary>
    AgentId = 13,
    /// <summary>Other.</summary>
    Other = 14,
}

/// <summary>Party state.</summary>
public enum PartyState
{
    /// <summary>Null.</summary>
    Null = 0,
    /// <summary>Initiated.</summary>
    Initiated = 1,
    /// <summary>Dialing.</summary>
    Dialing = 2,
    /// <summary>Alerting.</summary>
    Alerting = 3,
    /// <summary>Queued.</summary>
    Queued = 4,
    /// <summary>Connected.</summary>
    Connected = 5,
    /// <summary>Held.</summary>
    Held = 6,
    /// <summary>Busy.</summary>
    Busy = 7,
    /// <summary>Failed.</summary>
    Failed = 8,
    /// <summary>Routing.</summary>
    Routing = 9,
    /// <summary>Treatment.</summary>
    Treatment = 10,
}

/// <summary>Party role.</summary>
public enum PartyRole
{
    /// <summary>Unknown.</summary>
    Unknown = 0,
    /// <summary>Origination.</summary>
    Origination = 1,
    /// <summary>Destination.</summary>
    Destination = 2,
    /// <summary>Conference member.</summary>
    ConferenceMember = 3,
    /// <summary>Observer.</summary>
    Observer = 4,
}

/// <summary>Call state.</summary>
public enum CallState
{
    /// <summary>Ok.</summary>
    Ok = 0,
    /// <summary>Transferred.</summary>
    Transferred = 1,
    /// <summary>Conferenced.</summary>
    Conferenced = 2,
    /// <summary>Abandoned.</summary>
    Abandoned = 3,
    /// <summary>Cleared.</summary>
    Cleared = 4,
}

/// <summary>Escalation mode.</summary>
public enum EscalationMode
{
    /// <summary>Inherited.</summary>
    Inherited = 0,
    /// <summary>Separate.</summary>
    Separate = 1,
}

/// <summary>Transfer kind.</summary>
public enum TransferKind
{
    /// <summary>Single step.</summary>
    SingleStep = 0,
    /// <summary>Two step.</summary>
    TwoStep = 1,
}

/// <summary>Agent state.</summary>
public enum AgentState
{
    /// <summary>Null.</summary>
    Null = 0,
    /// <summary>Not ready.</summary>
    NotReady = 1,
    /// <summary>Ready.</summary>
    Ready = 2,
    /// <summary>Busy ready.</summary>
    BusyReady = 3,
    /// <summary>Busy not ready.</summary>
    BusyNotReady = 4,
    /// <summary>Busy after call work.</summary>
    BusyAfterCallWork = 5,
}

/// <summary>Agent work mode.</summary>
public enum AgentWorkMode
{
    /// <summary>Unknown.</summary>
    Unknown = 0,
    /// <summary>Manual in.</summary>
    ManualIn = 1,
    /// <summary>Auto in.</summary>
    AutoIn = 2,
    /// <summary>After call work.</summary>
    AfterCallWork = 3,
    /// <summary>Aux work.</summary>
    AuxWork = 4,
    /// <summary>No call disconnect.</summary>
    NoCallDisconnect = 5,
    /// <summary>Walk away.</summary>
    WalkAway = 6,
    /// <summary>Return back.</summary>
    ReturnBack = 7,
}

/// <summary>Treatment type.</summary>
public enum TreatmentType
{
    /// <summary>Unknown.</summary>
    Unknown = 0,
    /// <summary>Ivr.</summary>
    Ivr = 1,
    /// <summary>Music.</summary>
    Music = 2,
    /// <summary>Ring back.</summary>
    RingBack = 3,
    /// <summary>Silence.</summary>
    Silence = 4,
    /// <summary>Busy.</summary>
    Busy = 5,
    /// <summary>Collect digits.</summary>
    CollectDigits = 6,
    /// <summary>Play announcement.</summary>
    PlayAnnouncement = 7,
    /// <summary>Play announcement and digits.</summary>
    PlayAnnouncementAndDigits = 8,
    /// <summary>Verify digits.</summary>
    VerifyDigits = 9,
    /// <summary>Record user announcement.</summary>
    RecordUserAnnouncement = 10,
    /// <summary>Delete user announcement.</summary>
    DeleteUserAnnouncement = 11,
    /// <summary>Cancel call.</summary>
    CancelCall = 12,
    /// <summary>Play application.</summary>
    PlayApplication = 13,
    /// <summary>Set default route.</summary>
    SetDefaultRoute = 14,
    /// <summary>Text to speech.</summary>
    TextToSpeech = 15,
    /// <summary>Text to speech and digits.</summary>
    TextToSpeechAndDigits = 16,
    /// <summary>Fast busy.</summary>
    FastBusy = 17,
    /// <summary>Ran.</summary>
    Ran = 18,
}

/// <summary>Treatment state.</summary>
public enum TreatmentState
{
    /// <summary>Requested.</summary>
    Requested = 0,
    /// <summary>Applied.</summary>
    Applied = 1,
}

/// <summary>Iscc direction.</summary>
public enum IsccDirection
{
    /// <summary>Origination.</summary>
    Origination = 0,
    /// <summary>Destination.</summary>
    Destination = 1,
}

/// <summary>Iscc cast type.</summary>
public enum IsccCastType
{
    /// <summary>Route.</summary>
    Route = 0,
    /// <summary>Route uui.</summary>
    RouteUui = 1,
    /// <summary>Direct callid.</summary>
    DirectCallid = 2,
    /// <summary>Direct network callid.</summary>
    DirectNetworkCallid = 3,
    /// <summary>Direct notoken.</summary>
    DirectNotoken = 4,
    /// <summary>Direct uui.</summary>
    DirectUui = 5,
    /// <summary>Direct ani.</summary>
    DirectAni = 6,
    /// <summary>Direct digits.</summary>
    DirectDigits = 7,
    /// <summary>Dnis pool.</summary>
    DnisPool = 8,
    /// <summary>Pullback.</summary>
    Pullback = 9,
    /// <summary>Reroute.</summary>
    Reroute = 10,
}

/// <summary>Iscc state.</summary>
public enum IsccState
{
    /// <summary>Requested.</summary>
    Requested = 0,
    /// <summary>Resource allocated.</summary>
    ResourceAllocated = 1,
    /// <summary>Succeeded.</summary>
    Succeeded = 2,
    /// <summary>Failed.</summary>
    Failed = 3,
    /// <summary>Timed out.</summary>
    TimedOut = 4,
}

/// <summary>Register mode.</summary>
public enum RegisterMode
{
    /// <summary>Share.</summary>
    Share = 0,
    /// <summary>Private.</summary>
    Private = 1,
}

/// <summary>Control mode.</summary>
public enum ControlMode
{
    /// <summary>Register default.</summary>
    RegisterDefault = 0,
    /// <summary>Register monitor.</summary>
    RegisterMonitor = 1,
    /// <summary>Register control.</summary>
    RegisterControl = 2,
}

/// <summary>Register flag.</summary>
public enum RegisterFlag
{
    /// <summary>False.</summary>
    False = 0,
    /// <summary>True.</summary>
    True = 1,
    /// <summary>On demand.</summary>
    OnDemand = 2,
}

/// <summary>Forward mode.</summary>
public enum ForwardMode
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>Unconditional.</summary>
    Unconditional = 1,
    /// <summary>On busy.</summary>
    OnBusy = 2,
    /// <summary>On no answer.</summary>
    OnNoAnswer = 3,
}

/// <summary>B2 bstate.</summary>
public enum B2BState
{
    /// <summary>Created.</summary>
    Created = 0,
    /// <summary>Established.</summary>
    Established = 1,
    /// <summary>Terminating.</summary>
    Terminating = 2,
}

/// <summary>Login conflict policy.</summary>
public enum LoginConflictPolicy
{
    /// <summary>Reject.</summary>
    Reject = 0,
    /// <summary>Force logout.</summary>
    ForceLogout = 1,
}

/// <summary>Event kind.</summary>
public enum EventKind
{
    /// <summary>Unknown.</summary>
    Unknown = 0,
    /// <summary>Dialing.</summary>
    Dialing = 1,
    /// <summary>Ringing.</summary>
    Ringing = 2,
    /// <summary>Established.</summary>
    Established = 3,
    /// <summary>Held.</summary>
    Held = 4,
    /// <summary>Retrieved.</summary>
    Retrieved = 5,
    /// <summary>Queued.</summary>
    Queued = 6,
    /// <summary>Diverted.</summary>
    Diverted = 7,
    /// <summary>Abandoned.</summary>
    Abandoned = 8,
    /// <summary>Destination busy.</summary>
    DestinationBusy = 9,
    /// <summary>Party added.</summary>
    PartyAdded = 10,
    /// <summary>Party deleted.</summary>
    PartyDeleted = 11,
    /// <summary>Party changed.</summary>
    PartyChanged = 12,
    /// <summary>Transfer started.</summary>
    TransferStarted = 13,
    /// <summary>Transfer completed.</summary>
    TransferCompleted = 14,
    /// <summary>Transfer aborted.</summary>
    TransferAborted = 15,
    /// <summary>Released.</summary>
    Released = 16,
    /// <summary>Call deleted.</summary>
    CallDeleted = 17,
    /// <summary>Route request.</summary>
    RouteRequest = 18,
    /// <summary>Route used.</summary>
    RouteUsed = 19,
    /// <summary>Route timed out.</summary>
    RouteTimedOut = 20,
    /// <summary>Attached data changed.</summary>
    AttachedDataChanged = 21,
    /// <summary>Treatment requested.</summary>
    TreatmentRequested = 22,
    /// <summary>Treatment applied.</summary>
    TreatmentApplied = 23,
    /// <summary>Treatment end.</summary>
    TreatmentEnd = 24,
    /// <summary>Treatment not applied.</summary>
    TreatmentNotApplied = 25,
    /// <summary>Iscc requested.</summary>
    IsccRequested = 26,
    /// <summary>Iscc resource allocated.</summary>
    IsccResourceAllocated = 27,
    /// <summary>Remote connection success.</summary>
    RemoteConnectionSuccess = 28,
    /// <summary>Remote connection failed.</summary>
    RemoteConnectionFailed = 29,
    /// <summary>Iscc timed out.</summary>
    IsccTimedOut = 30,
    /// <summary>Agent login.</summary>
    AgentLogin = 31,
    /// <summary>Agent logout.</summary>
    AgentLogout = 32,
    /// <summary>Agent ready.</summary>
    AgentReady = 33,
    /// <summary>Agent not ready.</summary>
    AgentNotReady = 34,
    /// <summary>Dn out of service.</summary>
    DnOutOfService = 35,
    /// <summary>Dn back in service.</summary>
    DnBackInService = 36,
    /// <summary>Dnd on.</summary>
    DndOn = 37,
    /// <summary>Dnd off.</summary>
    DndOff = 38,
    /// <summary>Forward set.</summary>
    ForwardSet = 39,
    /// <summary>Forward cancel.</summary>
    ForwardCancel = 40,
    /// <summary>Mute on.</summary>
    MuteOn = 41,
    /// <summary>Mute off.</summary>
    MuteOff = 42,
    /// <summary>Session opened.</summary>
    SessionOpened = 43,
    /// <summary>Session renewed.</summary>
    SessionRenewed = 44,
    /// <summary>Session expired.</summary>
    SessionExpired = 45,
    /// <summary>Registered.</summary>
    Registered = 46,
    /// <summary>Unregistered.</summary>
    Unregistered = 47,
    /// <summary>Connector up.</summary>
    ConnectorUp = 48,
    /// <summary>Connector down.</summary>
    ConnectorDown = 49,
    /// <summary>Dn assigned.</summary>
    DnAssigned = 50,
    /// <summary>Dn unassigned.</summary>
    DnUnassigned = 51,
    /// <summary>Connector record upserted.</summary>
    ConnectorRecordUpserted = 52,
    /// <summary>Connector record removed.</summary>
    ConnectorRecordRemoved = 53,
    /// <summary>Config applied.</summary>
    ConfigApplied = 54,
    /// <summary>Call created.</summary>
    CallCreated = 55,
    /// <summary>a refused client request (reference_id, error, cause)</summary>
    Error = 56,
}

/// <summary>Reject reason.</summary>
public enum RejectReason
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>Unknown command.</summary>
    UnknownCommand = 1,
    /// <summary>Invalid argument.</summary>
    InvalidArgument = 2,
    /// <summary>Unknown call.</summary>
    UnknownCall = 3,
    /// <summary>Unknown party.</summary>
    UnknownParty = 4,
    /// <summary>Party exists.</summary>
    PartyExists = 5,
    /// <summary>Invalid party transition.</summary>
    InvalidPartyTransition = 6,
    /// <summary>Unknown dn.</summary>
    UnknownDn = 7,
    /// <summary>Dn out of service.</summary>
    DnOutOfService = 8,
    /// <summary>Unknown agent.</summary>
    UnknownAgent = 9,
    /// <summary>Agent not logged in.</summary>
    AgentNotLoggedIn = 10,
    /// <summary>Dn has other agent.</summary>
    DnHasOtherAgent = 11,
    /// <summary>Agent logged in elsewhere.</summary>
    AgentLoggedInElsewhere = 12,
    /// <summary>Place mismatch.</summary>
    PlaceMismatch = 13,
    /// <summary>Not an agent dn.</summary>
    NotAnAgentDn = 14,
    /// <summary>Transfer in progress.</summary>
    TransferInProgress = 15,
    /// <summary>No transfer in progress.</summary>
    NoTransferInProgress = 16,
    /// <summary>Route pending.</summary>
    RoutePending = 17,
    /// <summary>No route pending.</summary>
    NoRoutePending = 18,
    /// <summary>Not expired.</summary>
    NotExpired = 19,
    /// <summary>User data key exists.</summary>
    UserDataKeyExists = 20,
    /// <summary>User data key not found.</summary>
    UserDataKeyNotFound = 21,
    /// <summary>Treatment active.</summary>
    TreatmentActive = 22,
    /// <summary>Unknown treatment.</summary>
    UnknownTreatment = 23,
    /// <summary>Invalid treatment transition.</summary>
    InvalidTreatmentTransition = 24,
    /// <summary>Iscc transaction exists.</summary>
    IsccTransactionExists = 25,
    /// <summary>Unknown iscc transaction.</summary>
    UnknownIsccTransaction = 26,
    /// <summary>Iscc resource busy.</summary>
    IsccResourceBusy = 27,
    /// <summary>Invalid iscc transition.</summary>
    InvalidIsccTransition = 28,
    /// <summary>Unknown session.</summary>
    UnknownSession = 29,
    /// <summary>Session expired.</summary>
    SessionExpired = 30,
    /// <summary>Session exists.</summary>
    SessionExists = 31,
    /// <summary>Subscription exists.</summary>
    SubscriptionExists = 32,
    /// <summary>Unknown subscription.</summary>
    UnknownSubscription = 33,
    /// <summary>Unknown connector.</summary>
    UnknownConnector = 34,
    /// <summary>Connector not alive.</summary>
    ConnectorNotAlive = 35,
    /// <summary>Record owned by other connector.</summary>
    RecordOwnedByOtherConnector = 36,
    /// <summary>Unknown connector record.</summary>
    UnknownConnectorRecord = 37,
    /// <summary>Stale config version.</summary>
    StaleConfigVersion = 38,
    /// <summary>Dn in use.</summary>
    DnInUse = 39,
    /// <summary>Already in state.</summary>
    AlreadyInState = 40,
    /// <summary>Invalid agent transition.</summary>
    InvalidAgentTransition = 41,
    /// <summary>Unknown conn id.</summary>
    UnknownConnId = 42,
    /// <summary>a ContactCenterOptions bound would be exceeded</summary>
    LimitExceeded = 43,
    /// <summary>a connector command presented an epoch other than the connector's</summary>
    StaleConnectorEpoch = 44,
    /// <summary>the connector's lease has run out (ConnectorUp renews it)</summary>
    ConnectorLeaseExpired = 45,
    /// <summary>a replay from a source (connector) whose sequence is older than the dedupe window: it may have been applied, so it is not applied again</summary>
    SourceReplayTooOld = 46,
    /// <summary>the session's registration on the request's DN does not allow requests: monitor-only (RegisterMonitor), or another session registered the DN privately</summary>
    NotControlling = 47,
    /// <summary>ConfigApplied: the hash is not the hash of the configuration the change leaves (invariant 13)</summary>
    ConfigHashMismatch = 48,
}

/// <summary>A directory number: unique within a switch (E11).</summary>
[MessagePackFormatter(typeof(DnIdFormatter))]
public sealed partial class DnId : IContract<DnId>
{
    /// <summary>The switch the number belongs to.</summary>
    [Key(0)]
    public string SwitchName { get; set; } = "";

    /// <summary>The directory number, unique within its switch.</summary>
    [Key(1)]
    public string Number { get; set; } = "";

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public DnId Clone() => new()
    {
        SwitchName = SwitchName,
        Number = Number,
    };

    /// <inheritdoc />
    public bool Equals(DnId? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is DnId other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>A user-data value: string, integer, binary or nested list (E9).</summary>
[MessagePackFormatter(typeof(KvValueFormatter))]
public sealed partial class KvValue : IContract<KvValue>
{
    private object? _value;

    /// <summary>Which case of the oneof is set.</summary>
    [IgnoreMember]
    public ValueOneofCase ValueCase { get; private set; }

    /// <summary>Str.</summary>
    [IgnoreMember]
    public string Str
    {
        get => ValueCase == ValueOneofCase.Str ? (string)_value! : "";
        set { _value = value; ValueCase = ValueOneofCase.Str; }
    }

    /// <summary>Int.</summary>
    [IgnoreMember]
    public long Int
    {
        get => ValueCase == ValueOneofCase.Int ? (long)_value! : 0;
        set { _value = value; ValueCase = ValueOneofCase.Int; }
    }

    /// <summary>Binary.</summary>
    [IgnoreMember]
    public ReadOnlyMemory<byte> Binary
    {
        get => ValueCase == ValueOneofCase.Binary ? (ReadOnlyMemory<byte>)_value! : ReadOnlyMemory<byte>.Empty;
        set { _value = value; ValueCase = ValueOneofCase.Binary; }
    }

    /// <summary>List.</summary>
    [IgnoreMember]
    public KvList? List
    {
        get => ValueCase == ValueOneofCase.List ? (KvList)_value! : null;
        set { _value = value; ValueCase = value is null ? ValueOneofCase.None : ValueOneofCase.List; }
    }

    /// <summary>Clears the oneof.</summary>
    public void ClearValue() { _value = null; ValueCase = ValueOneofCase.None; }

    /// <summary>The cases of the oneof; the values are the field numbers of the protobuf contract this replaced.</summary>
    public enum ValueOneofCase
    {
        /// <summary>Nothing is set.</summary>
        None = 0,
        /// <summary>Str is set.</summary>
        Str = 1,
        /// <summary>Int is set.</summary>
        Int = 2,
        /// <summary>Binary is set.</summary>
        Binary = 3,
        /// <summary>List is set.</summary>
        List = 4,
    }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public KvValue Clone()
    {
        // Strings and the binary value are immutable: the copy shares them.
        var copy = new KvValue();
        switch (ValueCase)
        {
            case ValueOneofCase.Str:
                copy.Str = Str;
                break;
            case ValueOneofCase.Int:
                copy.Int = Int;
                break;
            case ValueOneofCase.Binary:
                copy.Binary = Binary;
                break;
            case ValueOneofCase.List:
                copy.List = List?.Clone();
                break;
        }

        return copy;
    }

    /// <inheritdoc />
    public bool Equals(KvValue? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is KvValue other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Kv list.</summary>
[MessagePackFormatter(typeof(KvListFormatter))]
public sealed partial class KvList : IContract<KvList>
{
    /// <summary>The key-value pairs.</summary>
    [Key(0)]
    public List<KvPair> Pairs { get; set; } = [];

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public KvList Clone() => new()
    {
        Pairs = Pairs.ConvertAll(item => item.Clone()),
    };

    /// <inheritdoc />
    public bool Equals(KvList? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is KvList other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Kv pair.</summary>
[MessagePackFormatter(typeof(KvPairFormatter))]
public sealed partial class KvPair : IContract<KvPair>
{
    /// <summary>The key.</summary>
    [Key(0)]
    public string Key { get; set; } = "";

    /// <summary>The value.</summary>
    [Key(1)]
    public KvValue? Value { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public KvPair Clone() => new()
    {
        Key = Key,
        Value = Value?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(KvPair? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is KvPair other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>A DN's relation to a call (E6).</summary>
[MessagePackFormatter(typeof(PartyFormatter))]
public sealed partial class Party : IContract<Party>
{
    /// <summary>The DN.</summary>
    [Key(0)]
    public DnId? Dn { get; set; }

    /// <summary>The state.</summary>
    [Key(1)]
    public PartyState State { get; set; }

    /// <summary>The party's role in the call.</summary>
    [Key(2)]
    public PartyRole Role { get; set; }

    /// <summary>The other party's DN.</summary>
    [Key(3)]
    public DnId? OtherDn { get; set; }

    /// <summary>set for ACD calls</summary>
    [Key(4)]
    public DnId? ThisQueue { get; set; }

    /// <summary>The agent's ID.</summary>
    [Key(5)]
    public string AgentId { get; set; } = "";

    /// <summary>Muted.</summary>
    [Key(6)]
    public bool Muted { get; set; }

    /// <summary>bit flags: 1 NoListen, 2 NoTalk, 4 Audit, 8 Bridged</summary>
    [Key(7)]
    public uint Supplementary { get; set; }

    /// <summary>State since.</summary>
    [Key(8)]
    public long StateSince { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public Party Clone() => new()
    {
        Dn = Dn?.Clone(),
        State = State,
        Role = Role,
        OtherDn = OtherDn?.Clone(),
        ThisQueue = ThisQueue?.Clone(),
        AgentId = AgentId,
        Muted = Muted,
        Supplementary = Supplementary,
        StateSince = StateSince,
    };

    /// <inheritdoc />
    public bool Equals(Party? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Party other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Transfer info.</summary>
[MessagePackFormatter(typeof(TransferInfoFormatter))]
public sealed partial class TransferInfo : IContract<TransferInfo>
{
    /// <summary>Controller.</summary>
    [Key(0)]
    public DnId? Controller { get; set; }

    /// <summary>The kind.</summary>
    [Key(1)]
    public TransferKind Kind { get; set; }

    /// <summary>Target.</summary>
    [Key(2)]
    public DnId? Target { get; set; }

    /// <summary>Started at.</summary>
    [Key(3)]
    public long StartedAt { get; set; }

    /// <summary>Consult conn id.</summary>
    [Key(4)]
    public ulong ConsultConnId { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public TransferInfo Clone() => new()
    {
        Controller = Controller?.Clone(),
        Kind = Kind,
        Target = Target?.Clone(),
        StartedAt = StartedAt,
        ConsultConnId = ConsultConnId,
    };

    /// <inheritdoc />
    public bool Equals(TransferInfo? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TransferInfo other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Route request.</summary>
[MessagePackFormatter(typeof(RouteRequestFormatter))]
public sealed partial class RouteRequest : IContract<RouteRequest>
{
    /// <summary>Route point.</summary>
    [Key(0)]
    public DnId? RoutePoint { get; set; }

    /// <summary>Requested at.</summary>
    [Key(1)]
    public long RequestedAt { get; set; }

    /// <summary>The timeout, in milliseconds of leader time.</summary>
    [Key(2)]
    public long TimeoutMs { get; set; }

    /// <summary>The request's ReferenceID (0: none).</summary>
    [Key(3)]
    public uint ReferenceId { get; set; }

    /// <summary>Deadline at.</summary>
    [Key(4)]
    public long DeadlineAt { get; set; }

    /// <summary>the request added the routing-point party (Routing); RouteUsed removes it</summary>
    [Key(5)]
    public bool PartyAdded { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public RouteRequest Clone() => new()
    {
        RoutePoint = RoutePoint?.Clone(),
        RequestedAt = RequestedAt,
        TimeoutMs = TimeoutMs,
        ReferenceId = ReferenceId,
        DeadlineAt = DeadlineAt,
        PartyAdded = PartyAdded,
    };

    /// <inheritdoc />
    public bool Equals(RouteRequest? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is RouteRequest other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>A (remote) treatment session; it lives inside its call, so it belongs to exactly one live call.</summary>
[MessagePackFormatter(typeof(TreatmentSessionFormatter))]
public sealed partial class TreatmentSession : IContract<TreatmentSession>
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>The type.</summary>
    [Key(2)]
    public TreatmentType Type { get; set; }

    /// <summary>The treatment's parameters.</summary>
    [Key(3)]
    public List<KvPair> Parameters { get; set; } = [];

    /// <summary>The state.</summary>
    [Key(4)]
    public TreatmentState State { get; set; }

    /// <summary>Media resource.</summary>
    [Key(5)]
    public string MediaResource { get; set; } = "";

    /// <summary>Started at.</summary>
    [Key(6)]
    public long StartedAt { get; set; }

    /// <summary>The request's ReferenceID (0: none).</summary>
    [Key(7)]
    public uint ReferenceId { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public TreatmentSession Clone() => new()
    {
        ConnId = ConnId,
        Dn = Dn?.Clone(),
        Type = Type,
        Parameters = Parameters.ConvertAll(item => item.Clone()),
        State = State,
        MediaResource = MediaResource,
        StartedAt = StartedAt,
        ReferenceId = ReferenceId,
    };

    /// <inheritdoc />
    public bool Equals(TreatmentSession? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TreatmentSession other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>An ISCC call reference to another site (E12); lives inside its call.</summary>
[MessagePackFormatter(typeof(IsccRefFormatter))]
public sealed partial class IsccRef : IContract<IsccRef>
{
    /// <summary>The ISCC transaction ID.</summary>
    [Key(0)]
    public uint TransactionId { get; set; }

    /// <summary>Direction.</summary>
    [Key(1)]
    public IsccDirection Direction { get; set; }

    /// <summary>Remote location.</summary>
    [Key(2)]
    public string RemoteLocation { get; set; } = "";

    /// <summary>Cast type.</summary>
    [Key(3)]
    public IsccCastType CastType { get; set; }

    /// <summary>Access resource.</summary>
    [Key(4)]
    public DnId? AccessResource { get; set; }

    /// <summary>Remote conn id.</summary>
    [Key(5)]
    public ulong RemoteConnId { get; set; }

    /// <summary>Token.</summary>
    [Key(6)]
    public string Token { get; set; } = "";

    /// <summary>The state.</summary>
    [Key(7)]
    public IsccState State { get; set; }

    /// <summary>Deadline at.</summary>
    [Key(8)]
    public long DeadlineAt { get; set; }

    /// <summary>The ConnID of the call.</summary>
    [Key(9)]
    public ulong ConnId { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public IsccRef Clone() => new()
    {
        TransactionId = TransactionId,
        Direction = Direction,
        RemoteLocation = RemoteLocation,
        CastType = CastType,
        AccessResource = AccessResource?.Clone(),
        RemoteConnId = RemoteConnId,
        Token = Token,
        State = State,
        DeadlineAt = DeadlineAt,
        ConnId = ConnId,
    };

    /// <inheritdoc />
    public bool Equals(IsccRef? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is IsccRef other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Call.</summary>
[MessagePackFormatter(typeof(CallFormatter))]
public sealed partial class Call : IContract<Call>
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>Previous conn id.</summary>
    [Key(1)]
    public ulong PreviousConnId { get; set; }

    /// <summary>Transfer conn id.</summary>
    [Key(2)]
    public ulong TransferConnId { get; set; }

    /// <summary>Call uuid.</summary>
    [Key(3)]
    public string CallUuid { get; set; } = "";

    /// <summary>Orig call uuid.</summary>
    [Key(4)]
    public string OrigCallUuid { get; set; } = "";

    /// <summary>The call's ID.</summary>
    [Key(5)]
    public long CallId { get; set; }

    /// <summary>Network call id.</summary>
    [Key(6)]
    public ulong NetworkCallId { get; set; }

    /// <summary>Node id.</summary>
    [Key(7)]
    public int NodeId { get; set; }

    /// <summary>Call type.</summary>
    [Key(8)]
    public CallType CallType { get; set; }

    /// <summary>Media type.</summary>
    [Key(9)]
    public MediaType MediaType { get; set; }

    /// <summary>Ani.</summary>
    [Key(10)]
    public string Ani { get; set; } = "";

    /// <summary>Dnis.</summary>
    [Key(11)]
    public string Dnis { get; set; } = "";

    /// <summary>The state.</summary>
    [Key(12)]
    public CallState State { get; set; }

    /// <summary>The parties.</summary>
    [Key(13)]
    public List<Party> Parties { get; set; } = [];

    /// <summary>sorted by key (ordinal)</summary>
    [Key(14)]
    public List<KvPair> UserData { get; set; } = [];

    /// <summary>Escalation mode.</summary>
    [Key(15)]
    public EscalationMode EscalationMode { get; set; }

    /// <summary>Transfer in progress.</summary>
    [Key(16)]
    public TransferInfo? TransferInProgress { get; set; }

    /// <summary>Iscc links.</summary>
    [Key(17)]
    public List<IsccRef> IsccLinks { get; set; } = [];

    /// <summary>Pending route.</summary>
    [Key(18)]
    public RouteRequest? PendingRoute { get; set; }

    /// <summary>Treatments.</summary>
    [Key(19)]
    public List<TreatmentSession> Treatments { get; set; } = [];

    /// <summary>Created at.</summary>
    [Key(20)]
    public long CreatedAt { get; set; }

    /// <summary>Last change at.</summary>
    [Key(21)]
    public long LastChangeAt { get; set; }

    /// <summary>created (or linked by TransferStarted) as the consult leg of transfer_conn_id</summary>
    [Key(22)]
    public bool IsConsult { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public Call Clone() => new()
    {
        ConnId = ConnId,
        PreviousConnId = PreviousConnId,
        TransferConnId = TransferConnId,
        CallUuid = CallUuid,
        OrigCallUuid = OrigCallUuid,
        CallId = CallId,
        NetworkCallId = NetworkCallId,
        NodeId = NodeId,
        CallType = CallType,
        MediaType = MediaType,
        Ani = Ani,
        Dnis = Dnis,
        State = State,
        Parties = Parties.ConvertAll(item => item.Clone()),
        UserData = UserData.ConvertAll(item => item.Clone()),
        EscalationMode = EscalationMode,
        TransferInProgress = TransferInProgress?.Clone(),
        IsccLinks = IsccLinks.ConvertAll(item => item.Clone()),
        PendingRoute = PendingRoute?.Clone(),
        Treatments = Treatments.ConvertAll(item => item.Clone()),
        CreatedAt = CreatedAt,
        LastChangeAt = LastChangeAt,
        IsConsult = IsConsult,
    };

    /// <inheritdoc />
    public bool Equals(Call? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Call other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Agent.</summary>
[MessagePackFormatter(typeof(AgentFormatter))]
public sealed partial class Agent : IContract<Agent>
{
    /// <summary>The agent's ID.</summary>
    [Key(0)]
    public string AgentId { get; set; } = "";

    /// <summary>Employee id.</summary>
    [Key(1)]
    public string EmployeeId { get; set; } = "";

    /// <summary>unset = logged out</summary>
    [Key(2)]
    public DnId? Dn { get; set; }

    /// <summary>The ACD queue.</summary>
    [Key(3)]
    public DnId? Queue { get; set; }

    /// <summary>The place.</summary>
    [Key(4)]
    public string Place { get; set; } = "";

    /// <summary>The state.</summary>
    [Key(5)]
    public AgentState State { get; set; }

    /// <summary>The agent's work mode.</summary>
    [Key(6)]
    public AgentWorkMode WorkMode { get; set; }

    /// <summary>The reason codes.</summary>
    [Key(7)]
    public List<KvPair> Reasons { get; set; } = [];

    /// <summary>Preferred site.</summary>
    [Key(8)]
    public string PreferredSite { get; set; } = "";

    /// <summary>State since.</summary>
    [Key(9)]
    public long StateSince { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public Agent Clone() => new()
    {
        AgentId = AgentId,
        EmployeeId = EmployeeId,
        Dn = Dn?.Clone(),
        Queue = Queue?.Clone(),
        Place = Place,
        State = State,
        WorkMode = WorkMode,
        Reasons = Reasons.ConvertAll(item => item.Clone()),
        PreferredSite = PreferredSite,
        StateSince = StateSince,
    };

    /// <inheritdoc />
    public bool Equals(Agent? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Agent other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Forward.</summary>
[MessagePackFormatter(typeof(ForwardFormatter))]
public sealed partial class Forward : IContract<Forward>
{
    /// <summary>The mode.</summary>
    [Key(0)]
    public ForwardMode Mode { get; set; }

    /// <summary>The destination DN.</summary>
    [Key(1)]
    public DnId? Destination { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public Forward Clone() => new()
    {
        Mode = Mode,
        Destination = Destination?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(Forward? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Forward other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Dn.</summary>
[MessagePackFormatter(typeof(DnFormatter))]
public sealed partial class Dn : IContract<Dn>
{
    /// <summary>The identifier.</summary>
    [Key(0)]
    public DnId? Id { get; set; }

    /// <summary>The type.</summary>
    [Key(1)]
    public AddressType Type { get; set; }

    /// <summary>The place.</summary>
    [Key(2)]
    public string Place { get; set; } = "";

    /// <summary>Register.</summary>
    [Key(3)]
    public RegisterFlag Register { get; set; }

    /// <summary>Out of service.</summary>
    [Key(4)]
    public bool OutOfService { get; set; }

    /// <summary>Dnd.</summary>
    [Key(5)]
    public bool Dnd { get; set; }

    /// <summary>Forward.</summary>
    [Key(6)]
    public Forward? Forward { get; set; }

    /// <summary>Logged in agent.</summary>
    [Key(7)]
    public string LoggedInAgent { get; set; } = "";

    /// <summary>Active calls.</summary>
    [Key(8)]
    public List<ulong> ActiveCalls { get; set; } = [];

    /// <summary>Peer dn.</summary>
    [Key(9)]
    public DnId? PeerDn { get; set; }

    /// <summary>Site.</summary>
    [Key(10)]
    public string Site { get; set; } = "";

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public Dn Clone() => new()
    {
        Id = Id?.Clone(),
        Type = Type,
        Place = Place,
        Register = Register,
        OutOfService = OutOfService,
        Dnd = Dnd,
        Forward = Forward?.Clone(),
        LoggedInAgent = LoggedInAgent,
        ActiveCalls = [.. ActiveCalls],
        PeerDn = PeerDn?.Clone(),
        Site = Site,
    };

    /// <inheritdoc />
    public bool Equals(Dn? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Dn other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Subscription.</summary>
[MessagePackFormatter(typeof(SubscriptionFormatter))]
public sealed partial class Subscription : IContract<Subscription>
{
    /// <summary>The client session's ID.</summary>
    [Key(0)]
    public string SessionId { get; set; } = "";

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>Register mode.</summary>
    [Key(2)]
    public RegisterMode RegisterMode { get; set; }

    /// <summary>Control mode.</summary>
    [Key(3)]
    public ControlMode ControlMode { get; set; }

    /// <summary>Address type.</summary>
    [Key(4)]
    public AddressType AddressType { get; set; }

    /// <summary>Registered at.</summary>
    [Key(5)]
    public long RegisteredAt { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public Subscription Clone() => new()
    {
        SessionId = SessionId,
        Dn = Dn?.Clone(),
        RegisterMode = RegisterMode,
        ControlMode = ControlMode,
        AddressType = AddressType,
        RegisteredAt = RegisteredAt,
    };

    /// <inheritdoc />
    public bool Equals(Subscription? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Subscription other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Client session.</summary>
[MessagePackFormatter(typeof(ClientSessionFormatter))]
public sealed partial class ClientSession : IContract<ClientSession>
{
    /// <summary>The client session's ID.</summary>
    [Key(0)]
    public string SessionId { get; set; } = "";

    /// <summary>Client name.</summary>
    [Key(1)]
    public string ClientName { get; set; } = "";

    /// <summary>Lease expires at.</summary>
    [Key(2)]
    public long LeaseExpiresAt { get; set; }

    /// <summary>Last acked index.</summary>
    [Key(3)]
    public ulong LastAckedIndex { get; set; }

    /// <summary>The lease, in milliseconds of leader time.</summary>
    [Key(4)]
    public long LeaseMs { get; set; }

    /// <summary>Opened at.</summary>
    [Key(5)]
    public long OpenedAt { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public ClientSession Clone() => new()
    {
        SessionId = SessionId,
        ClientName = ClientName,
        LeaseExpiresAt = LeaseExpiresAt,
        LastAckedIndex = LastAckedIndex,
        LeaseMs = LeaseMs,
        OpenedAt = OpenedAt,
    };

    /// <inheritdoc />
    public bool Equals(ClientSession? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ClientSession other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Connector.</summary>
[MessagePackFormatter(typeof(ConnectorFormatter))]
public sealed partial class Connector : IContract<Connector>
{
    /// <summary>The connector's ID.</summary>
    [Key(0)]
    public string ConnectorId { get; set; } = "";

    /// <summary>The connector's endpoint.</summary>
    [Key(1)]
    public string Endpoint { get; set; } = "";

    /// <summary>Alive.</summary>
    [Key(2)]
    public bool Alive { get; set; }

    /// <summary>Lease expires at.</summary>
    [Key(3)]
    public long LeaseExpiresAt { get; set; }

    /// <summary>The connector's pool.</summary>
    [Key(4)]
    public string Pool { get; set; } = "";

    /// <summary>The epoch of its current incarnation (1 for the first ConnectorUp, one more for each later one): the fence it must present</summary>
    [Key(5)]
    public ulong Epoch { get; set; }

    /// <summary>The highest source sequence whose dedupe entry left the window: a replay at or below it is refused</summary>
    [Key(6)]
    public ulong SourceSequenceFloor { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public Connector Clone() => new()
    {
        ConnectorId = ConnectorId,
        Endpoint = Endpoint,
        Alive = Alive,
        LeaseExpiresAt = LeaseExpiresAt,
        Pool = Pool,
        Epoch = Epoch,
        SourceSequenceFloor = SourceSequenceFloor,
    };

    /// <inheritdoc />
    public bool Equals(Connector? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Connector other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Dn assignment.</summary>
[MessagePackFormatter(typeof(DnAssignmentFormatter))]
public sealed partial class DnAssignment : IContract<DnAssignment>
{
    /// <summary>The DN.</summary>
    [Key(0)]
    public DnId? Dn { get; set; }

    /// <summary>empty = Unassigned</summary>
    [Key(1)]
    public string ConnectorId { get; set; } = "";

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public DnAssignment Clone() => new()
    {
        Dn = Dn?.Clone(),
        ConnectorId = ConnectorId,
    };

    /// <inheritdoc />
    public bool Equals(DnAssignment? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is DnAssignment other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Connector conference.</summary>
[MessagePackFormatter(typeof(ConnectorConferenceFormatter))]
public sealed partial class ConnectorConference : IContract<ConnectorConference>
{
    /// <summary>The conference URI.</summary>
    [Key(0)]
    public string ConferenceUri { get; set; } = "";

    /// <summary>0 only for a pooled, unused conference</summary>
    [Key(1)]
    public ulong ConnId { get; set; }

    /// <summary>The connector's ID.</summary>
    [Key(2)]
    public string ConnectorId { get; set; } = "";

    /// <summary>Scheduled at.</summary>
    [Key(3)]
    public long ScheduledAt { get; set; }

    /// <summary>Pooled.</summary>
    [Key(4)]
    public bool Pooled { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public ConnectorConference Clone() => new()
    {
        ConferenceUri = ConferenceUri,
        ConnId = ConnId,
        ConnectorId = ConnectorId,
        ScheduledAt = ScheduledAt,
        Pooled = Pooled,
    };

    /// <inheritdoc />
    public bool Equals(ConnectorConference? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ConnectorConference other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Connector conversation.</summary>
[MessagePackFormatter(typeof(ConnectorConversationFormatter))]
public sealed partial class ConnectorConversation : IContract<ConnectorConversation>
{
    /// <summary>The conversation's ID.</summary>
    [Key(0)]
    public string ConversationId { get; set; } = "";

    /// <summary>The ConnID of the call.</summary>
    [Key(1)]
    public ulong ConnId { get; set; }

    /// <summary>The conference URI.</summary>
    [Key(2)]
    public string ConferenceUri { get; set; } = "";

    /// <summary>bit flags: 1 Audio, 2 Video, 4 IM</summary>
    [Key(3)]
    public uint Modalities { get; set; }

    /// <summary>Participants.</summary>
    [Key(4)]
    public List<string> Participants { get; set; } = [];

    /// <summary>The connector's ID.</summary>
    [Key(5)]
    public string ConnectorId { get; set; } = "";

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public ConnectorConversation Clone() => new()
    {
        ConversationId = ConversationId,
        ConnId = ConnId,
        ConferenceUri = ConferenceUri,
        Modalities = Modalities,
        Participants = [.. Participants],
        ConnectorId = ConnectorId,
    };

    /// <inheritdoc />
    public bool Equals(ConnectorConversation? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ConnectorConversation other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Connector party.</summary>
[MessagePackFormatter(typeof(ConnectorPartyFormatter))]
public sealed partial class ConnectorParty : IContract<ConnectorParty>
{
    /// <summary>Sip uri.</summary>
    [Key(0)]
    public string SipUri { get; set; } = "";

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>The state.</summary>
    [Key(2)]
    public PartyState State { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public ConnectorParty Clone() => new()
    {
        SipUri = SipUri,
        Dn = Dn?.Clone(),
        State = State,
    };

    /// <inheritdoc />
    public bool Equals(ConnectorParty? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ConnectorParty other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Connector call.</summary>
[MessagePackFormatter(typeof(ConnectorCallFormatter))]
public sealed partial class ConnectorCall : IContract<ConnectorCall>
{
    /// <summary>The call's ID.</summary>
    [Key(0)]
    public string CallId { get; set; } = "";

    /// <summary>The ConnID of the call.</summary>
    [Key(1)]
    public ulong ConnId { get; set; }

    /// <summary>The conversation's ID.</summary>
    [Key(2)]
    public string ConversationId { get; set; } = "";

    /// <summary>The parties.</summary>
    [Key(3)]
    public List<ConnectorParty> Parties { get; set; } = [];

    /// <summary>The connector's ID.</summary>
    [Key(4)]
    public string ConnectorId { get; set; } = "";

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public ConnectorCall Clone() => new()
    {
        CallId = CallId,
        ConnId = ConnId,
        ConversationId = ConversationId,
        Parties = Parties.ConvertAll(item => item.Clone()),
        ConnectorId = ConnectorId,
    };

    /// <inheritdoc />
    public bool Equals(ConnectorCall? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ConnectorCall other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>B2 bcall.</summary>
[MessagePackFormatter(typeof(B2BCallFormatter))]
public sealed partial class B2BCall : IContract<B2BCall>
{
    /// <summary>B2 bid.</summary>
    [Key(0)]
    public string B2BId { get; set; } = "";

    /// <summary>The ConnID of the call.</summary>
    [Key(1)]
    public ulong ConnId { get; set; }

    /// <summary>Front leg call id.</summary>
    [Key(2)]
    public string FrontLegCallId { get; set; } = "";

    /// <summary>Back leg call id.</summary>
    [Key(3)]
    public string BackLegCallId { get; set; } = "";

    /// <summary>The state.</summary>
    [Key(4)]
    public B2BState State { get; set; }

    /// <summary>The connector's ID.</summary>
    [Key(5)]
    public string ConnectorId { get; set; } = "";

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public B2BCall Clone() => new()
    {
        B2BId = B2BId,
        ConnId = ConnId,
        FrontLegCallId = FrontLegCallId,
        BackLegCallId = BackLegCallId,
        State = State,
        ConnectorId = ConnectorId,
    };

    /// <inheritdoc />
    public bool Equals(B2BCall? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is B2BCall other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Config fingerprint.</summary>
[MessagePackFormatter(typeof(ConfigFingerprintFormatter))]
public sealed partial class ConfigFingerprint : IContract<ConfigFingerprint>
{
    /// <summary>Config version.</summary>
    [Key(0)]
    public long ConfigVersion { get; set; }

    /// <summary>Config hash.</summary>
    [Key(1)]
    public ReadOnlyMemory<byte> ConfigHash { get; set; }

    /// <summary>sorted by key (ordinal)</summary>
    [Key(2)]
    public List<KvPair> Options { get; set; } = [];

    /// <summary>Login conflict policy.</summary>
    [Key(3)]
    public LoginConflictPolicy LoginConflictPolicy { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public ConfigFingerprint Clone() => new()
    {
        ConfigVersion = ConfigVersion,
        ConfigHash = ConfigHash,
        Options = Options.ConvertAll(item => item.Clone()),
        LoginConflictPolicy = LoginConflictPolicy,
    };

    /// <inheritdoc />
    public bool Equals(ConfigFingerprint? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ConfigFingerprint other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Counters.</summary>
[MessagePackFormatter(typeof(CountersFormatter))]
public sealed partial class Counters : IContract<Counters>
{
    /// <summary>Conn id prefix.</summary>
    [Key(0)]
    public ulong ConnIdPrefix { get; set; }

    /// <summary>Next conn id counter.</summary>
    [Key(1)]
    public ulong NextConnIdCounter { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public Counters Clone() => new()
    {
        ConnIdPrefix = ConnIdPrefix,
        NextConnIdCounter = NextConnIdCounter,
    };

    /// <inheritdoc />
    public bool Equals(Counters? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Counters other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>One T-Library-style event: like a TMessage, one event kind plus the attributes it uses.</summary>
[MessagePackFormatter(typeof(EventFormatter))]
public sealed partial class Event : IContract<Event>
{
    /// <summary>The kind.</summary>
    [Key(0)]
    public EventKind Kind { get; set; }

    /// <summary>the request's ReferenceID when a client caused the event</summary>
    [Key(1)]
    public uint ReferenceId { get; set; }

    /// <summary>The ConnID of the call.</summary>
    [Key(2)]
    public ulong ConnId { get; set; }

    /// <summary>Previous conn id.</summary>
    [Key(3)]
    public ulong PreviousConnId { get; set; }

    /// <summary>This dn.</summary>
    [Key(4)]
    public DnId? ThisDn { get; set; }

    /// <summary>The other party's DN.</summary>
    [Key(5)]
    public DnId? OtherDn { get; set; }

    /// <summary>The agent's ID.</summary>
    [Key(6)]
    public string AgentId { get; set; } = "";

    /// <summary>Party state.</summary>
    [Key(7)]
    public PartyState PartyState { get; set; }

    /// <summary>Agent state.</summary>
    [Key(8)]
    public AgentState AgentState { get; set; }

    /// <summary>The agent's work mode.</summary>
    [Key(9)]
    public AgentWorkMode WorkMode { get; set; }

    /// <summary>The client session's ID.</summary>
    [Key(10)]
    public string SessionId { get; set; } = "";

    /// <summary>The connector's ID.</summary>
    [Key(11)]
    public string ConnectorId { get; set; } = "";

    /// <summary>record key, user-data key or option name</summary>
    [Key(12)]
    public string Key { get; set; } = "";

    /// <summary>the leader timestamp of the entry (ms)</summary>
    [Key(13)]
    public long Time { get; set; }

    /// <summary>Ringing, Established: the call's user data; AttachedDataChanged: the whole list after the change</summary>
    [Key(14)]
    public List<KvPair> UserData { get; set; } = [];

    /// <summary>The cause, as the switch or the client gave it.</summary>
    [Key(15)]
    public string Cause { get; set; } = "";

    /// <summary>Added with issue 13 (T-Library attributes a desktop needs); all additive.</summary>
    [Key(16)]
    public CallState CallState { get; set; }

    /// <summary>the party that joined, left, or transferred/conferenced the call</summary>
    [Key(17)]
    public DnId? ThirdPartyDn { get; set; }

    /// <summary>the ACD queue of this party, when it has one</summary>
    [Key(18)]
    public DnId? ThisQueue { get; set; }

    /// <summary>Call type.</summary>
    [Key(19)]
    public CallType CallType { get; set; }

    /// <summary>Ani.</summary>
    [Key(20)]
    public string Ani { get; set; } = "";

    /// <summary>Dnis.</summary>
    [Key(21)]
    public string Dnis { get; set; } = "";

    /// <summary>the partner call (main of a consult, consult of a main) when linked</summary>
    [Key(22)]
    public ulong TransferConnId { get; set; }

    /// <summary>EventError: why the request with reference_id was refused</summary>
    [Key(23)]
    public RejectReason Error { get; set; }

    /// <summary>EventConnectorUp: the connector's epoch, which its later commands present</summary>
    [Key(24)]
    public ulong Epoch { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public Event Clone() => new()
    {
        Kind = Kind,
        ReferenceId = ReferenceId,
        ConnId = ConnId,
        PreviousConnId = PreviousConnId,
        ThisDn = ThisDn?.Clone(),
        OtherDn = OtherDn?.Clone(),
        AgentId = AgentId,
        PartyState = PartyState,
        AgentState = AgentState,
        WorkMode = WorkMode,
        SessionId = SessionId,
        ConnectorId = ConnectorId,
        Key = Key,
        Time = Time,
        UserData = UserData.ConvertAll(item => item.Clone()),
        Cause = Cause,
        CallState = CallState,
        ThirdPartyDn = ThirdPartyDn?.Clone(),
        ThisQueue = ThisQueue?.Clone(),
        CallType = CallType,
        Ani = Ani,
        Dnis = Dnis,
        TransferConnId = TransferConnId,
        Error = Error,
        Epoch = Epoch,
    };

    /// <inheritdoc />
    public bool Equals(Event? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Event other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>What Apply returns: success with events, or a typed rejection that changed nothing.</summary>
[MessagePackFormatter(typeof(CommandResultFormatter))]
public sealed partial class CommandResult : IContract<CommandResult>
{
    /// <summary>Reject reason.</summary>
    [Key(0)]
    public RejectReason RejectReason { get; set; }

    /// <summary>Message.</summary>
    [Key(1)]
    public string Message { get; set; } = "";

    /// <summary>Events.</summary>
    [Key(2)]
    public List<Event> Events { get; set; } = [];

    /// <summary>the ConnId allocated or addressed by the command</summary>
    [Key(3)]
    public ulong ConnId { get; set; }

    /// <summary>true when this is the stored result of an earlier identical request</summary>
    [Key(4)]
    public bool Duplicate { get; set; }

    /// <summary>log index of the entry that produced the result</summary>
    [Key(5)]
    public ulong AppliedIndex { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public CommandResult Clone() => new()
    {
        RejectReason = RejectReason,
        Message = Message,
        Events = Events.ConvertAll(item => item.Clone()),
        ConnId = ConnId,
        Duplicate = Duplicate,
        AppliedIndex = AppliedIndex,
    };

    /// <inheritdoc />
    public bool Equals(CommandResult? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is CommandResult other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Dedupe entry.</summary>
[MessagePackFormatter(typeof(DedupeEntryFormatter))]
public sealed partial class DedupeEntry : IContract<DedupeEntry>
{
    /// <summary>The client session's ID.</summary>
    [Key(0)]
    public string SessionId { get; set; } = "";

    /// <summary>The request's ReferenceID (0: none).</summary>
    [Key(1)]
    public uint ReferenceId { get; set; }

    /// <summary>Applied at.</summary>
    [Key(2)]
    public long AppliedAt { get; set; }

    /// <summary>Result.</summary>
    [Key(3)]
    public CommandResult? Result { get; set; }

    /// <summary>The source (a connector ID) of a replay-deduplicated command; empty for a session's request</summary>
    [Key(4)]
    public string Source { get; set; } = "";

    /// <summary>The source sequence of that command</summary>
    [Key(5)]
    public ulong SourceSequence { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public DedupeEntry Clone() => new()
    {
        SessionId = SessionId,
        ReferenceId = ReferenceId,
        AppliedAt = AppliedAt,
        Result = Result?.Clone(),
        Source = Source,
        SourceSequence = SourceSequence,
    };

    /// <inheritdoc />
    public bool Equals(DedupeEntry? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is DedupeEntry other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>The whole state, every collection sorted by key: its bytes are canonical and hashable.</summary>
[MessagePackFormatter(typeof(SnapshotFormatter))]
public sealed partial class Snapshot : IContract<Snapshot>
{
    /// <summary>Format version.</summary>
    [Key(0)]
    public uint FormatVersion { get; set; }

    /// <summary>Counters.</summary>
    [Key(1)]
    public Counters? Counters { get; set; }

    /// <summary>Config.</summary>
    [Key(2)]
    public ConfigFingerprint? Config { get; set; }

    /// <summary>Calls.</summary>
    [Key(3)]
    public List<Call> Calls { get; set; } = [];

    /// <summary>Agents.</summary>
    [Key(4)]
    public List<Agent> Agents { get; set; } = [];

    /// <summary>Dns.</summary>
    [Key(5)]
    public List<Dn> Dns { get; set; } = [];

    /// <summary>Subscriptions.</summary>
    [Key(6)]
    public List<Subscription> Subscriptions { get; set; } = [];

    /// <summary>Sessions.</summary>
    [Key(7)]
    public List<ClientSession> Sessions { get; set; } = [];

    /// <summary>Dedupe.</summary>
    [Key(8)]
    public List<DedupeEntry> Dedupe { get; set; } = [];

    /// <summary>Connectors.</summary>
    [Key(9)]
    public List<Connector> Connectors { get; set; } = [];

    /// <summary>Dn assignments.</summary>
    [Key(10)]
    public List<DnAssignment> DnAssignments { get; set; } = [];

    /// <summary>Conferences.</summary>
    [Key(11)]
    public List<ConnectorConference> Conferences { get; set; } = [];

    /// <summary>Conversations.</summary>
    [Key(12)]
    public List<ConnectorConversation> Conversations { get; set; } = [];

    /// <summary>Connector calls.</summary>
    [Key(13)]
    public List<ConnectorCall> ConnectorCalls { get; set; } = [];

    /// <summary>B2 bcalls.</summary>
    [Key(14)]
    public List<B2BCall> B2BCalls { get; set; } = [];

    /// <summary>Dedupe entries of commands from a source (connector), by source then in application order (format 3).</summary>
    [Key(15)]
    public List<DedupeEntry> SourceDedupe { get; set; } = [];

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public Snapshot Clone() => new()
    {
        FormatVersion = FormatVersion,
        Counters = Counters?.Clone(),
        Config = Config?.Clone(),
        Calls = Calls.ConvertAll(item => item.Clone()),
        Agents = Agents.ConvertAll(item => item.Clone()),
        Dns = Dns.ConvertAll(item => item.Clone()),
        Subscriptions = Subscriptions.ConvertAll(item => item.Clone()),
        Sessions = Sessions.ConvertAll(item => item.Clone()),
        Dedupe = Dedupe.ConvertAll(item => item.Clone()),
        Connectors = Connectors.ConvertAll(item => item.Clone()),
        DnAssignments = DnAssignments.ConvertAll(item => item.Clone()),
        Conferences = Conferences.ConvertAll(item => item.Clone()),
        Conversations = Conversations.ConvertAll(item => item.Clone()),
        ConnectorCalls = ConnectorCalls.ConvertAll(item => item.Clone()),
        B2BCalls = B2BCalls.ConvertAll(item => item.Clone()),
        SourceDedupe = SourceDedupe.ConvertAll(item => item.Clone()),
    };

    /// <inheritdoc />
    public bool Equals(Snapshot? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Snapshot other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}
