using System.Globalization;
using System.Text;
using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

/// <summary>
/// Scripted T-Library call flows with the exact event sequence each DN gets (the tables of
/// docs/contact-center.md). M is the main call, K the consult call.
/// </summary>
public sealed class CallFlowTests
{
    private readonly Harness _h = new();

    /// <summary>The events of a result per DN, each as "Kind conn=.. prev=.. other=.. third=.. state=..".</summary>
    private static Dictionary<string, List<string>> PerDn(CommandResult r, Dictionary<ulong, string> names)
    {
        var map = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (Event e in r.Events)
        {
            string dn = e.ThisDn?.Number ?? "-";
            if (!map.TryGetValue(dn, out List<string>? list))
            {
                map[dn] = list = [];
            }

            list.Add(Describe(e, names));
        }

        return map;
    }

    private static string Describe(Event e, Dictionary<ulong, string> names)
    {
        string Name(ulong id) => names.TryGetValue(id, out string? n) ? n : id.ToString(CultureInfo.InvariantCulture);
        var s = new StringBuilder(e.Kind.ToString());
        s.Append(" conn=").Append(Name(e.ConnId));
        if (e.PreviousConnId != 0)
        {
            s.Append(" prev=").Append(Name(e.PreviousConnId));
        }

        if (e.OtherDn is not null)
        {
            s.Append(" other=").Append(e.OtherDn.Number);
        }

        if (e.ThirdPartyDn is not null)
        {
            s.Append(" third=").Append(e.ThirdPartyDn.Number);
        }

        s.Append(" state=").Append(e.CallState);
        return s.ToString();
    }

