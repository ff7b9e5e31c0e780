using MessagePack;

namespace HaCore.ContactCenter;

/// <summary>---- §2.1 call commands ----</summary>
[MessagePackFormatter(typeof(CallCreatedFormatter))]
public sealed partial class CallCreated : IContract<CallCreated>, ICommandKind
{
    /// <summary>The DN.</summary>
    [Key(0)]
    public DnId? Dn { get; set; }

    /// <summary>Dialing, Alerting, Queued, Routing or Connected</summary>
    [Key(1)]
    public PartyState InitialState { get; set; }

    /// <summary>The party's role in the call.</summary>
    [Key(2)]
    public PartyRole Role { get; set; }

    /// <summary>The other party's DN.</summary>
    [Key(3)]
    public DnId? OtherDn { get; set; }

    /// <summary>Call type.</summary>
    [Key(4)]
    public CallType CallType { get; set; }

    /// <summary>Media type.</summary>
    [Key(5)]
    public MediaType MediaType { get; set; }

    /// <summary>Ani.</summary>
    [Key(6)]
    public string Ani { get; set; } = "";

    /// <summary>Dnis.</summary>
    [Key(7)]
    public string Dnis { get; set; } = "";

    /// <summary>empty: derived from the allocated ConnId</summary>
    [Key(8)]
    public string CallUuid { get; set; } = "";

    /// <summary>main call of a consult call (must be live)</summary>
    [Key(9)]
    public ulong OrigConnId { get; set; }

    /// <summary>The call's ID.</summary>
    [Key(10)]
    public long CallId { get; set; }

    /// <summary>Network call id.</summary>
    [Key(11)]
    public ulong NetworkCallId { get; set; }

    /// <summary>Node id.</summary>
    [Key(12)]
    public int NodeId { get; set; }

    /// <summary>Escalation mode.</summary>
    [Key(13)]
    public EscalationMode EscalationMode { get; set; }

    /// <summary>The agent's ID.</summary>
    [Key(14)]
    public string AgentId { get; set; } = "";

    /// <summary>The ACD queue of this party, when it has one.</summary>
    [Key(15)]
    public DnId? ThisQueue { get; set; }

    /// <summary>The attached user data.</summary>
    [Key(16)]
    public List<KvPair> UserData { get; set; } = [];

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public CallCreated Clone() => new()
    {
        Dn = Dn?.Clone(),
        InitialState = InitialState,
        Role = Role,
        OtherDn = OtherDn?.Clone(),
        CallType = CallType,
        MediaType = MediaType,
        Ani = Ani,
        Dnis = Dnis,
        CallUuid = CallUuid,
        OrigConnId = OrigConnId,
        CallId = CallId,
        NetworkCallId = NetworkCallId,
        NodeId = NodeId,
        EscalationMode = EscalationMode,
        AgentId = AgentId,
        ThisQueue = ThisQueue?.Clone(),
        UserData = UserData.ConvertAll(item => item.Clone()),
    };

