namespace HaCore.ContactCenter.Tests;

/// <summary>
/// Maps integers (from FsCheck, so they shrink) to commands over a small universe of DNs, ConnIds,
/// agents, sessions and connectors, so that random sequences hit live entities often and mix valid
/// and invalid commands.
/// </summary>
internal static class RandomCommands
{
    public const int KindCount = 63;

    private static readonly string[] DnNumbers = ["1001", "1002", "1003", "1004", "2001", "7000", "8000", "9000", "9001", "9500", "9600", "nope"];
    private static readonly string[] PartyDns = ["1001", "1002", "9000", "1003", "nope"];
    private static readonly string[] Agents = ["a1", "a2", "a3"];
    private static readonly string[] Sessions = [Harness.Session, "s2", "s3"];
    private static readonly string[] Connectors = [Harness.ConnectorA, Harness.ConnectorB, "conn-c"];
    private static readonly string[] Keys = ["k1", "k2", "k3"];

    /// <summary>A leader-time step and a command, decoded from one integer.</summary>
    public static (long AdvanceMs, Command Command) Decode(int x, ContactCenterStateMachine? state = null)
    {
        uint u = unchecked((uint)x);
        int kind = (int)(u % KindCount);
        uint r = u / KindCount;               // ~26 bits of parameters
        int a = (int)(r & 7), b = (int)((r >> 3) & 7), c = (int)((r >> 6) & 7), d = (int)((r >> 9) & 3);
        long advance = ((r >> 11) & 7) switch { 0 => 0, 7 => 70_000, 6 => 6_000, _ => 10 };
        // ConnIds are drawn from the live calls when a state is given (a = 0: a ConnId never issued).
        ulong conn = Conn(a);
        ulong other = Conn(c);
        ulong partner = 0;
        if (state is not null && a != 0)
        {
            IReadOnlyList<ulong> live = state.GetLiveConnIds();
            conn = live.Count == 0 ? conn : live[(a - 1 + (int)(r >> 19)) % live.Count];
            other = live.Count == 0 ? other : live[(c + (int)(r >> 19)) % live.Count];
            // Consult links: the partner of the addressed call, so merges and transfers hit real pairs.
            partner = state.GetCall(conn)?.TransferConnId ?? 0;
        }

        bool registration = kind is 51 or 52;
        string session = registration ? Sessions[d % 2] : (r >> 14 & 3) == 0 ? Sessions[d % 3] : string.Empty;
        // Connector epochs: mostly the connector's current one (from the state), sometimes a stale one or 0.
        Func<string, ulong> epoch = id => (r >> 21 & 3) == 0 ? (r >> 23) & 1 : state?.GetConnector(id)?.Epoch ?? 1;
        Command command = Harness.Wrap(Make(kind, a, b, c, d, conn, other, partner, epoch), session, registration ? 0 : (r >> 16) & 7);
        if (command.Kind is ConfigApplied { Hash.Length: 0 } config && state is not null)
        {
            config.Hash = state.ConfigHashAfter(config);
        }

        if ((r >> 24 & 3) == 0 && ((r >> 22) & 1) == 0)
        {
            // One in eight: reported by a connector with a small sequence, so replays (and unknown sources) are frequent.
            command.Source = d == 3 ? "conn-x" : Connectors[c % 3];
            command.SourceSequence = (ulong)b;
            command.SourceEpoch = epoch(command.Source);
        }

        return (advance, command);
    }

    private static DnId Dn(int i) => Harness.Dn(DnNumbers[i % DnNumbers.Length]);

    private static DnId AgentDn(int i) => Harness.Dn(DnNumbers[i % 5]);

    private static ulong Conn(int i) => i == 0 ? 0 : (1UL << 48) | (uint)i;

    private static KvPair Kv(int k, int v) => Harness.Kv(Keys[k % 3], "v" + v);

    private static DnId PartyDn(int i) => Harness.Dn(PartyDns[i % PartyDns.Length]);