    private static void AssertEvents(Dictionary<string, List<string>> actual, params (string Dn, string[] Events)[] expected)
    {
        Assert.Equal(expected.Select(x => x.Dn).Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach ((string dn, string[] events) in expected)
        {
            Assert.Equal(events, actual[dn]);
        }
    }

    /// <summary>M: 9000 (caller) and 1001 (agent a1), connected; 1001 holds M and consults 1002 (agent a2) on K.</summary>
    private (ulong M, ulong K, Dictionary<ulong, string> Names) Consulted(bool startTransfer)
    {
        _h.Login("a1", "1001");
        _h.Login("a2", "1002");
        ulong m = _h.ConnectedCall();
        _h.Ok(new UserDataAttached { ConnId = m, Pairs = { Kv("Segment", "gold") } });
        _h.Ok(new PartyHeld { ConnId = m, Dn = Dn("1001") });
        if (startTransfer)
        {
            _h.Ok(new TransferStarted { ConnId = m, Controller = Dn("1001"), Kind = TransferKind.TwoStep, Target = Dn("1002") });
        }

        ulong k = _h.Ok(new CallCreated { Dn = Dn("1001"), InitialState = PartyState.Dialing, OtherDn = Dn("1002"), OrigConnId = m, CallType = CallType.Consult }).ConnId;
        _h.Ok(new PartyRinging { ConnId = k, Dn = Dn("1002"), OtherDn = Dn("1001"), ThisQueue = Dn("7000") });
        _h.Ok(new PartyEstablished { ConnId = k, Dn = Dn("1002") });
        _h.Ok(new PartyEstablished { ConnId = k, Dn = Dn("1001") });
        return (m, k, new Dictionary<ulong, string> { [m] = "M", [k] = "K" });
    }

    private void AssertTransferred(ulong m, ulong k, string uuid)
    {
        Assert.Null(_h.Sm.GetCall(k));
        Call call = _h.Call(m);
        Assert.Equal(uuid, call.CallUuid);
        Assert.Equal(CallState.Transferred, call.State);
        Assert.Null(call.TransferInProgress);
        Assert.Equal(0UL, call.TransferConnId);
        Assert.Equal(["9000", "1002"], call.Parties.Select(p => p.Dn!.Number));
        Assert.Equal("1002", call.Parties[0].OtherDn!.Number);
        Assert.Equal("9000", call.Parties[1].OtherDn!.Number);
        Assert.Empty(_h.Sm.GetCallsOnDn(Dn("1001")));
        Assert.Equal([m], _h.Sm.GetCallsOnDn(Dn("1002")));
        Assert.Equal([m], _h.Sm.GetCallsOnDn(Dn("9000")));
        Assert.Equal(AgentState.Ready, _h.Sm.GetAgentState("a1"));
        Assert.Equal(AgentState.BusyReady, _h.Sm.GetAgentState("a2"));
        PropertyTests.AssertNoReference(_h.Sm, k);
    }

    [Fact]
    public void Two_step_transfer_keeps_the_callers_ConnId_and_releases_the_controller_from_both_legs()
    {
        (ulong m, ulong k, var names) = Consulted(startTransfer: true);
        string uuid = _h.Call(m).CallUuid;
        CommandResult r = _h.Ok(new TransferCompleted { ConnId = m }, Session, 40);
        AssertEvents(PerDn(r, names),
            ("1001", ["TransferCompleted conn=M prev=K other=1002 state=Transferred",
                      "Released conn=K other=1002 state=Transferred",
                      "Released conn=M other=9000 third=1002 state=Transferred"]),
            ("1002", ["PartyChanged conn=M prev=K other=9000 third=1001 state=Transferred"]),
            ("9000", ["PartyChanged conn=M other=1002 third=1001 state=Transferred"]),
            ("-", ["CallDeleted conn=K state=Transferred"]));
        Assert.All(r.Events, e => Assert.Equal(40u, e.ReferenceId));
        Assert.Equal(m, r.ConnId);
        AssertTransferred(m, k, uuid);
    }

    [Fact]
    public void PartyChanged_on_a_transfer_in_progress_completes_it_the_same_way_whichever_call_it_names_first()
    {
        (ulong m, ulong k, var names) = Consulted(startTransfer: true);
        string uuid = _h.Call(m).CallUuid;
        CommandResult r = _h.Ok(new PartyChanged { ConnId = m, NewConnId = k });
        Assert.Equal(m, r.ConnId);
        Assert.Equal(["PartyChanged conn=M prev=K other=9000 third=1001 state=Transferred"], PerDn(r, names)["1002"]);
        AssertTransferred(m, k, uuid);
    }

    [Fact]
    public void Unrelated_calls_cannot_be_merged()
    {
        ulong a = _h.ConnectedCall();
        ulong b = _h.ConnectedCall("1002");
        _h.Rejects(new PartyChanged { ConnId = a, NewConnId = b }, RejectReason.InvalidArgument);
    }

    [Fact]
    public void Conference_from_a_consult_keeps_the_main_ConnId_and_becomes_Conferenced()
    {
        (ulong m, ulong k, var names) = Consulted(startTransfer: false);
        CommandResult r = _h.Ok(new PartyChanged { ConnId = k, NewConnId = m });
        AssertEvents(PerDn(r, names),
            ("1001", ["Released conn=K other=1002 state=Conferenced",
                      "Retrieved conn=M other=9000 state=Conferenced",
                      "PartyAdded conn=M other=9000 third=1002 state=Conferenced"]),
            ("1002", ["PartyChanged conn=M prev=K other=1001 third=1001 state=Conferenced"]),
            ("9000", ["PartyAdded conn=M other=1001 third=1002 state=Conferenced"]),
            ("-", ["CallDeleted conn=K state=Conferenced"]));
        Call call = _h.Call(m);
        Assert.Equal(CallState.Conferenced, call.State);
        Assert.Equal(3, call.Parties.Count);
        Assert.All(call.Parties, p => Assert.Equal(PartyState.Connected, p.State));
        Assert.Null(_h.Sm.GetCall(k));
        Assert.Equal([m], _h.Sm.GetCallsOnDn(Dn("1001")));
        PropertyTests.AssertNoReference(_h.Sm, k);

        // A member leaving: EventReleased for it, EventPartyDeleted (ThirdPartyDN) for the rest.
        r = _h.Ok(new PartyReleased { ConnId = m, Dn = Dn("1002"), Cause = "hangup" });
        AssertEvents(PerDn(r, names),
            ("1002", ["Released conn=M other=1001 state=Ok"]),
            ("9000", ["PartyDeleted conn=M other=1001 third=1002 state=Ok"]),
            ("1001", ["PartyDeleted conn=M other=9000 third=1002 state=Ok"]));
        Assert.Equal(CallState.Ok, _h.Call(m).State);
    }

    [Fact]
    public void Single_step_conference_add_and_delete_notify_the_other_parties()
    {
        ulong m = _h.ConnectedCall();
        var names = new Dictionary<ulong, string> { [m] = "M" };
        CommandResult r = _h.Ok(new PartyAdded { ConnId = m, Dn = Dn("1003"), Role = PartyRole.ConferenceMember, OtherDn = Dn("1001") });
        AssertEvents(PerDn(r, names),
            ("1003", ["Established conn=M other=1001 state=Conferenced"]),
            ("9000", ["PartyAdded conn=M other=1001 third=1003 state=Conferenced"]),
            ("1001", ["PartyAdded conn=M other=9000 third=1003 state=Conferenced"]));
        r = _h.Ok(new PartyDeleted { ConnId = m, Dn = Dn("1003") });
        AssertEvents(PerDn(r, names),
            ("1003", ["Released conn=M other=1001 state=Ok"]),
            ("9000", ["PartyDeleted conn=M other=1001 third=1003 state=Ok"]),
            ("1001", ["PartyDeleted conn=M other=9000 third=1003 state=Ok"]));
        Assert.Equal(CallState.Ok, _h.Call(m).State);
        Assert.Equal("deleted", r.Events[0].Cause);
    }

    [Fact]
    public void An_observer_joins_and_leaves_silently_and_does_not_make_a_conference()
    {
        ulong m = _h.ConnectedCall();
        var names = new Dictionary<ulong, string> { [m] = "M" };
        CommandResult r = _h.Ok(new PartyAdded { ConnId = m, Dn = Dn("1004"), Role = PartyRole.Observer, OtherDn = Dn("1001") });
        AssertEvents(PerDn(r, names), ("1004", ["Established conn=M other=1001 state=Ok"]));
        r = _h.Ok(new PartyDeleted { ConnId = m, Dn = Dn("1004") });
        AssertEvents(PerDn(r, names), ("1004", ["Released conn=M other=1001 state=Ok"]));
    }

    [Fact]
    public void Abandon_while_ringing_gives_each_DN_EventAbandoned_and_no_EventReleased()
    {
        _h.Login("a1", "1001");
        ulong m = _h.InboundCall();
        var names = new Dictionary<ulong, string> { [m] = "M" };
        CommandResult r = _h.Ok(new Abandoned { ConnId = m, Dn = Dn("9000") });
        AssertEvents(PerDn(r, names),
            ("9000", ["Abandoned conn=M other=1001 state=Abandoned"]),
            ("1001", ["Abandoned conn=M other=9000 state=Abandoned"]),
            ("-", ["CallDeleted conn=M state=Abandoned"]));
        Assert.Null(_h.Sm.GetCall(m));
        PropertyTests.AssertNoReference(_h.Sm, m);
        Assert.Equal(AgentState.Ready, _h.Sm.GetAgentState("a1"));
    }

    [Fact]
    public void Abandon_in_a_queue_ends_the_call_for_the_queue_too()
    {
        ulong m = _h.Ok(new CallCreated { Dn = Dn("9000"), InitialState = PartyState.Dialing, CallType = CallType.Inbound }).ConnId;
        _h.Ok(new PartyQueued { ConnId = m, Queue = Dn("7000"), OtherDn = Dn("9000") });
        var names = new Dictionary<ulong, string> { [m] = "M" };
        CommandResult r = _h.Ok(new Abandoned { ConnId = m, Dn = Dn("9000") });
        AssertEvents(PerDn(r, names),
            ("9000", ["Abandoned conn=M state=Abandoned"]),
            ("7000", ["Abandoned conn=M other=9000 state=Abandoned"]),
            ("-", ["CallDeleted conn=M state=Abandoned"]));
    }

    [Fact]
    public void Abandon_releases_only_the_abandoning_leg_while_other_parties_are_connected()
    {
        ulong m = _h.ConnectedCall();
        _h.Ok(new PartyRinging { ConnId = m, Dn = Dn("1002"), OtherDn = Dn("1001") });
        var names = new Dictionary<ulong, string> { [m] = "M" };
        CommandResult r = _h.Ok(new Abandoned { ConnId = m, Dn = Dn("1002") });
        AssertEvents(PerDn(r, names), ("1002", ["Abandoned conn=M other=1001 state=Ok"]));
        Assert.Equal(["9000", "1001"], _h.Call(m).Parties.Select(p => p.Dn!.Number));
        Assert.Empty(_h.Sm.GetCallsOnDn(Dn("1002")));
    }

    [Fact]
    public void Conferenced_resets_when_the_conference_falls_to_two_parties()
    {
        ulong m = _h.ConnectedCall();
        _h.Ok(new PartyAdded { ConnId = m, Dn = Dn("1002"), Role = PartyRole.ConferenceMember });
        _h.Ok(new PartyAdded { ConnId = m, Dn = Dn("1003"), Role = PartyRole.ConferenceMember });
        _h.Ok(new PartyReleased { ConnId = m, Dn = Dn("1002") });
        Assert.Equal(CallState.Conferenced, _h.Call(m).State);
        _h.Ok(new PartyReleased { ConnId = m, Dn = Dn("1003") });
        Assert.Equal(CallState.Ok, _h.Call(m).State);
    }

    [Fact]
    public void A_route_request_puts_a_routing_point_party_on_the_call_until_the_route_is_used()
    {
        ulong m = _h.Ok(new CallCreated { Dn = Dn("9000"), InitialState = PartyState.Dialing, OtherDn = Dn("8000"), CallType = CallType.Inbound }).ConnId;
        var names = new Dictionary<ulong, string> { [m] = "M" };
        CommandResult r = _h.Ok(new RouteRequested { ConnId = m, RoutePoint = Dn("8000"), TimeoutMs = 1000 }, Session, 4);
        AssertEvents(PerDn(r, names), ("8000", ["RouteRequest conn=M other=9000 state=Ok"]));
        Assert.Equal(PartyState.Routing, _h.Call(m).Parties[1].State);
        Assert.Equal([m], _h.Sm.GetCallsOnDn(Dn("8000")));
        r = _h.Ok(new RouteUsed { ConnId = m, Destination = Dn("1001") });
        AssertEvents(PerDn(r, names), ("8000", ["RouteUsed conn=M other=1001 state=Ok"]));
        Assert.Equal(4u, r.Events[0].ReferenceId);
        Assert.Single(_h.Call(m).Parties);
        Assert.Empty(_h.Sm.GetCallsOnDn(Dn("8000")));
    }

    [Fact]
    public void A_caller_abandoning_at_a_routing_point_ends_the_call_for_the_routing_point_too()
    {
        ulong m = _h.Ok(new CallCreated { Dn = Dn("9000"), InitialState = PartyState.Dialing, OtherDn = Dn("8000") }).ConnId;
        _h.Ok(new RouteRequested { ConnId = m, RoutePoint = Dn("8000"), TimeoutMs = 1000 });
        var names = new Dictionary<ulong, string> { [m] = "M" };
        CommandResult r = _h.Ok(new Abandoned { ConnId = m, Dn = Dn("9000") });
        AssertEvents(PerDn(r, names),
            ("9000", ["Abandoned conn=M other=8000 state=Abandoned"]),
            ("8000", ["Abandoned conn=M other=9000 state=Abandoned"]),
            ("-", ["CallDeleted conn=M state=Abandoned"]));
        PropertyTests.AssertNoReference(_h.Sm, m);
    }
}
