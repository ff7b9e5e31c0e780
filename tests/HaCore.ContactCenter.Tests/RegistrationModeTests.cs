using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

/// <summary>RegisterMode and ControlMode decide what a session may request on a DN (T-Library semantics).</summary>
public sealed class RegistrationModeTests
{
    private const string Other = "desk-2";
    private readonly Harness _h = new();

    public RegistrationModeTests()
    {
        _h.Ok(new SessionOpened { SessionId = Other, ClientName = "desktop", LeaseMs = 60_000 });
    }

    [Fact]
    public void A_monitor_only_registration_refuses_requests_on_its_DN_with_EventError()
    {
        // Fails on the code before: the modes were stored only, and the request was applied.
        _h.Ok(new AddressRegistered { Dn = Dn("1001"), ControlMode = ControlMode.RegisterMonitor }, Session);
        ulong id = _h.ConnectedCall("1001");
        CommandResult r = _h.Rejects(new PartyHeld { ConnId = id, Dn = Dn("1001") }, RejectReason.NotControlling, Session, 7);
        Event error = Assert.Single(r.Events);
        Assert.Equal((7u, Session, id), (error.ReferenceId, error.SessionId, error.ConnId));
        _h.Rejects(new DndOn { Dn = Dn("1001") }, RejectReason.NotControlling, Session, 8);
        _h.Rejects(new AgentLoggedIn { AgentId = "a1", Dn = Dn("1001"), Queue = Dn("7000") }, RejectReason.NotControlling, Session, 9);
        Assert.Equal(PartyState.Connected, _h.Call(id).Parties.Single(p => p.Dn!.Number == "1001").State);
        // Its retry gets the same refusal from the dedupe table; other DNs and the connector (no session) are not affected.
        Assert.True(_h.Apply(new PartyHeld { ConnId = id, Dn = Dn("1001") }, Session, 7).Duplicate);
        _h.Ok(new DndOn { Dn = Dn("1002") }, Session, 10);
        _h.Ok(new PartyHeld { ConnId = id, Dn = Dn("1001") });
    }

    [Fact]
    public void Agent_requests_are_checked_on_the_agents_DN()
    {
        _h.Login("a1", "1001");
        _h.Ok(new AddressRegistered { Dn = Dn("1001"), ControlMode = ControlMode.RegisterMonitor }, Session);
        _h.Rejects(new AgentReady { AgentId = "a1" }, RejectReason.NotControlling, Session, 1);
        _h.Ok(new AddressUnregistered { Dn = Dn("1001") }, Session);
        _h.Ok(new AgentReady { AgentId = "a1" }, Session, 2);
    }

    [Fact]
    public void A_private_registration_gives_its_session_exclusive_control()
    {
        _h.Ok(new AddressRegistered { Dn = Dn("1002"), RegisterMode = RegisterMode.Private, ControlMode = ControlMode.RegisterControl }, Session);
        _h.Rejects(new AddressRegistered { Dn = Dn("1002"), RegisterMode = RegisterMode.Private }, RejectReason.NotControlling, Other);
        // Another session may still monitor it (share), but not request on it.
        _h.Ok(new AddressRegistered { Dn = Dn("1002") }, Other);
        _h.Rejects(new DndOn { Dn = Dn("1002") }, RejectReason.NotControlling, Other, 1);
        _h.Ok(new DndOn { Dn = Dn("1002") }, Session, 1);
        // The exclusivity ends with the registration (here: the holder's session expires).
        _h.Ok(new SessionRenewed { SessionId = Other, LeaseMs = 600_000 });
        _h.Now += 120_000;
        _h.Ok(new SessionExpired { SessionId = Session });
        _h.Ok(new DndOff { Dn = Dn("1002") }, Other, 2);
        Assert.Empty(_h.Sm.FindInvariantViolations());
    }

    [Fact]
    public void Private_registrations_survive_a_snapshot()
    {
        _h.Ok(new AddressRegistered { Dn = Dn("1002"), RegisterMode = RegisterMode.Private }, Session);
        var restored = new ContactCenterStateMachine();
        restored.LoadSnapshot(Contract.Deserialize<Snapshot>(new System.Buffers.ReadOnlySequence<byte>(Contract.Serialize(_h.Sm.CreateSnapshot()))));
        CommandResult r = restored.Apply(new CommandContext(_h.Index + 1, 1, _h.Now + 10), Wrap(new DndOn { Dn = Dn("1002") }, Other, 1));
        Assert.Equal(RejectReason.NotControlling, r.RejectReason);
        Assert.Empty(restored.FindInvariantViolations());
    }
}
