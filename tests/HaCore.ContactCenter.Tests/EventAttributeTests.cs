using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

/// <summary>Events carry what a desktop needs, and requests are answered with their own ReferenceID.</summary>
public sealed class EventAttributeTests
{
    private readonly Harness _h = new();

    [Fact]
    public void RouteUsed_and_RouteTimedOut_carry_the_ReferenceID_of_their_own_request()
    {
        ulong id = _h.InboundCall();
        _h.Ok(new RouteRequested { ConnId = id, RoutePoint = Dn("8000"), TimeoutMs = 1000 }, Session, 5);
        CommandResult used = _h.Ok(new RouteUsed { ConnId = id, Destination = Dn("1002") }, Session, 9);
        Assert.Equal(9u, Assert.Single(used.Events).ReferenceId);

        _h.Ok(new RouteRequested { ConnId = id, RoutePoint = Dn("8000"), TimeoutMs = 0 }, Session, 10);
        CommandResult timedOut = _h.Ok(new RouteTimedOut { ConnId = id }, Session, 11);
        Assert.Equal(11u, Assert.Single(timedOut.Events).ReferenceId);

        // A timer with no request of its own reports to the requester of the route.
        _h.Ok(new RouteRequested { ConnId = id, RoutePoint = Dn("8000"), TimeoutMs = 0 }, Session, 12);
        Assert.Equal(12u, Assert.Single(_h.Ok(new RouteTimedOut { ConnId = id }).Events).ReferenceId);
    }

    [Fact]
    public void A_rejected_request_gets_one_EventError_echoing_its_ReferenceID_and_changes_nothing()
    {
        string before = _h.Sm.ComputeStateHashHex();
        CommandResult r = _h.Apply(new PartyEstablished { ConnId = 12345, Dn = Dn("1001") }, Session, 21);
        Assert.Equal(RejectReason.UnknownCall, r.RejectReason);
        Event e = Assert.Single(r.Events);
        Assert.Equal(EventKind.Error, e.Kind);
        Assert.Equal(21u, e.ReferenceId);
        Assert.Equal(RejectReason.UnknownCall, e.Error);
        Assert.Equal(r.Message, e.Cause);
        Assert.Equal(Session, e.SessionId);
        Assert.Equal(12345UL, e.ConnId);
        // Only the dedupe entry of the refused request is new.
        _h.Rejects(new PartyEstablished { ConnId = 12345, Dn = Dn("1001") }, RejectReason.UnknownCall);
        Assert.NotEqual(before, _h.Sm.ComputeStateHashHex());
    }

    [Fact]
    public void Ringing_and_Established_carry_user_data_call_type_ANI_DNIS_queue_and_call_state()
    {
        ulong id = _h.Ok(new CallCreated
        {
            Dn = Dn("9000"), InitialState = PartyState.Dialing, OtherDn = Dn("1001"), CallType = CallType.Inbound,
            Ani = "5551234", Dnis = "8000", UserData = { Kv("Segment", "gold") },
        }).ConnId;
        Event ringing = Assert.Single(_h.Ok(new PartyRinging { ConnId = id, Dn = Dn("1001"), OtherDn = Dn("9000"), ThisQueue = Dn("7000") }).Events);
        Event established = Assert.Single(_h.Ok(new PartyEstablished { ConnId = id, Dn = Dn("1001") }).Events);
        foreach (Event e in new[] { ringing, established })
        {
            Assert.Equal(["Segment"], e.UserData.Select(p => p.Key));
            Assert.Equal(CallType.Inbound, e.CallType);
            Assert.Equal("5551234", e.Ani);
            Assert.Equal("8000", e.Dnis);
            Assert.Equal("7000", e.ThisQueue!.Number);
            Assert.Equal("9000", e.OtherDn!.Number);
            Assert.Equal(CallState.Ok, e.CallState);
        }

        Assert.Equal(PartyState.Alerting, ringing.PartyState);
        Assert.Equal(PartyState.Connected, established.PartyState);
    }

    [Fact]
    public void Event_user_data_is_a_copy_that_later_changes_do_not_touch()
    {
        ulong id = _h.Ok(new CallCreated { Dn = Dn("9000"), InitialState = PartyState.Dialing, UserData = { Kv("k", "1") } }).ConnId;
        Event ringing = Assert.Single(_h.Ok(new PartyRinging { ConnId = id, Dn = Dn("1001") }).Events);
        _h.Ok(new UserDataUpdated { ConnId = id, Pairs = { Kv("k", "2") } });
        Assert.NotSame(ringing.UserData[0], _h.Call(id).UserData[0]);
        Assert.Equal("1", ringing.UserData[0].Value!.Str);
    }

    [Fact]
    public void AttachedDataChanged_carries_the_whole_list_after_the_change()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(new UserDataAttached { ConnId = id, Pairs = { Kv("a", "1") } });
        Event updated = Assert.Single(_h.Ok(new UserDataUpdated { ConnId = id, Pairs = { Kv("b", "2") } }).Events);
        Assert.Equal(["a", "b"], updated.UserData.Select(p => p.Key));
        Event deleted = Assert.Single(_h.Ok(new UserDataKeyDeleted { ConnId = id, Key = "a" }).Events);
        Assert.Equal("a", deleted.Key);
        Assert.Equal(["b"], deleted.UserData.Select(p => p.Key));
        Assert.Equal(CallType.Inbound, deleted.CallType);
    }

    [Fact]
    public void Call_events_of_routing_and_treatments_carry_the_call_attributes()
    {
        ulong id = _h.InboundCall();
        Event route = Assert.Single(_h.Ok(new RouteRequested { ConnId = id, RoutePoint = Dn("8000"), TimeoutMs = 1000 }).Events);
        Event treatment = Assert.Single(_h.Ok(new TreatmentRequested { ConnId = id, Dn = Dn("8000"), Type = TreatmentType.Music }).Events);
        foreach (Event e in new[] { route, treatment })
        {
            Assert.Equal(("5551234", "8000", CallType.Inbound), (e.Ani, e.Dnis, e.CallType));
        }
    }
}