    private static ICommandKind Make(int kind, int a, int b, int c, int d, ulong conn, ulong other, ulong partner, Func<string, ulong> epoch)
    {
        return kind switch
        {
            0 or 1 or 2 => new CallCreated
            {
                Dn = kind == 2 ? Dn(b + 5) : PartyDn(b), InitialState = (PartyState)(c % 6), OtherDn = Dn(a),
                OrigConnId = c == 7 ? Conn(a) : c == 6 ? other : 0, ThisQueue = c > 4 ? Harness.Dn("7000") : null,
                EscalationMode = (EscalationMode)(c & 1), UserData = { Kv(a, b) },
            },
            3 => new PartyDialing { ConnId = conn, Dn = PartyDn(b), OtherDn = Dn(c) },
            4 => new PartyRinging { ConnId = conn, Dn = PartyDn(b), ThisQueue = c > 3 ? Harness.Dn("7000") : null },
            5 or 6 => new PartyEstablished { ConnId = conn, Dn = PartyDn(b) },
            7 => new PartyHeld { ConnId = conn, Dn = PartyDn(b) },
            8 => new PartyRetrieved { ConnId = conn, Dn = PartyDn(b) },
            9 => new PartyQueued { ConnId = conn, Queue = Dn(b + 5) },
            10 => new PartyDiverted { ConnId = conn, Dn = Dn(b + 5), Destination = Dn(c) },
            11 => new Abandoned { ConnId = conn, Dn = PartyDn(b) },
            12 => new DestinationBusy { ConnId = conn, Dn = PartyDn(b) },
            13 => new PartyAdded { ConnId = conn, Dn = PartyDn(b), Role = c < 4 ? PartyRole.ConferenceMember : PartyRole.Observer },
            14 => new PartyDeleted { ConnId = conn, Dn = PartyDn(b) },
            15 => new PartyChanged { ConnId = conn, NewConnId = c < 3 ? partner : c < 5 ? other : Conn(c) },
            16 => new TransferStarted { ConnId = conn, Controller = PartyDn(b), Target = Dn(c), Kind = (TransferKind)(c & 1), ConsultConnId = c < 2 ? partner : c < 4 ? other : c < 6 ? 0 : Conn(c) },
            17 => new TransferCompleted { ConnId = conn },
            18 => new TransferAborted { ConnId = conn },
            19 or 20 => new PartyReleased { ConnId = conn, Dn = PartyDn(b) },
            21 => new CallReleased { ConnId = conn, Cause = "random" },
            22 => new RouteRequested { ConnId = conn, RoutePoint = Dn(6), TimeoutMs = b * 1000 },
            23 => new RouteUsed { ConnId = conn, Destination = Dn(c) },
            24 => new RouteTimedOut { ConnId = conn },
            25 => new UserDataAttached { ConnId = conn, Pairs = { Kv(b, c) } },
            26 => new UserDataUpdated { ConnId = conn, Pairs = { Kv(b, c), Kv(b + 1, c) } },
            27 => new UserDataKeyDeleted { ConnId = conn, Key = Keys[b % 3] },
            28 => new UserDataCleared { ConnId = conn },
            29 => new TreatmentRequested { ConnId = conn, Dn = Dn(5 + (b % 3)), Type = (TreatmentType)c, Parameters = { Kv(c, c) } },
            30 => new TreatmentApplied { ConnId = conn, Dn = Dn(5 + (b % 3)), MediaResource = "port" + c },
            31 => new TreatmentEnded { ConnId = conn, Dn = Dn(5 + (b % 3)) },
            32 => new TreatmentNotApplied { ConnId = conn, Dn = Dn(5 + (b % 3)), Cause = "x" },
            33 => new IsccRequested { ConnId = conn, TransactionId = (uint)(b % 4), RemoteLocation = "siteB", TimeoutMs = c * 1000 },
            34 => new IsccResourceAllocated { TransactionId = (uint)(b % 4), AccessResource = Dn(c % 2 == 0 ? 10 : 6) },
            35 => new IsccSucceeded { TransactionId = (uint)(b % 4), RemoteConnId = 99 },
            36 => new IsccFailed { TransactionId = (uint)(b % 4), Cause = "f" },
            37 => new IsccTimedOut { TransactionId = (uint)(b % 4) },
            38 or 39 => new AgentLoggedIn { AgentId = Agents[a % 3], Dn = AgentDn(b), WorkMode = (AgentWorkMode)(c % 3), Queue = Harness.Dn("7000"), Place = c == 7 ? "P9" : "", PreferredSite = c == 6 ? "A" : "" },
            40 => new AgentLoggedOut { AgentId = Agents[a % 3] },
            41 => new AgentReady { AgentId = Agents[a % 3], WorkMode = (AgentWorkMode)(c % 4) },
            42 => new AgentNotReady { AgentId = Agents[a % 3], WorkMode = (AgentWorkMode)(c % 5), Reasons = { Kv(b, c) } },
            43 => new DnOutOfService { Dn = Dn(b) },
            44 => new DnBackInService { Dn = Dn(b) },
            45 => c < 4 ? new DndOn { Dn = Dn(b) } : new DndOff { Dn = Dn(b) },
            46 => c < 4 ? new ForwardSet { Dn = Dn(b), Mode = (ForwardMode)(c % 4), Destination = Dn(a) } : new ForwardCancel { Dn = Dn(b) },
            47 => c < 4 ? new MuteOn { ConnId = conn, Dn = PartyDn(b) } : new MuteOff { ConnId = conn, Dn = PartyDn(b) },
            48 => new SessionOpened { SessionId = Sessions[a % 3], ClientName = "c", LeaseMs = 1000 + (b * 10_000) },
            49 => new SessionRenewed { SessionId = Sessions[a % 3], LeaseMs = b * 10_000, LastAckedIndex = (ulong)c },
            50 => new SessionExpired { SessionId = c < 4 ? Sessions[a % 3] : string.Empty },
            51 => new AddressRegistered { Dn = PartyDn(b), RegisterMode = (RegisterMode)(c & 1) },
            52 => new AddressUnregistered { Dn = PartyDn(b) },
            53 => new ConnectorUp { ConnectorId = Connectors[a % 3], Endpoint = "e", LeaseMs = 1000, Epoch = d == 3 ? epoch(Connectors[a % 3]) : 0 },
            54 => new ConnectorDown { ConnectorId = Connectors[a % 3], Epoch = epoch(Connectors[a % 3]) },
            55 => new DnsReassigned
            {
                FromConnectorId = Connectors[a % 3],
                FromEpoch = epoch(Connectors[a % 3]),
                AdoptingConnectorId = d == 2 ? Connectors[(a + 1) % 3] : string.Empty,
                AdoptingEpoch = epoch(Connectors[(a + 1) % 3]),
                Assignments =
                {
                    new DnAssignment { Dn = Dn(b), ConnectorId = c == 3 ? string.Empty : Connectors[c % 3] },
                    new DnAssignment { Dn = Dn(b + 1), ConnectorId = Connectors[(c + 1) % 3] },
                },
            },
            56 => c < 4
                ? new ConnConferenceUpserted { Record = new ConnectorConference { ConferenceUri = "conf" + b % 3, ConnId = c == 0 ? 0 : conn, ConnectorId = Connectors[c % 3], Pooled = c == 0 }, Epoch = epoch(Connectors[c % 3]) }
                : new ConnConferenceRemoved { ConferenceUri = "conf" + b % 3, ConnectorId = Connectors[c % 3], Epoch = epoch(Connectors[c % 3]) },
            57 => c < 4
                ? new ConnConversationUpserted { Record = new ConnectorConversation { ConversationId = "cv" + b % 3, ConnId = conn, ConnectorId = Connectors[c % 3], Modalities = 5, Participants = { "sip:x" } }, Epoch = epoch(Connectors[c % 3]) }
                : new ConnConversationRemoved { ConversationId = "cv" + b % 3, ConnectorId = Connectors[c % 3], Epoch = epoch(Connectors[c % 3]) },
            58 => c < 4
                ? new ConnCallUpserted { Record = new ConnectorCall { CallId = "uc" + b % 3, ConnId = conn, ConnectorId = Connectors[c % 3], Parties = { new ConnectorParty { SipUri = "sip:y", Dn = Dn(b) } } }, Epoch = epoch(Connectors[c % 3]) }
                : new ConnCallRemoved { CallId = "uc" + b % 3, ConnectorId = Connectors[c % 3], Epoch = epoch(Connectors[c % 3]) },
            59 => c < 4
                ? new B2BUpserted { Record = new B2BCall { B2BId = "b2b" + b % 3, ConnId = conn, ConnectorId = Connectors[c % 3], FrontLegCallId = "f", BackLegCallId = "g" }, Epoch = epoch(Connectors[c % 3]) }
                : new B2BRemoved { B2BId = "b2b" + b % 3, ConnectorId = Connectors[c % 3], Epoch = epoch(Connectors[c % 3]) },
            60 => RandomConfig(a, b, c),
            62 => new CallsSwept { IdleMs = (b * 5_000) - 5_000, MaxCalls = (uint)(c % 4), OnlyUnanswered = (a & 1) == 0 },
            _ => new PartyEstablished { ConnId = conn, Dn = Dn(c) },
        };
    }

    private static ConfigApplied RandomConfig(int a, int b, int c)
    {
        var cfg = new ConfigApplied { Version = 1 + a + b, LoginConflictPolicy = (LoginConflictPolicy)(c & 1), Options = { Harness.Kv("opt" + b, "v" + c) } };
        // Decode states the right hash when it has the state (invariant 13); sometimes a wrong one.
        if (c == 7)
        {
            cfg.Hash = new byte[] { (byte)a, (byte)b };
        }

        if (c == 5)
        {
            cfg.DnRemovals.Add(Dn(b));
        }
        else if (c == 6)
        {
            cfg.DnUpserts.Add(new Dn { Id = Harness.Dn("3" + b), Type = AddressType.Dn, Place = "Q" + b, PeerDn = b == 0 ? Dn(0) : null });
        }

        return cfg;
    }
}