    /// <inheritdoc />
    public bool Equals(CallCreated? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is CallCreated other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Party dialing.</summary>
[MessagePackFormatter(typeof(PartyDialingFormatter))]
public sealed partial class PartyDialing : IContract<PartyDialing>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>The other party's DN.</summary>
    [Key(2)]
    public DnId? OtherDn { get; set; }

    /// <summary>The agent's ID.</summary>
    [Key(3)]
    public string AgentId { get; set; } = "";

    /// <summary>The ACD queue of this party, when it has one.</summary>
    [Key(4)]
    public DnId? ThisQueue { get; set; }

    /// <summary>The party's role in the call.</summary>
    [Key(5)]
    public PartyRole Role { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public PartyDialing Clone() => new()
    {
        ConnId = ConnId,
        Dn = Dn?.Clone(),
        OtherDn = OtherDn?.Clone(),
        AgentId = AgentId,
        ThisQueue = ThisQueue?.Clone(),
        Role = Role,
    };

    /// <inheritdoc />
    public bool Equals(PartyDialing? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PartyDialing other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Party ringing.</summary>
[MessagePackFormatter(typeof(PartyRingingFormatter))]
public sealed partial class PartyRinging : IContract<PartyRinging>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>The other party's DN.</summary>
    [Key(2)]
    public DnId? OtherDn { get; set; }

    /// <summary>The agent's ID.</summary>
    [Key(3)]
    public string AgentId { get; set; } = "";

    /// <summary>The ACD queue of this party, when it has one.</summary>
    [Key(4)]
    public DnId? ThisQueue { get; set; }

    /// <summary>The party's role in the call.</summary>
    [Key(5)]
    public PartyRole Role { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public PartyRinging Clone() => new()
    {
        ConnId = ConnId,
        Dn = Dn?.Clone(),
        OtherDn = OtherDn?.Clone(),
        AgentId = AgentId,
        ThisQueue = ThisQueue?.Clone(),
        Role = Role,
    };

    /// <inheritdoc />
    public bool Equals(PartyRinging? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PartyRinging other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Party established.</summary>
[MessagePackFormatter(typeof(PartyEstablishedFormatter))]
public sealed partial class PartyEstablished : IContract<PartyEstablished>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>The other party's DN.</summary>
    [Key(2)]
    public DnId? OtherDn { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public PartyEstablished Clone() => new()
    {
        ConnId = ConnId,
        Dn = Dn?.Clone(),
        OtherDn = OtherDn?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(PartyEstablished? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PartyEstablished other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Party held.</summary>
[MessagePackFormatter(typeof(PartyHeldFormatter))]
public sealed partial class PartyHeld : IContract<PartyHeld>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public PartyHeld Clone() => new()
    {
        ConnId = ConnId,
        Dn = Dn?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(PartyHeld? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PartyHeld other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Party retrieved.</summary>
[MessagePackFormatter(typeof(PartyRetrievedFormatter))]
public sealed partial class PartyRetrieved : IContract<PartyRetrieved>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public PartyRetrieved Clone() => new()
    {
        ConnId = ConnId,
        Dn = Dn?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(PartyRetrieved? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PartyRetrieved other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Party queued.</summary>
[MessagePackFormatter(typeof(PartyQueuedFormatter))]
public sealed partial class PartyQueued : IContract<PartyQueued>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The ACD queue.</summary>
    [Key(1)]
    public DnId? Queue { get; set; }

    /// <summary>The other party's DN.</summary>
    [Key(2)]
    public DnId? OtherDn { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public PartyQueued Clone() => new()
    {
        ConnId = ConnId,
        Queue = Queue?.Clone(),
        OtherDn = OtherDn?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(PartyQueued? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PartyQueued other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Party diverted.</summary>
[MessagePackFormatter(typeof(PartyDivertedFormatter))]
public sealed partial class PartyDiverted : IContract<PartyDiverted>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>The destination DN.</summary>
    [Key(2)]
    public DnId? Destination { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public PartyDiverted Clone() => new()
    {
        ConnId = ConnId,
        Dn = Dn?.Clone(),
        Destination = Destination?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(PartyDiverted? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PartyDiverted other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Abandoned.</summary>
[MessagePackFormatter(typeof(AbandonedFormatter))]
public sealed partial class Abandoned : IContract<Abandoned>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public Abandoned Clone() => new()
    {
        ConnId = ConnId,
        Dn = Dn?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(Abandoned? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Abandoned other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Destination busy.</summary>
[MessagePackFormatter(typeof(DestinationBusyFormatter))]
public sealed partial class DestinationBusy : IContract<DestinationBusy>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>The other party's DN.</summary>
    [Key(2)]
    public DnId? OtherDn { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public DestinationBusy Clone() => new()
    {
        ConnId = ConnId,
        Dn = Dn?.Clone(),
        OtherDn = OtherDn?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(DestinationBusy? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is DestinationBusy other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Party added.</summary>
[MessagePackFormatter(typeof(PartyAddedFormatter))]
public sealed partial class PartyAdded : IContract<PartyAdded>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>The party's role in the call.</summary>
    [Key(2)]
    public PartyRole Role { get; set; }

    /// <summary>The agent's ID.</summary>
    [Key(3)]
    public string AgentId { get; set; } = "";

    /// <summary>The other party's DN.</summary>
    [Key(4)]
    public DnId? OtherDn { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public PartyAdded Clone() => new()
    {
        ConnId = ConnId,
        Dn = Dn?.Clone(),
        Role = Role,
        AgentId = AgentId,
        OtherDn = OtherDn?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(PartyAdded? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PartyAdded other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Party deleted.</summary>
[MessagePackFormatter(typeof(PartyDeletedFormatter))]
public sealed partial class PartyDeleted : IContract<PartyDeleted>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public PartyDeleted Clone() => new()
    {
        ConnId = ConnId,
        Dn = Dn?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(PartyDeleted? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PartyDeleted other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Transfer/conference completion: the call takes new_conn_id (an existing consult call that is merged into it, or 0 to allocate one); PreviousConnId keeps the old ID and CallUuid is kept.</summary>
[MessagePackFormatter(typeof(PartyChangedFormatter))]
public sealed partial class PartyChanged : IContract<PartyChanged>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>New conn id.</summary>
    [Key(1)]
    public ulong NewConnId { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public PartyChanged Clone() => new()
    {
        ConnId = ConnId,
        NewConnId = NewConnId,
    };

    /// <inheritdoc />
    public bool Equals(PartyChanged? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PartyChanged other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Transfer started.</summary>
[MessagePackFormatter(typeof(TransferStartedFormatter))]
public sealed partial class TransferStarted : IContract<TransferStarted>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>Controller.</summary>
    [Key(1)]
    public DnId? Controller { get; set; }

    /// <summary>The kind.</summary>
    [Key(2)]
    public TransferKind Kind { get; set; }

    /// <summary>Target.</summary>
    [Key(3)]
    public DnId? Target { get; set; }

    /// <summary>Consult conn id.</summary>
    [Key(4)]
    public ulong ConsultConnId { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public TransferStarted Clone() => new()
    {
        ConnId = ConnId,
        Controller = Controller?.Clone(),
        Kind = Kind,
        Target = Target?.Clone(),
        ConsultConnId = ConsultConnId,
    };

    /// <inheritdoc />
    public bool Equals(TransferStarted? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TransferStarted other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Transfer completed.</summary>
[MessagePackFormatter(typeof(TransferCompletedFormatter))]
public sealed partial class TransferCompleted : IContract<TransferCompleted>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public TransferCompleted Clone() => new()
    {
        ConnId = ConnId,
    };

    /// <inheritdoc />
    public bool Equals(TransferCompleted? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TransferCompleted other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Transfer aborted.</summary>
[MessagePackFormatter(typeof(TransferAbortedFormatter))]
public sealed partial class TransferAborted : IContract<TransferAborted>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public TransferAborted Clone() => new()
    {
        ConnId = ConnId,
    };

    /// <inheritdoc />
    public bool Equals(TransferAborted? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TransferAborted other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Party released.</summary>
[MessagePackFormatter(typeof(PartyReleasedFormatter))]
public sealed partial class PartyReleased : IContract<PartyReleased>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>The cause, as the switch or the client gave it.</summary>
    [Key(2)]
    public string Cause { get; set; } = "";

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public PartyReleased Clone() => new()
    {
        ConnId = ConnId,
        Dn = Dn?.Clone(),
        Cause = Cause,
    };

    /// <inheritdoc />
    public bool Equals(PartyReleased? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PartyReleased other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Call released.</summary>
[MessagePackFormatter(typeof(CallReleasedFormatter))]
public sealed partial class CallReleased : IContract<CallReleased>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The cause, as the switch or the client gave it.</summary>
    [Key(1)]
    public string Cause { get; set; } = "";

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public CallReleased Clone() => new()
    {
        ConnId = ConnId,
        Cause = Cause,
    };

    /// <inheritdoc />
    public bool Equals(CallReleased? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is CallReleased other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>A log-timed sweep (proposed periodically, e.g. by the leader's connector supervisor): releases the calls whose last change is older than idle_ms of leader time, lowest ConnId first, at most max_calls of them; with only_unanswered, calls with a Connected or Held party are kept.</summary>
[MessagePackFormatter(typeof(CallsSweptFormatter))]
public sealed partial class CallsSwept : IContract<CallsSwept>, ICommandKind
{
    /// <summary>Idle ms.</summary>
    [Key(0)]
    public long IdleMs { get; set; }

    /// <summary>Max calls.</summary>
    [Key(1)]
    public uint MaxCalls { get; set; }

    /// <summary>Only unanswered.</summary>
    [Key(2)]
    public bool OnlyUnanswered { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public CallsSwept Clone() => new()
    {
        IdleMs = IdleMs,
        MaxCalls = MaxCalls,
        OnlyUnanswered = OnlyUnanswered,
    };

    /// <inheritdoc />
    public bool Equals(CallsSwept? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is CallsSwept other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Route requested.</summary>
[MessagePackFormatter(typeof(RouteRequestedFormatter))]
public sealed partial class RouteRequested : IContract<RouteRequested>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>Route point.</summary>
    [Key(1)]
    public DnId? RoutePoint { get; set; }

    /// <summary>The timeout, in milliseconds of leader time.</summary>
    [Key(2)]
    public long TimeoutMs { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public RouteRequested Clone() => new()
    {
        ConnId = ConnId,
        RoutePoint = RoutePoint?.Clone(),
        TimeoutMs = TimeoutMs,
    };

    /// <inheritdoc />
    public bool Equals(RouteRequested? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is RouteRequested other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Route used.</summary>
[MessagePackFormatter(typeof(RouteUsedFormatter))]
public sealed partial class RouteUsed : IContract<RouteUsed>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The destination DN.</summary>
    [Key(1)]
    public DnId? Destination { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public RouteUsed Clone() => new()
    {
        ConnId = ConnId,
        Destination = Destination?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(RouteUsed? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is RouteUsed other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Route timed out.</summary>
[MessagePackFormatter(typeof(RouteTimedOutFormatter))]
public sealed partial class RouteTimedOut : IContract<RouteTimedOut>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public RouteTimedOut Clone() => new()
    {
        ConnId = ConnId,
    };

    /// <inheritdoc />
    public bool Equals(RouteTimedOut? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is RouteTimedOut other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>User data attached.</summary>
[MessagePackFormatter(typeof(UserDataAttachedFormatter))]
public sealed partial class UserDataAttached : IContract<UserDataAttached>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The key-value pairs.</summary>
    [Key(1)]
    public List<KvPair> Pairs { get; set; } = [];

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public UserDataAttached Clone() => new()
    {
        ConnId = ConnId,
        Pairs = Pairs.ConvertAll(item => item.Clone()),
    };

    /// <inheritdoc />
    public bool Equals(UserDataAttached? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is UserDataAttached other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>User data updated.</summary>
[MessagePackFormatter(typeof(UserDataUpdatedFormatter))]
public sealed partial class UserDataUpdated : IContract<UserDataUpdated>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The key-value pairs.</summary>
    [Key(1)]
    public List<KvPair> Pairs { get; set; } = [];

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public UserDataUpdated Clone() => new()
    {
        ConnId = ConnId,
        Pairs = Pairs.ConvertAll(item => item.Clone()),
    };

    /// <inheritdoc />
    public bool Equals(UserDataUpdated? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is UserDataUpdated other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>User data key deleted.</summary>
[MessagePackFormatter(typeof(UserDataKeyDeletedFormatter))]
public sealed partial class UserDataKeyDeleted : IContract<UserDataKeyDeleted>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The key.</summary>
    [Key(1)]
    public string Key { get; set; } = "";

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public UserDataKeyDeleted Clone() => new()
    {
        ConnId = ConnId,
        Key = Key,
    };

    /// <inheritdoc />
    public bool Equals(UserDataKeyDeleted? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is UserDataKeyDeleted other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>User data cleared.</summary>
[MessagePackFormatter(typeof(UserDataClearedFormatter))]
public sealed partial class UserDataCleared : IContract<UserDataCleared>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public UserDataCleared Clone() => new()
    {
        ConnId = ConnId,
    };

    /// <inheritdoc />
    public bool Equals(UserDataCleared? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is UserDataCleared other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Treatment requested.</summary>
[MessagePackFormatter(typeof(TreatmentRequestedFormatter))]
public sealed partial class TreatmentRequested : IContract<TreatmentRequested>, ICommandKind, IAddressesCall
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

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public TreatmentRequested Clone() => new()
    {
        ConnId = ConnId,
        Dn = Dn?.Clone(),
        Type = Type,
        Parameters = Parameters.ConvertAll(item => item.Clone()),
    };

    /// <inheritdoc />
    public bool Equals(TreatmentRequested? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TreatmentRequested other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Treatment applied.</summary>
[MessagePackFormatter(typeof(TreatmentAppliedFormatter))]
public sealed partial class TreatmentApplied : IContract<TreatmentApplied>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>Media resource.</summary>
    [Key(2)]
    public string MediaResource { get; set; } = "";

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public TreatmentApplied Clone() => new()
    {
        ConnId = ConnId,
        Dn = Dn?.Clone(),
        MediaResource = MediaResource,
    };

    /// <inheritdoc />
    public bool Equals(TreatmentApplied? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TreatmentApplied other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Treatment ended.</summary>
[MessagePackFormatter(typeof(TreatmentEndedFormatter))]
public sealed partial class TreatmentEnded : IContract<TreatmentEnded>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public TreatmentEnded Clone() => new()
    {
        ConnId = ConnId,
        Dn = Dn?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(TreatmentEnded? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TreatmentEnded other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Treatment not applied.</summary>
[MessagePackFormatter(typeof(TreatmentNotAppliedFormatter))]
public sealed partial class TreatmentNotApplied : IContract<TreatmentNotApplied>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>The cause, as the switch or the client gave it.</summary>
    [Key(2)]
    public string Cause { get; set; } = "";

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public TreatmentNotApplied Clone() => new()
    {
        ConnId = ConnId,
        Dn = Dn?.Clone(),
        Cause = Cause,
    };

    /// <inheritdoc />
    public bool Equals(TreatmentNotApplied? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TreatmentNotApplied other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Iscc requested.</summary>
[MessagePackFormatter(typeof(IsccRequestedFormatter))]
public sealed partial class IsccRequested : IContract<IsccRequested>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The ISCC transaction ID.</summary>
    [Key(1)]
    public uint TransactionId { get; set; }

    /// <summary>Direction.</summary>
    [Key(2)]
    public IsccDirection Direction { get; set; }

    /// <summary>Remote location.</summary>
    [Key(3)]
    public string RemoteLocation { get; set; } = "";

    /// <summary>Cast type.</summary>
    [Key(4)]
    public IsccCastType CastType { get; set; }

    /// <summary>The timeout, in milliseconds of leader time.</summary>
    [Key(5)]
    public long TimeoutMs { get; set; }

    /// <summary>Token.</summary>
    [Key(6)]
    public string Token { get; set; } = "";

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public IsccRequested Clone() => new()
    {
        ConnId = ConnId,
        TransactionId = TransactionId,
        Direction = Direction,
        RemoteLocation = RemoteLocation,
        CastType = CastType,
        TimeoutMs = TimeoutMs,
        Token = Token,
    };

    /// <inheritdoc />
    public bool Equals(IsccRequested? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is IsccRequested other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Iscc resource allocated.</summary>
[MessagePackFormatter(typeof(IsccResourceAllocatedFormatter))]
public sealed partial class IsccResourceAllocated : IContract<IsccResourceAllocated>, ICommandKind
{
    /// <summary>The ISCC transaction ID.</summary>
    [Key(0)]
    public uint TransactionId { get; set; }

    /// <summary>Access resource.</summary>
    [Key(1)]
    public DnId? AccessResource { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public IsccResourceAllocated Clone() => new()
    {
        TransactionId = TransactionId,
        AccessResource = AccessResource?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(IsccResourceAllocated? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is IsccResourceAllocated other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Iscc succeeded.</summary>
[MessagePackFormatter(typeof(IsccSucceededFormatter))]
public sealed partial class IsccSucceeded : IContract<IsccSucceeded>, ICommandKind
{
    /// <summary>The ISCC transaction ID.</summary>
    [Key(0)]
    public uint TransactionId { get; set; }

    /// <summary>Remote conn id.</summary>
    [Key(1)]
    public ulong RemoteConnId { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public IsccSucceeded Clone() => new()
    {
        TransactionId = TransactionId,
        RemoteConnId = RemoteConnId,
    };

    /// <inheritdoc />
    public bool Equals(IsccSucceeded? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is IsccSucceeded other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Iscc failed.</summary>
[MessagePackFormatter(typeof(IsccFailedFormatter))]
public sealed partial class IsccFailed : IContract<IsccFailed>, ICommandKind
{
    /// <summary>The ISCC transaction ID.</summary>
    [Key(0)]
    public uint TransactionId { get; set; }

    /// <summary>The cause, as the switch or the client gave it.</summary>
    [Key(1)]
    public string Cause { get; set; } = "";

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public IsccFailed Clone() => new()
    {
        TransactionId = TransactionId,
        Cause = Cause,
    };

    /// <inheritdoc />
    public bool Equals(IsccFailed? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is IsccFailed other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Iscc timed out.</summary>
[MessagePackFormatter(typeof(IsccTimedOutFormatter))]
public sealed partial class IsccTimedOut : IContract<IsccTimedOut>, ICommandKind
{
    /// <summary>The ISCC transaction ID.</summary>
    [Key(0)]
    public uint TransactionId { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public IsccTimedOut Clone() => new()
    {
        TransactionId = TransactionId,
    };

    /// <inheritdoc />
    public bool Equals(IsccTimedOut? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is IsccTimedOut other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>---- §2.2 agent, DN, session, connector and configuration commands ----</summary>
[MessagePackFormatter(typeof(AgentLoggedInFormatter))]
public sealed partial class AgentLoggedIn : IContract<AgentLoggedIn>, ICommandKind
{
    /// <summary>The agent's ID.</summary>
    [Key(0)]
    public string AgentId { get; set; } = "";

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>The ACD queue.</summary>
    [Key(2)]
    public DnId? Queue { get; set; }

    /// <summary>The agent's work mode.</summary>
    [Key(3)]
    public AgentWorkMode WorkMode { get; set; }

    /// <summary>The reason codes.</summary>
    [Key(4)]
    public List<KvPair> Reasons { get; set; } = [];

    /// <summary>The place.</summary>
    [Key(5)]
    public string Place { get; set; } = "";

    /// <summary>Employee id.</summary>
    [Key(6)]
    public string EmployeeId { get; set; } = "";

    /// <summary>Preferred site.</summary>
    [Key(7)]
    public string PreferredSite { get; set; } = "";

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public AgentLoggedIn Clone() => new()
    {
        AgentId = AgentId,
        Dn = Dn?.Clone(),
        Queue = Queue?.Clone(),
        WorkMode = WorkMode,
        Reasons = Reasons.ConvertAll(item => item.Clone()),
        Place = Place,
        EmployeeId = EmployeeId,
        PreferredSite = PreferredSite,
    };

    /// <inheritdoc />
    public bool Equals(AgentLoggedIn? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is AgentLoggedIn other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Agent logged out.</summary>
[MessagePackFormatter(typeof(AgentLoggedOutFormatter))]
public sealed partial class AgentLoggedOut : IContract<AgentLoggedOut>, ICommandKind
{
    /// <summary>The agent's ID.</summary>
    [Key(0)]
    public string AgentId { get; set; } = "";

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public AgentLoggedOut Clone() => new()
    {
        AgentId = AgentId,
    };

    /// <inheritdoc />
    public bool Equals(AgentLoggedOut? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is AgentLoggedOut other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Agent ready.</summary>
[MessagePackFormatter(typeof(AgentReadyFormatter))]
public sealed partial class AgentReady : IContract<AgentReady>, ICommandKind
{
    /// <summary>The agent's ID.</summary>
    [Key(0)]
    public string AgentId { get; set; } = "";

    /// <summary>The agent's work mode.</summary>
    [Key(1)]
    public AgentWorkMode WorkMode { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public AgentReady Clone() => new()
    {
        AgentId = AgentId,
        WorkMode = WorkMode,
    };

    /// <inheritdoc />
    public bool Equals(AgentReady? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is AgentReady other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Agent not ready.</summary>
[MessagePackFormatter(typeof(AgentNotReadyFormatter))]
public sealed partial class AgentNotReady : IContract<AgentNotReady>, ICommandKind
{
    /// <summary>The agent's ID.</summary>
    [Key(0)]
    public string AgentId { get; set; } = "";

    /// <summary>The agent's work mode.</summary>
    [Key(1)]
    public AgentWorkMode WorkMode { get; set; }

    /// <summary>The reason codes.</summary>
    [Key(2)]
    public List<KvPair> Reasons { get; set; } = [];

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public AgentNotReady Clone() => new()
    {
        AgentId = AgentId,
        WorkMode = WorkMode,
        Reasons = Reasons.ConvertAll(item => item.Clone()),
    };

    /// <inheritdoc />
    public bool Equals(AgentNotReady? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is AgentNotReady other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Dn out of service.</summary>
[MessagePackFormatter(typeof(DnOutOfServiceFormatter))]
public sealed partial class DnOutOfService : IContract<DnOutOfService>, ICommandKind
{
    /// <summary>The DN.</summary>
    [Key(0)]
    public DnId? Dn { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public DnOutOfService Clone() => new()
    {
        Dn = Dn?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(DnOutOfService? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is DnOutOfService other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Dn back in service.</summary>
[MessagePackFormatter(typeof(DnBackInServiceFormatter))]
public sealed partial class DnBackInService : IContract<DnBackInService>, ICommandKind
{
    /// <summary>The DN.</summary>
    [Key(0)]
    public DnId? Dn { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public DnBackInService Clone() => new()
    {
        Dn = Dn?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(DnBackInService? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is DnBackInService other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Dnd on.</summary>
[MessagePackFormatter(typeof(DndOnFormatter))]
public sealed partial class DndOn : IContract<DndOn>, ICommandKind
{
    /// <summary>The DN.</summary>
    [Key(0)]
    public DnId? Dn { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public DndOn Clone() => new()
    {
        Dn = Dn?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(DndOn? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is DndOn other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Dnd off.</summary>
[MessagePackFormatter(typeof(DndOffFormatter))]
public sealed partial class DndOff : IContract<DndOff>, ICommandKind
{
    /// <summary>The DN.</summary>
    [Key(0)]
    public DnId? Dn { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public DndOff Clone() => new()
    {
        Dn = Dn?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(DndOff? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is DndOff other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Forward set.</summary>
[MessagePackFormatter(typeof(ForwardSetFormatter))]
public sealed partial class ForwardSet : IContract<ForwardSet>, ICommandKind
{
    /// <summary>The DN.</summary>
    [Key(0)]
    public DnId? Dn { get; set; }

    /// <summary>The mode.</summary>
    [Key(1)]
    public ForwardMode Mode { get; set; }

    /// <summary>The destination DN.</summary>
    [Key(2)]
    public DnId? Destination { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public ForwardSet Clone() => new()
    {
        Dn = Dn?.Clone(),
        Mode = Mode,
        Destination = Destination?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(ForwardSet? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ForwardSet other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Forward cancel.</summary>
[MessagePackFormatter(typeof(ForwardCancelFormatter))]
public sealed partial class ForwardCancel : IContract<ForwardCancel>, ICommandKind
{
    /// <summary>The DN.</summary>
    [Key(0)]
    public DnId? Dn { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public ForwardCancel Clone() => new()
    {
        Dn = Dn?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(ForwardCancel? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ForwardCancel other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Mute on.</summary>
[MessagePackFormatter(typeof(MuteOnFormatter))]
public sealed partial class MuteOn : IContract<MuteOn>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public MuteOn Clone() => new()
    {
        ConnId = ConnId,
        Dn = Dn?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(MuteOn? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is MuteOn other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Mute off.</summary>
[MessagePackFormatter(typeof(MuteOffFormatter))]
public sealed partial class MuteOff : IContract<MuteOff>, ICommandKind, IAddressesCall
{
    /// <summary>The ConnID of the call.</summary>
    [Key(0)]
    public ulong ConnId { get; set; }

    /// <summary>The DN.</summary>
    [Key(1)]
    public DnId? Dn { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public MuteOff Clone() => new()
    {
        ConnId = ConnId,
        Dn = Dn?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(MuteOff? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is MuteOff other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Session opened.</summary>
[MessagePackFormatter(typeof(SessionOpenedFormatter))]
public sealed partial class SessionOpened : IContract<SessionOpened>, ICommandKind
{
    /// <summary>The client session's ID.</summary>
    [Key(0)]
    public string SessionId { get; set; } = "";

    /// <summary>Client name.</summary>
    [Key(1)]
    public string ClientName { get; set; } = "";

    /// <summary>The lease, in milliseconds of leader time.</summary>
    [Key(2)]
    public long LeaseMs { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public SessionOpened Clone() => new()
    {
        SessionId = SessionId,
        ClientName = ClientName,
        LeaseMs = LeaseMs,
    };

    /// <inheritdoc />
    public bool Equals(SessionOpened? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SessionOpened other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Session renewed.</summary>
[MessagePackFormatter(typeof(SessionRenewedFormatter))]
public sealed partial class SessionRenewed : IContract<SessionRenewed>, ICommandKind
{
    /// <summary>The client session's ID.</summary>
    [Key(0)]
    public string SessionId { get; set; } = "";

    /// <summary>The lease, in milliseconds of leader time.</summary>
    [Key(1)]
    public long LeaseMs { get; set; }

    /// <summary>Last acked index.</summary>
    [Key(2)]
    public ulong LastAckedIndex { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public SessionRenewed Clone() => new()
    {
        SessionId = SessionId,
        LeaseMs = LeaseMs,
        LastAckedIndex = LastAckedIndex,
    };

    /// <inheritdoc />
    public bool Equals(SessionRenewed? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SessionRenewed other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Expires one session whose lease has run out, or (session_id empty) every such session.</summary>
[MessagePackFormatter(typeof(SessionExpiredFormatter))]
public sealed partial class SessionExpired : IContract<SessionExpired>, ICommandKind
{
    /// <summary>The client session's ID.</summary>
    [Key(0)]
    public string SessionId { get; set; } = "";

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public SessionExpired Clone() => new()
    {
        SessionId = SessionId,
    };

    /// <inheritdoc />
    public bool Equals(SessionExpired? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SessionExpired other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Address registered.</summary>
[MessagePackFormatter(typeof(AddressRegisteredFormatter))]
public sealed partial class AddressRegistered : IContract<AddressRegistered>, ICommandKind
{
    /// <summary>The DN.</summary>
    [Key(0)]
    public DnId? Dn { get; set; }

    /// <summary>Register mode.</summary>
    [Key(1)]
    public RegisterMode RegisterMode { get; set; }

    /// <summary>Control mode.</summary>
    [Key(2)]
    public ControlMode ControlMode { get; set; }

    /// <summary>Address type.</summary>
    [Key(3)]
    public AddressType AddressType { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public AddressRegistered Clone() => new()
    {
        Dn = Dn?.Clone(),
        RegisterMode = RegisterMode,
        ControlMode = ControlMode,
        AddressType = AddressType,
    };

    /// <inheritdoc />
    public bool Equals(AddressRegistered? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is AddressRegistered other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Address unregistered.</summary>
[MessagePackFormatter(typeof(AddressUnregisteredFormatter))]
public sealed partial class AddressUnregistered : IContract<AddressUnregistered>, ICommandKind
{
    /// <summary>The DN.</summary>
    [Key(0)]
    public DnId? Dn { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public AddressUnregistered Clone() => new()
    {
        Dn = Dn?.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(AddressUnregistered? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is AddressUnregistered other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Connector up.</summary>
[MessagePackFormatter(typeof(ConnectorUpFormatter))]
public sealed partial class ConnectorUp : IContract<ConnectorUp>, ICommandKind
{
    /// <summary>The connector's ID.</summary>
    [Key(0)]
    public string ConnectorId { get; set; } = "";

    /// <summary>The connector's endpoint.</summary>
    [Key(1)]
    public string Endpoint { get; set; } = "";

    /// <summary>The connector's pool.</summary>
    [Key(2)]
    public string Pool { get; set; } = "";

    /// <summary>The lease, in milliseconds of leader time.</summary>
    [Key(3)]
    public long LeaseMs { get; set; }

    /// <summary>0 starts a new incarnation (the state assigns the next epoch); the current epoch renews its lease</summary>
    [Key(4)]
    public ulong Epoch { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public ConnectorUp Clone() => new()
    {
        ConnectorId = ConnectorId,
        Endpoint = Endpoint,
        Pool = Pool,
        LeaseMs = LeaseMs,
        Epoch = Epoch,
    };

    /// <inheritdoc />
    public bool Equals(ConnectorUp? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ConnectorUp other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Connector down.</summary>
[MessagePackFormatter(typeof(ConnectorDownFormatter))]
public sealed partial class ConnectorDown : IContract<ConnectorDown>, ICommandKind
{
    /// <summary>The connector's ID.</summary>
    [Key(0)]
    public string ConnectorId { get; set; } = "";

    /// <summary>The epoch of the incarnation that goes down (must be the current one)</summary>
    [Key(1)]
    public ulong Epoch { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public ConnectorDown Clone() => new()
    {
        ConnectorId = ConnectorId,
        Epoch = Epoch,
    };

    /// <inheritdoc />
    public bool Equals(ConnectorDown? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ConnectorDown other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Every move for one failed connector in one entry; an empty connector_id in a pair unassigns.</summary>
[MessagePackFormatter(typeof(DnsReassignedFormatter))]
public sealed partial class DnsReassigned : IContract<DnsReassigned>, ICommandKind
{
    /// <summary>From connector id.</summary>
    [Key(0)]
    public string FromConnectorId { get; set; } = "";

    /// <summary>Assignments.</summary>
    [Key(1)]
    public List<DnAssignment> Assignments { get; set; } = [];

    /// <summary>The current epoch of the source connector (required with from_connector_id)</summary>
    [Key(2)]
    public ulong FromEpoch { get; set; }

    /// <summary>A live connector that adopts every record of the source not moved with a DN (the source must be down or past its lease)</summary>
    [Key(3)]
    public string AdoptingConnectorId { get; set; } = "";

    /// <summary>The adopting connector's current epoch</summary>
    [Key(4)]
    public ulong AdoptingEpoch { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public DnsReassigned Clone() => new()
    {
        FromConnectorId = FromConnectorId,
        Assignments = Assignments.ConvertAll(item => item.Clone()),
        FromEpoch = FromEpoch,
        AdoptingConnectorId = AdoptingConnectorId,
        AdoptingEpoch = AdoptingEpoch,
    };

    /// <inheritdoc />
    public bool Equals(DnsReassigned? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is DnsReassigned other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Connector HA records. epoch (issue 13, additive): the Connector.epoch the writing connector got from its ConnectorUp; it must equal the connector's current epoch (a stale instance, or 0, is refused with STALE_CONNECTOR_EPOCH).</summary>
[MessagePackFormatter(typeof(ConnConferenceUpsertedFormatter))]
public sealed partial class ConnConferenceUpserted : IContract<ConnConferenceUpserted>, ICommandKind, IConnectorRecordCommand
{
    /// <summary>The record.</summary>
    [Key(0)]
    public ConnectorConference? Record { get; set; }

    /// <summary>The epoch of the connector's current incarnation (from its EventConnectorUp); any other value, 0 included, is refused.</summary>
    [Key(1)]
    public ulong Epoch { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public ConnConferenceUpserted Clone() => new()
    {
        Record = Record?.Clone(),
        Epoch = Epoch,
    };

    /// <inheritdoc />
    public bool Equals(ConnConferenceUpserted? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ConnConferenceUpserted other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Conn conference removed.</summary>
[MessagePackFormatter(typeof(ConnConferenceRemovedFormatter))]
public sealed partial class ConnConferenceRemoved : IContract<ConnConferenceRemoved>, ICommandKind, IConnectorRecordCommand
{
    /// <summary>The conference URI.</summary>
    [Key(0)]
    public string ConferenceUri { get; set; } = "";

    /// <summary>The connector's ID.</summary>
    [Key(1)]
    public string ConnectorId { get; set; } = "";

    /// <summary>The epoch of the connector's current incarnation (from its EventConnectorUp); any other value, 0 included, is refused.</summary>
    [Key(2)]
    public ulong Epoch { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public ConnConferenceRemoved Clone() => new()
    {
        ConferenceUri = ConferenceUri,
        ConnectorId = ConnectorId,
        Epoch = Epoch,
    };

    /// <inheritdoc />
    public bool Equals(ConnConferenceRemoved? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ConnConferenceRemoved other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Conn conversation upserted.</summary>
[MessagePackFormatter(typeof(ConnConversationUpsertedFormatter))]
public sealed partial class ConnConversationUpserted : IContract<ConnConversationUpserted>, ICommandKind, IConnectorRecordCommand
{
    /// <summary>The record.</summary>
    [Key(0)]
    public ConnectorConversation? Record { get; set; }

    /// <summary>The epoch of the connector's current incarnation (from its EventConnectorUp); any other value, 0 included, is refused.</summary>
    [Key(1)]
    public ulong Epoch { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public ConnConversationUpserted Clone() => new()
    {
        Record = Record?.Clone(),
        Epoch = Epoch,
    };

    /// <inheritdoc />
    public bool Equals(ConnConversationUpserted? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ConnConversationUpserted other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Conn conversation removed.</summary>
[MessagePackFormatter(typeof(ConnConversationRemovedFormatter))]
public sealed partial class ConnConversationRemoved : IContract<ConnConversationRemoved>, ICommandKind, IConnectorRecordCommand
{
    /// <summary>The conversation's ID.</summary>
    [Key(0)]
    public string ConversationId { get; set; } = "";

    /// <summary>The connector's ID.</summary>
    [Key(1)]
    public string ConnectorId { get; set; } = "";

    /// <summary>The epoch of the connector's current incarnation (from its EventConnectorUp); any other value, 0 included, is refused.</summary>
    [Key(2)]
    public ulong Epoch { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public ConnConversationRemoved Clone() => new()
    {
        ConversationId = ConversationId,
        ConnectorId = ConnectorId,
        Epoch = Epoch,
    };

    /// <inheritdoc />
    public bool Equals(ConnConversationRemoved? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ConnConversationRemoved other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Conn call upserted.</summary>
[MessagePackFormatter(typeof(ConnCallUpsertedFormatter))]
public sealed partial class ConnCallUpserted : IContract<ConnCallUpserted>, ICommandKind, IConnectorRecordCommand
{
    /// <summary>The record.</summary>
    [Key(0)]
    public ConnectorCall? Record { get; set; }

    /// <summary>The epoch of the connector's current incarnation (from its EventConnectorUp); any other value, 0 included, is refused.</summary>
    [Key(1)]
    public ulong Epoch { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public ConnCallUpserted Clone() => new()
    {
        Record = Record?.Clone(),
        Epoch = Epoch,
    };

    /// <inheritdoc />
    public bool Equals(ConnCallUpserted? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ConnCallUpserted other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Conn call removed.</summary>
[MessagePackFormatter(typeof(ConnCallRemovedFormatter))]
public sealed partial class ConnCallRemoved : IContract<ConnCallRemoved>, ICommandKind, IConnectorRecordCommand
{
    /// <summary>The call's ID.</summary>
    [Key(0)]
    public string CallId { get; set; } = "";

    /// <summary>The connector's ID.</summary>
    [Key(1)]
    public string ConnectorId { get; set; } = "";

    /// <summary>The epoch of the connector's current incarnation (from its EventConnectorUp); any other value, 0 included, is refused.</summary>
    [Key(2)]
    public ulong Epoch { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public ConnCallRemoved Clone() => new()
    {
        CallId = CallId,
        ConnectorId = ConnectorId,
        Epoch = Epoch,
    };

    /// <inheritdoc />
    public bool Equals(ConnCallRemoved? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ConnCallRemoved other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>B2 bupserted.</summary>
[MessagePackFormatter(typeof(B2BUpsertedFormatter))]
public sealed partial class B2BUpserted : IContract<B2BUpserted>, ICommandKind, IConnectorRecordCommand
{
    /// <summary>The record.</summary>
    [Key(0)]
    public B2BCall? Record { get; set; }

    /// <summary>The epoch of the connector's current incarnation (from its EventConnectorUp); any other value, 0 included, is refused.</summary>
    [Key(1)]
    public ulong Epoch { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public B2BUpserted Clone() => new()
    {
        Record = Record?.Clone(),
        Epoch = Epoch,
    };

    /// <inheritdoc />
    public bool Equals(B2BUpserted? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is B2BUpserted other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>B2 bremoved.</summary>
[MessagePackFormatter(typeof(B2BRemovedFormatter))]
public sealed partial class B2BRemoved : IContract<B2BRemoved>, ICommandKind, IConnectorRecordCommand
{
    /// <summary>B2 bid.</summary>
    [Key(0)]
    public string B2BId { get; set; } = "";

    /// <summary>The connector's ID.</summary>
    [Key(1)]
    public string ConnectorId { get; set; } = "";

    /// <summary>The epoch of the connector's current incarnation (from its EventConnectorUp); any other value, 0 included, is refused.</summary>
    [Key(2)]
    public ulong Epoch { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public B2BRemoved Clone() => new()
    {
        B2BId = B2BId,
        ConnectorId = ConnectorId,
        Epoch = Epoch,
    };

    /// <inheritdoc />
    public bool Equals(B2BRemoved? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is B2BRemoved other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>Config applied.</summary>
[MessagePackFormatter(typeof(ConfigAppliedFormatter))]
public sealed partial class ConfigApplied : IContract<ConfigApplied>, ICommandKind
{
    /// <summary>The configuration version.</summary>
    [Key(0)]
    public long Version { get; set; }

    /// <summary>Hash.</summary>
    [Key(1)]
    public ReadOnlyMemory<byte> Hash { get; set; }

    /// <summary>upserted options</summary>
    [Key(2)]
    public List<KvPair> Options { get; set; } = [];

    /// <summary>Removed options.</summary>
    [Key(3)]
    public List<string> RemovedOptions { get; set; } = [];

    /// <summary>configuration fields only: id, type, place, register, peer_dn, site</summary>
    [Key(4)]
    public List<Dn> DnUpserts { get; set; } = [];

    /// <summary>Dn removals.</summary>
    [Key(5)]
    public List<DnId> DnRemovals { get; set; } = [];

    /// <summary>Login conflict policy.</summary>
    [Key(6)]
    public LoginConflictPolicy LoginConflictPolicy { get; set; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public ConfigApplied Clone() => new()
    {
        Version = Version,
        Hash = Hash,
        Options = Options.ConvertAll(item => item.Clone()),
        RemovedOptions = [.. RemovedOptions],
        DnUpserts = DnUpserts.ConvertAll(item => item.Clone()),
        DnRemovals = DnRemovals.ConvertAll(item => item.Clone()),
        LoginConflictPolicy = LoginConflictPolicy,
    };

    /// <inheritdoc />
    public bool Equals(ConfigApplied? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ConfigApplied other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}

/// <summary>One log entry. session_id and reference_id identify a client request for exactly-once.</summary>
[MessagePackFormatter(typeof(CommandFormatter))]
public sealed partial class Command : IContract<Command>
{
    /// <summary>The client session's ID.</summary>
    [Key(0)]
    public string SessionId { get; set; } = "";

    /// <summary>The request's ReferenceID (0: none).</summary>
    [Key(1)]
    public uint ReferenceId { get; set; }

    /// <summary>The source that reported the command (a connector ID; empty: none). With <see cref="SourceSequence"/>
    /// it makes a replay idempotent: a (source, sequence) seen within the dedupe window gets the original outcome.</summary>
    [Key(3)]
    public string Source { get; set; } = "";

    /// <summary>The source's sequence number of the command (increasing per source; required with <see cref="Source"/>).</summary>
    [Key(4)]
    public ulong SourceSequence { get; set; }

    /// <summary>The source connector's current epoch (required with <see cref="Source"/>): a report from an older
    /// incarnation is refused, a replay of an applied one is still answered from the dedupe table.</summary>
    [Key(5)]
    public ulong SourceEpoch { get; set; }

    private object? _kind;

    /// <summary>Which case of the oneof is set.</summary>
    [IgnoreMember]
    public KindOneofCase KindCase { get; private set; }

    /// <summary>Call created.</summary>
    [IgnoreMember]
    public CallCreated? CallCreated
    {
        get => KindCase == KindOneofCase.CallCreated ? (CallCreated)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.CallCreated; }
    }

    /// <summary>Party dialing.</summary>
    [IgnoreMember]
    public PartyDialing? PartyDialing
    {
        get => KindCase == KindOneofCase.PartyDialing ? (PartyDialing)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.PartyDialing; }
    }

    /// <summary>Party ringing.</summary>
    [IgnoreMember]
    public PartyRinging? PartyRinging
    {
        get => KindCase == KindOneofCase.PartyRinging ? (PartyRinging)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.PartyRinging; }
    }

    /// <summary>Party established.</summary>
    [IgnoreMember]
    public PartyEstablished? PartyEstablished
    {
        get => KindCase == KindOneofCase.PartyEstablished ? (PartyEstablished)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.PartyEstablished; }
    }

    /// <summary>Party held.</summary>
    [IgnoreMember]
    public PartyHeld? PartyHeld
    {
        get => KindCase == KindOneofCase.PartyHeld ? (PartyHeld)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.PartyHeld; }
    }

    /// <summary>Party retrieved.</summary>
    [IgnoreMember]
    public PartyRetrieved? PartyRetrieved
    {
        get => KindCase == KindOneofCase.PartyRetrieved ? (PartyRetrieved)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.PartyRetrieved; }
    }

    /// <summary>Party queued.</summary>
    [IgnoreMember]
    public PartyQueued? PartyQueued
    {
        get => KindCase == KindOneofCase.PartyQueued ? (PartyQueued)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.PartyQueued; }
    }

    /// <summary>Party diverted.</summary>
    [IgnoreMember]
    public PartyDiverted? PartyDiverted
    {
        get => KindCase == KindOneofCase.PartyDiverted ? (PartyDiverted)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.PartyDiverted; }
    }

    /// <summary>Abandoned.</summary>
    [IgnoreMember]
    public Abandoned? Abandoned
    {
        get => KindCase == KindOneofCase.Abandoned ? (Abandoned)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.Abandoned; }
    }

    /// <summary>Destination busy.</summary>
    [IgnoreMember]
    public DestinationBusy? DestinationBusy
    {
        get => KindCase == KindOneofCase.DestinationBusy ? (DestinationBusy)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.DestinationBusy; }
    }

    /// <summary>Party added.</summary>
    [IgnoreMember]
    public PartyAdded? PartyAdded
    {
        get => KindCase == KindOneofCase.PartyAdded ? (PartyAdded)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.PartyAdded; }
    }

    /// <summary>Party deleted.</summary>
    [IgnoreMember]
    public PartyDeleted? PartyDeleted
    {
        get => KindCase == KindOneofCase.PartyDeleted ? (PartyDeleted)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.PartyDeleted; }
    }

    /// <summary>Party changed.</summary>
    [IgnoreMember]
    public PartyChanged? PartyChanged
    {
        get => KindCase == KindOneofCase.PartyChanged ? (PartyChanged)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.PartyChanged; }
    }

    /// <summary>Transfer started.</summary>
    [IgnoreMember]
    public TransferStarted? TransferStarted
    {
        get => KindCase == KindOneofCase.TransferStarted ? (TransferStarted)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.TransferStarted; }
    }

    /// <summary>Transfer completed.</summary>
    [IgnoreMember]
    public TransferCompleted? TransferCompleted
    {
        get => KindCase == KindOneofCase.TransferCompleted ? (TransferCompleted)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.TransferCompleted; }
    }

    /// <summary>Transfer aborted.</summary>
    [IgnoreMember]
    public TransferAborted? TransferAborted
    {
        get => KindCase == KindOneofCase.TransferAborted ? (TransferAborted)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.TransferAborted; }
    }

    /// <summary>Party released.</summary>
    [IgnoreMember]
    public PartyReleased? PartyReleased
    {
        get => KindCase == KindOneofCase.PartyReleased ? (PartyReleased)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.PartyReleased; }
    }

    /// <summary>Call released.</summary>
    [IgnoreMember]
    public CallReleased? CallReleased
    {
        get => KindCase == KindOneofCase.CallReleased ? (CallReleased)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.CallReleased; }
    }

    /// <summary>Route requested.</summary>
    [IgnoreMember]
    public RouteRequested? RouteRequested
    {
        get => KindCase == KindOneofCase.RouteRequested ? (RouteRequested)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.RouteRequested; }
    }

    /// <summary>Route used.</summary>
    [IgnoreMember]
    public RouteUsed? RouteUsed
    {
        get => KindCase == KindOneofCase.RouteUsed ? (RouteUsed)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.RouteUsed; }
    }

    /// <summary>Route timed out.</summary>
    [IgnoreMember]
    public RouteTimedOut? RouteTimedOut
    {
        get => KindCase == KindOneofCase.RouteTimedOut ? (RouteTimedOut)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.RouteTimedOut; }
    }

    /// <summary>User data attached.</summary>
    [IgnoreMember]
    public UserDataAttached? UserDataAttached
    {
        get => KindCase == KindOneofCase.UserDataAttached ? (UserDataAttached)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.UserDataAttached; }
    }

    /// <summary>User data updated.</summary>
    [IgnoreMember]
    public UserDataUpdated? UserDataUpdated
    {
        get => KindCase == KindOneofCase.UserDataUpdated ? (UserDataUpdated)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.UserDataUpdated; }
    }

    /// <summary>User data key deleted.</summary>
    [IgnoreMember]
    public UserDataKeyDeleted? UserDataKeyDeleted
    {
        get => KindCase == KindOneofCase.UserDataKeyDeleted ? (UserDataKeyDeleted)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.UserDataKeyDeleted; }
    }

    /// <summary>User data cleared.</summary>
    [IgnoreMember]
    public UserDataCleared? UserDataCleared
    {
        get => KindCase == KindOneofCase.UserDataCleared ? (UserDataCleared)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.UserDataCleared; }
    }

    /// <summary>Treatment requested.</summary>
    [IgnoreMember]
    public TreatmentRequested? TreatmentRequested
    {
        get => KindCase == KindOneofCase.TreatmentRequested ? (TreatmentRequested)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.TreatmentRequested; }
    }

    /// <summary>Treatment applied.</summary>
    [IgnoreMember]
    public TreatmentApplied? TreatmentApplied
    {
        get => KindCase == KindOneofCase.TreatmentApplied ? (TreatmentApplied)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.TreatmentApplied; }
    }

    /// <summary>Treatment ended.</summary>
    [IgnoreMember]
    public TreatmentEnded? TreatmentEnded
    {
        get => KindCase == KindOneofCase.TreatmentEnded ? (TreatmentEnded)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.TreatmentEnded; }
    }

    /// <summary>Treatment not applied.</summary>
    [IgnoreMember]
    public TreatmentNotApplied? TreatmentNotApplied
    {
        get => KindCase == KindOneofCase.TreatmentNotApplied ? (TreatmentNotApplied)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.TreatmentNotApplied; }
    }

    /// <summary>Iscc requested.</summary>
    [IgnoreMember]
    public IsccRequested? IsccRequested
    {
        get => KindCase == KindOneofCase.IsccRequested ? (IsccRequested)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.IsccRequested; }
    }

    /// <summary>Iscc resource allocated.</summary>
    [IgnoreMember]
    public IsccResourceAllocated? IsccResourceAllocated
    {
        get => KindCase == KindOneofCase.IsccResourceAllocated ? (IsccResourceAllocated)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.IsccResourceAllocated; }
    }

    /// <summary>Iscc succeeded.</summary>
    [IgnoreMember]
    public IsccSucceeded? IsccSucceeded
    {
        get => KindCase == KindOneofCase.IsccSucceeded ? (IsccSucceeded)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.IsccSucceeded; }
    }

    /// <summary>Iscc failed.</summary>
    [IgnoreMember]
    public IsccFailed? IsccFailed
    {
        get => KindCase == KindOneofCase.IsccFailed ? (IsccFailed)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.IsccFailed; }
    }

    /// <summary>Iscc timed out.</summary>
    [IgnoreMember]
    public IsccTimedOut? IsccTimedOut
    {
        get => KindCase == KindOneofCase.IsccTimedOut ? (IsccTimedOut)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.IsccTimedOut; }
    }

    /// <summary>Calls swept.</summary>
    [IgnoreMember]
    public CallsSwept? CallsSwept
    {
        get => KindCase == KindOneofCase.CallsSwept ? (CallsSwept)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.CallsSwept; }
    }

    /// <summary>Agent logged in.</summary>
    [IgnoreMember]
    public AgentLoggedIn? AgentLoggedIn
    {
        get => KindCase == KindOneofCase.AgentLoggedIn ? (AgentLoggedIn)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.AgentLoggedIn; }
    }

    /// <summary>Agent logged out.</summary>
    [IgnoreMember]
    public AgentLoggedOut? AgentLoggedOut
    {
        get => KindCase == KindOneofCase.AgentLoggedOut ? (AgentLoggedOut)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.AgentLoggedOut; }
    }

    /// <summary>Agent ready.</summary>
    [IgnoreMember]
    public AgentReady? AgentReady
    {
        get => KindCase == KindOneofCase.AgentReady ? (AgentReady)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.AgentReady; }
    }

    /// <summary>Agent not ready.</summary>
    [IgnoreMember]
    public AgentNotReady? AgentNotReady
    {
        get => KindCase == KindOneofCase.AgentNotReady ? (AgentNotReady)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.AgentNotReady; }
    }

    /// <summary>Dn out of service.</summary>
    [IgnoreMember]
    public DnOutOfService? DnOutOfService
    {
        get => KindCase == KindOneofCase.DnOutOfService ? (DnOutOfService)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.DnOutOfService; }
    }

    /// <summary>Dn back in service.</summary>
    [IgnoreMember]
    public DnBackInService? DnBackInService
    {
        get => KindCase == KindOneofCase.DnBackInService ? (DnBackInService)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.DnBackInService; }
    }

    /// <summary>Dnd on.</summary>
    [IgnoreMember]
    public DndOn? DndOn
    {
        get => KindCase == KindOneofCase.DndOn ? (DndOn)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.DndOn; }
    }

    /// <summary>Dnd off.</summary>
    [IgnoreMember]
    public DndOff? DndOff
    {
        get => KindCase == KindOneofCase.DndOff ? (DndOff)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.DndOff; }
    }

    /// <summary>Forward set.</summary>
    [IgnoreMember]
    public ForwardSet? ForwardSet
    {
        get => KindCase == KindOneofCase.ForwardSet ? (ForwardSet)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.ForwardSet; }
    }

    /// <summary>Forward cancel.</summary>
    [IgnoreMember]
    public ForwardCancel? ForwardCancel
    {
        get => KindCase == KindOneofCase.ForwardCancel ? (ForwardCancel)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.ForwardCancel; }
    }

    /// <summary>Mute on.</summary>
    [IgnoreMember]
    public MuteOn? MuteOn
    {
        get => KindCase == KindOneofCase.MuteOn ? (MuteOn)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.MuteOn; }
    }

    /// <summary>Mute off.</summary>
    [IgnoreMember]
    public MuteOff? MuteOff
    {
        get => KindCase == KindOneofCase.MuteOff ? (MuteOff)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.MuteOff; }
    }

    /// <summary>Session opened.</summary>
    [IgnoreMember]
    public SessionOpened? SessionOpened
    {
        get => KindCase == KindOneofCase.SessionOpened ? (SessionOpened)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.SessionOpened; }
    }

    /// <summary>Session renewed.</summary>
    [IgnoreMember]
    public SessionRenewed? SessionRenewed
    {
        get => KindCase == KindOneofCase.SessionRenewed ? (SessionRenewed)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.SessionRenewed; }
    }

    /// <summary>Session expired.</summary>
    [IgnoreMember]
    public SessionExpired? SessionExpired
    {
        get => KindCase == KindOneofCase.SessionExpired ? (SessionExpired)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.SessionExpired; }
    }

    /// <summary>Address registered.</summary>
    [IgnoreMember]
    public AddressRegistered? AddressRegistered
    {
        get => KindCase == KindOneofCase.AddressRegistered ? (AddressRegistered)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.AddressRegistered; }
    }

    /// <summary>Address unregistered.</summary>
    [IgnoreMember]
    public AddressUnregistered? AddressUnregistered
    {
        get => KindCase == KindOneofCase.AddressUnregistered ? (AddressUnregistered)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.AddressUnregistered; }
    }

    /// <summary>Connector up.</summary>
    [IgnoreMember]
    public ConnectorUp? ConnectorUp
    {
        get => KindCase == KindOneofCase.ConnectorUp ? (ConnectorUp)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.ConnectorUp; }
    }

    /// <summary>Connector down.</summary>
    [IgnoreMember]
    public ConnectorDown? ConnectorDown
    {
        get => KindCase == KindOneofCase.ConnectorDown ? (ConnectorDown)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.ConnectorDown; }
    }

    /// <summary>Dns reassigned.</summary>
    [IgnoreMember]
    public DnsReassigned? DnsReassigned
    {
        get => KindCase == KindOneofCase.DnsReassigned ? (DnsReassigned)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.DnsReassigned; }
    }

    /// <summary>Conn conference upserted.</summary>
    [IgnoreMember]
    public ConnConferenceUpserted? ConnConferenceUpserted
    {
        get => KindCase == KindOneofCase.ConnConferenceUpserted ? (ConnConferenceUpserted)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.ConnConferenceUpserted; }
    }

    /// <summary>Conn conference removed.</summary>
    [IgnoreMember]
    public ConnConferenceRemoved? ConnConferenceRemoved
    {
        get => KindCase == KindOneofCase.ConnConferenceRemoved ? (ConnConferenceRemoved)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.ConnConferenceRemoved; }
    }

    /// <summary>Conn conversation upserted.</summary>
    [IgnoreMember]
    public ConnConversationUpserted? ConnConversationUpserted
    {
        get => KindCase == KindOneofCase.ConnConversationUpserted ? (ConnConversationUpserted)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.ConnConversationUpserted; }
    }

    /// <summary>Conn conversation removed.</summary>
    [IgnoreMember]
    public ConnConversationRemoved? ConnConversationRemoved
    {
        get => KindCase == KindOneofCase.ConnConversationRemoved ? (ConnConversationRemoved)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.ConnConversationRemoved; }
    }

    /// <summary>Conn call upserted.</summary>
    [IgnoreMember]
    public ConnCallUpserted? ConnCallUpserted
    {
        get => KindCase == KindOneofCase.ConnCallUpserted ? (ConnCallUpserted)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.ConnCallUpserted; }
    }

    /// <summary>Conn call removed.</summary>
    [IgnoreMember]
    public ConnCallRemoved? ConnCallRemoved
    {
        get => KindCase == KindOneofCase.ConnCallRemoved ? (ConnCallRemoved)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.ConnCallRemoved; }
    }

    /// <summary>B2 bupserted.</summary>
    [IgnoreMember]
    public B2BUpserted? B2BUpserted
    {
        get => KindCase == KindOneofCase.B2BUpserted ? (B2BUpserted)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.B2BUpserted; }
    }

    /// <summary>B2 bremoved.</summary>
    [IgnoreMember]
    public B2BRemoved? B2BRemoved
    {
        get => KindCase == KindOneofCase.B2BRemoved ? (B2BRemoved)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.B2BRemoved; }
    }

    /// <summary>Config applied.</summary>
    [IgnoreMember]
    public ConfigApplied? ConfigApplied
    {
        get => KindCase == KindOneofCase.ConfigApplied ? (ConfigApplied)_kind! : null;
        set { _kind = value; KindCase = value is null ? KindOneofCase.None : KindOneofCase.ConfigApplied; }
    }

    /// <summary>The command's kind: the one message of the oneof that is set, or null.</summary>
    [Key(2)]
    public ICommandKind? Kind
    {
        get => _kind as ICommandKind;
        set
        {
            _kind = value;
            KindCase = value switch
            {
                null => KindOneofCase.None,
                global::HaCore.ContactCenter.CallCreated => KindOneofCase.CallCreated,
                global::HaCore.ContactCenter.PartyDialing => KindOneofCase.PartyDialing,
                global::HaCore.ContactCenter.PartyRinging => KindOneofCase.PartyRinging,
                global::HaCore.ContactCenter.PartyEstablished => KindOneofCase.PartyEstablished,
                global::HaCore.ContactCenter.PartyHeld => KindOneofCase.PartyHeld,
                global::HaCore.ContactCenter.PartyRetrieved => KindOneofCase.PartyRetrieved,
                global::HaCore.ContactCenter.PartyQueued => KindOneofCase.PartyQueued,
                global::HaCore.ContactCenter.PartyDiverted => KindOneofCase.PartyDiverted,
                global::HaCore.ContactCenter.Abandoned => KindOneofCase.Abandoned,
                global::HaCore.ContactCenter.DestinationBusy => KindOneofCase.DestinationBusy,
                global::HaCore.ContactCenter.PartyAdded => KindOneofCase.PartyAdded,
                global::HaCore.ContactCenter.PartyDeleted => KindOneofCase.PartyDeleted,
                global::HaCore.ContactCenter.PartyChanged => KindOneofCase.PartyChanged,
                global::HaCore.ContactCenter.TransferStarted => KindOneofCase.TransferStarted,
                global::HaCore.ContactCenter.TransferCompleted => KindOneofCase.TransferCompleted,
                global::HaCore.ContactCenter.TransferAborted => KindOneofCase.TransferAborted,
                global::HaCore.ContactCenter.PartyReleased => KindOneofCase.PartyReleased,
                global::HaCore.ContactCenter.CallReleased => KindOneofCase.CallReleased,
                global::HaCore.ContactCenter.RouteRequested => KindOneofCase.RouteRequested,
                global::HaCore.ContactCenter.RouteUsed => KindOneofCase.RouteUsed,
                global::HaCore.ContactCenter.RouteTimedOut => KindOneofCase.RouteTimedOut,
                global::HaCore.ContactCenter.UserDataAttached => KindOneofCase.UserDataAttached,
                global::HaCore.ContactCenter.UserDataUpdated => KindOneofCase.UserDataUpdated,
                global::HaCore.ContactCenter.UserDataKeyDeleted => KindOneofCase.UserDataKeyDeleted,
                global::HaCore.ContactCenter.UserDataCleared => KindOneofCase.UserDataCleared,
                global::HaCore.ContactCenter.TreatmentRequested => KindOneofCase.TreatmentRequested,
                global::HaCore.ContactCenter.TreatmentApplied => KindOneofCase.TreatmentApplied,
                global::HaCore.ContactCenter.TreatmentEnded => KindOneofCase.TreatmentEnded,
                global::HaCore.ContactCenter.TreatmentNotApplied => KindOneofCase.TreatmentNotApplied,
                global::HaCore.ContactCenter.IsccRequested => KindOneofCase.IsccRequested,
                global::HaCore.ContactCenter.IsccResourceAllocated => KindOneofCase.IsccResourceAllocated,
                global::HaCore.ContactCenter.IsccSucceeded => KindOneofCase.IsccSucceeded,
                global::HaCore.ContactCenter.IsccFailed => KindOneofCase.IsccFailed,
                global::HaCore.ContactCenter.IsccTimedOut => KindOneofCase.IsccTimedOut,
                global::HaCore.ContactCenter.CallsSwept => KindOneofCase.CallsSwept,
                global::HaCore.ContactCenter.AgentLoggedIn => KindOneofCase.AgentLoggedIn,
                global::HaCore.ContactCenter.AgentLoggedOut => KindOneofCase.AgentLoggedOut,
                global::HaCore.ContactCenter.AgentReady => KindOneofCase.AgentReady,
                global::HaCore.ContactCenter.AgentNotReady => KindOneofCase.AgentNotReady,
                global::HaCore.ContactCenter.DnOutOfService => KindOneofCase.DnOutOfService,
                global::HaCore.ContactCenter.DnBackInService => KindOneofCase.DnBackInService,
                global::HaCore.ContactCenter.DndOn => KindOneofCase.DndOn,
                global::HaCore.ContactCenter.DndOff => KindOneofCase.DndOff,
                global::HaCore.ContactCenter.ForwardSet => KindOneofCase.ForwardSet,
                global::HaCore.ContactCenter.ForwardCancel => KindOneofCase.ForwardCancel,
                global::HaCore.ContactCenter.MuteOn => KindOneofCase.MuteOn,
                global::HaCore.ContactCenter.MuteOff => KindOneofCase.MuteOff,
                global::HaCore.ContactCenter.SessionOpened => KindOneofCase.SessionOpened,
                global::HaCore.ContactCenter.SessionRenewed => KindOneofCase.SessionRenewed,
                global::HaCore.ContactCenter.SessionExpired => KindOneofCase.SessionExpired,
                global::HaCore.ContactCenter.AddressRegistered => KindOneofCase.AddressRegistered,
                global::HaCore.ContactCenter.AddressUnregistered => KindOneofCase.AddressUnregistered,
                global::HaCore.ContactCenter.ConnectorUp => KindOneofCase.ConnectorUp,
                global::HaCore.ContactCenter.ConnectorDown => KindOneofCase.ConnectorDown,
                global::HaCore.ContactCenter.DnsReassigned => KindOneofCase.DnsReassigned,
                global::HaCore.ContactCenter.ConnConferenceUpserted => KindOneofCase.ConnConferenceUpserted,
                global::HaCore.ContactCenter.ConnConferenceRemoved => KindOneofCase.ConnConferenceRemoved,
                global::HaCore.ContactCenter.ConnConversationUpserted => KindOneofCase.ConnConversationUpserted,
                global::HaCore.ContactCenter.ConnConversationRemoved => KindOneofCase.ConnConversationRemoved,
                global::HaCore.ContactCenter.ConnCallUpserted => KindOneofCase.ConnCallUpserted,
                global::HaCore.ContactCenter.ConnCallRemoved => KindOneofCase.ConnCallRemoved,
                global::HaCore.ContactCenter.B2BUpserted => KindOneofCase.B2BUpserted,
                global::HaCore.ContactCenter.B2BRemoved => KindOneofCase.B2BRemoved,
                global::HaCore.ContactCenter.ConfigApplied => KindOneofCase.ConfigApplied,
                _ => throw new ArgumentException("Not a contact-center command kind.", nameof(value)),
            };
        }
    }

    /// <summary>Clears the oneof.</summary>
    public void ClearKind() { _kind = null; KindCase = KindOneofCase.None; }

    /// <summary>The cases of the oneof; the values are the field numbers of the protobuf contract this replaced.</summary>
    public enum KindOneofCase
    {
        /// <summary>Nothing is set.</summary>
        None = 0,
        /// <summary>CallCreated is set.</summary>
        CallCreated = 10,
        /// <summary>PartyDialing is set.</summary>
        PartyDialing = 11,
        /// <summary>PartyRinging is set.</summary>
        PartyRinging = 12,
        /// <summary>PartyEstablished is set.</summary>
        PartyEstablished = 13,
        /// <summary>PartyHeld is set.</summary>
        PartyHeld = 14,
        /// <summary>PartyRetrieved is set.</summary>
        PartyRetrieved = 15,
        /// <summary>PartyQueued is set.</summary>
        PartyQueued = 16,
        /// <summary>PartyDiverted is set.</summary>
        PartyDiverted = 17,
        /// <summary>Abandoned is set.</summary>
        Abandoned = 18,
        /// <summary>DestinationBusy is set.</summary>
        DestinationBusy = 19,
        /// <summary>PartyAdded is set.</summary>
        PartyAdded = 20,
        /// <summary>PartyDeleted is set.</summary>
        PartyDeleted = 21,
        /// <summary>PartyChanged is set.</summary>
        PartyChanged = 22,
        /// <summary>TransferStarted is set.</summary>
        TransferStarted = 23,
        /// <summary>TransferCompleted is set.</summary>
        TransferCompleted = 24,
        /// <summary>TransferAborted is set.</summary>
        TransferAborted = 25,
        /// <summary>PartyReleased is set.</summary>
        PartyReleased = 26,
        /// <summary>CallReleased is set.</summary>
        CallReleased = 27,
        /// <summary>RouteRequested is set.</summary>
        RouteRequested = 28,
        /// <summary>RouteUsed is set.</summary>
        RouteUsed = 29,
        /// <summary>RouteTimedOut is set.</summary>
        RouteTimedOut = 30,
        /// <summary>UserDataAttached is set.</summary>
        UserDataAttached = 31,
        /// <summary>UserDataUpdated is set.</summary>
        UserDataUpdated = 32,
        /// <summary>UserDataKeyDeleted is set.</summary>
        UserDataKeyDeleted = 33,
        /// <summary>UserDataCleared is set.</summary>
        UserDataCleared = 34,
        /// <summary>TreatmentRequested is set.</summary>
        TreatmentRequested = 35,
        /// <summary>TreatmentApplied is set.</summary>
        TreatmentApplied = 36,
        /// <summary>TreatmentEnded is set.</summary>
        TreatmentEnded = 37,
        /// <summary>TreatmentNotApplied is set.</summary>
        TreatmentNotApplied = 38,
        /// <summary>IsccRequested is set.</summary>
        IsccRequested = 39,
        /// <summary>IsccResourceAllocated is set.</summary>
        IsccResourceAllocated = 40,
        /// <summary>IsccSucceeded is set.</summary>
        IsccSucceeded = 41,
        /// <summary>IsccFailed is set.</summary>
        IsccFailed = 42,
        /// <summary>IsccTimedOut is set.</summary>
        IsccTimedOut = 43,
        /// <summary>CallsSwept is set.</summary>
        CallsSwept = 44,
        /// <summary>AgentLoggedIn is set.</summary>
        AgentLoggedIn = 60,
        /// <summary>AgentLoggedOut is set.</summary>
        AgentLoggedOut = 61,
        /// <summary>AgentReady is set.</summary>
        AgentReady = 62,
        /// <summary>AgentNotReady is set.</summary>
        AgentNotReady = 63,
        /// <summary>DnOutOfService is set.</summary>
        DnOutOfService = 64,
        /// <summary>DnBackInService is set.</summary>
        DnBackInService = 65,
        /// <summary>DndOn is set.</summary>
        DndOn = 66,
        /// <summary>DndOff is set.</summary>
        DndOff = 67,
        /// <summary>ForwardSet is set.</summary>
        ForwardSet = 68,
        /// <summary>ForwardCancel is set.</summary>
        ForwardCancel = 69,
        /// <summary>MuteOn is set.</summary>
        MuteOn = 70,
        /// <summary>MuteOff is set.</summary>
        MuteOff = 71,
        /// <summary>SessionOpened is set.</summary>
        SessionOpened = 72,
        /// <summary>SessionRenewed is set.</summary>
        SessionRenewed = 73,
        /// <summary>SessionExpired is set.</summary>
        SessionExpired = 74,
        /// <summary>AddressRegistered is set.</summary>
        AddressRegistered = 75,
        /// <summary>AddressUnregistered is set.</summary>
        AddressUnregistered = 76,
        /// <summary>ConnectorUp is set.</summary>
        ConnectorUp = 77,
        /// <summary>ConnectorDown is set.</summary>
        ConnectorDown = 78,
        /// <summary>DnsReassigned is set.</summary>
        DnsReassigned = 79,
        /// <summary>ConnConferenceUpserted is set.</summary>
        ConnConferenceUpserted = 80,
        /// <summary>ConnConferenceRemoved is set.</summary>
        ConnConferenceRemoved = 81,
        /// <summary>ConnConversationUpserted is set.</summary>
        ConnConversationUpserted = 82,
        /// <summary>ConnConversationRemoved is set.</summary>
        ConnConversationRemoved = 83,
        /// <summary>ConnCallUpserted is set.</summary>
        ConnCallUpserted = 84,
        /// <summary>ConnCallRemoved is set.</summary>
        ConnCallRemoved = 85,
        /// <summary>B2BUpserted is set.</summary>
        B2BUpserted = 86,
        /// <summary>B2BRemoved is set.</summary>
        B2BRemoved = 87,
        /// <summary>ConfigApplied is set.</summary>
        ConfigApplied = 88,
    }

    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    public Command Clone() => Contract.Clone(this);

    /// <inheritdoc />
    public bool Equals(Command? other) => Contract.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Command other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Contract.HashCode(this);

    /// <inheritdoc />
    public override string ToString() => Contract.ToJson(this);
}
