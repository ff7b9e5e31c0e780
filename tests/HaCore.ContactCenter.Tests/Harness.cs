using Xunit;

namespace HaCore.ContactCenter.Tests;

/// <summary>Applies commands with increasing index and leader time, and checks rejections change nothing.</summary>
internal sealed class Harness
{
    public const string Switch = "sw";
    public const string Session = "desk-1";
    public const string ConnectorA = "conn-a";
    public const string ConnectorB = "conn-b";

    public ContactCenterStateMachine Sm { get; }
    public ulong Index { get; private set; }
    public long Now { get; set; } = 1_700_000_000_000;

    public Harness(bool populated = true, ContactCenterOptions? options = null, long sessionLeaseMs = 60_000)
    {
        Sm = new ContactCenterStateMachine(options);
        if (populated)
        {
            Ok(StandardConfig(1));
            Ok(new SessionOpened { SessionId = Session, ClientName = "desktop", LeaseMs = sessionLeaseMs });
            Ok(new ConnectorUp { ConnectorId = ConnectorA, Endpoint = "a:1", Pool = "p", LeaseMs = 10_000 });
            Ok(new ConnectorUp { ConnectorId = ConnectorB, Endpoint = "b:1", Pool = "p", LeaseMs = 10_000 });
        }
    }

    public static DnId Dn(string number) => new() { SwitchName = Switch, Number = number };

    public static ConfigApplied StandardConfig(long version)
    {
        var c = new ConfigApplied { Version = version };
        for (int i = 1; i <= 4; i++)
        {
            c.DnUpserts.Add(new Dn { Id = Dn("100" + i), Type = AddressType.Dn, Place = "P" + i, Register = RegisterFlag.True, Site = "A" });
        }

        c.DnUpserts.Add(new Dn { Id = Dn("2001"), Type = AddressType.Position, Place = "P1" });
        c.DnUpserts.Add(new Dn { Id = Dn("7000"), Type = AddressType.Queue });
        c.DnUpserts.Add(new Dn { Id = Dn("8000"), Type = AddressType.RouteDn });
        c.DnUpserts.Add(new Dn { Id = Dn("9000"), Type = AddressType.Trunk });
        c.DnUpserts.Add(new Dn { Id = Dn("9001"), Type = AddressType.Trunk });
        c.DnUpserts.Add(new Dn { Id = Dn("9500"), Type = AddressType.VoiceChannel });
        c.DnUpserts.Add(new Dn { Id = Dn("9600"), Type = AddressType.RouteDn });
        c.Options.Add(new KvPair { Key = "protocol", Value = new KvValue { Str = "addp" } });
        return c;
    }

    public CommandResult Apply(ICommandKind kind, string session = "", uint referenceId = 0) =>
        Apply(Wrap(kind, session, referenceId));

    /// <summary>The Raft term the next commands are applied in (a connector's epoch does not depend on it).</summary>
    public ulong Term { get; set; } = 1;

    public CommandResult Apply(Command command)
    {
        // The proposer of a configuration change states the hash of the configuration it leaves (invariant 13);
        // a test that wants a wrong hash sets one.
        if (command.Kind is ConfigApplied { Hash.Length: 0 } config)
        {
            config.Hash = Sm.ConfigHashAfter(config);
        }

        Index++;
        Now += 10;
        return Sm.Apply(new CommandContext(Index, Term, Now), command);
    }

    public CommandResult Ok(ICommandKind kind, string session = "", uint referenceId = 0)
    {
        CommandResult r = Apply(kind, session, referenceId);
        Assert.True(r.RejectReason == RejectReason.None, $"{kind.GetType().Name} rejected: {r.RejectReason} {r.Message}");
        Assert.Empty(Sm.FindInvariantViolations());
        return r;
    }

    /// <summary>Asserts the command is rejected with <paramref name="reason"/> and changes nothing.</summary>
    public CommandResult Rejects(ICommandKind kind, RejectReason reason, string session = "", uint referenceId = 0)
    {
        string before = Sm.ComputeStateHashHex();
        CommandResult r = Apply(kind, session, referenceId);
        Assert.Equal(reason, r.RejectReason);
        Event error = Assert.Single(r.Events);
        Assert.Equal((EventKind.Error, reason, referenceId), (error.Kind, error.Error, error.ReferenceId));
        Assert.False(string.IsNullOrEmpty(r.Message));
        if (session.Length == 0 || referenceId == 0)
        {
            Assert.Equal(before, Sm.ComputeStateHashHex());
        }

        return r;
    }

    public static Command Wrap(ICommandKind kind, string session = "", uint referenceId = 0) =>
        new() { SessionId = session, ReferenceId = referenceId, Kind = kind };

    // ---- common scenarios ----

    /// <summary>An inbound call ringing at the trunk side, then an agent DN ringing and both connected.</summary>
    public ulong InboundCall(string agentDn = "1001", bool acd = true)
    {
        ulong id = Ok(new CallCreated
        {
            Dn = Dn("9000"), InitialState = PartyState.Dialing, OtherDn = Dn(agentDn), CallType = CallType.Inbound,
            Ani = "5551234", Dnis = "8000",
        }).ConnId;
        Ok(new PartyRinging { ConnId = id, Dn = Dn(agentDn), OtherDn = Dn("9000"), ThisQueue = acd ? Dn("7000") : null });
        return id;
    }

    public ulong ConnectedCall(string agentDn = "1001", bool acd = true)
    {
        ulong id = InboundCall(agentDn, acd);
        Ok(new PartyEstablished { ConnId = id, Dn = Dn(agentDn) });
        Ok(new PartyEstablished { ConnId = id, Dn = Dn("9000") });
        return id;
    }

    public void Login(string agentId, string dn, AgentWorkMode mode = AgentWorkMode.AutoIn) =>
        Ok(new AgentLoggedIn { AgentId = agentId, Dn = Dn(dn), WorkMode = mode, Queue = Dn("7000") });

    public Call Call(ulong connId) => Sm.GetCall(connId) ?? throw new InvalidOperationException("no call");

    public static KvPair Kv(string key, string value) => new() { Key = key, Value = new KvValue { Str = value } };
}
