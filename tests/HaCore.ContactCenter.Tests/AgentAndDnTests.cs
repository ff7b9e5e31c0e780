using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

public sealed class AgentAndDnTests
{
    private readonly Harness _h = new();

    [Fact]
    public void AgentLoggedIn_sets_DN_place_and_state_per_work_mode()
    {
        CommandResult r = _h.Ok(new AgentLoggedIn { AgentId = "a1", Dn = Dn("1001"), WorkMode = AgentWorkMode.ManualIn, PreferredSite = "A" }, Session, 4);
        Assert.Equal(EventKind.AgentLogin, r.Events[0].Kind);
        Assert.Equal(4u, r.Events[0].ReferenceId);
        Agent a = _h.Sm.GetAgent("a1")!;
        Assert.Equal(AgentState.NotReady, a.State);
        Assert.Equal("P1", a.Place);
        _h.Ok(new AgentLoggedIn { AgentId = "a2", Dn = Dn("1002"), WorkMode = AgentWorkMode.AutoIn });
        Assert.Equal(AgentState.Ready, _h.Sm.GetAgentState("a2"));
    }

    [Fact]
    public void AgentLoggedIn_repeated_on_the_same_DN_changes_nothing_and_is_answered()
    {
        _h.Login("a1", "1001");
        string before = _h.Sm.ComputeStateHashHex();
        _h.Ok(new AgentLoggedIn { AgentId = "a1", Dn = Dn("1001"), WorkMode = AgentWorkMode.AutoIn });
        Assert.Equal(before, _h.Sm.ComputeStateHashHex());
        CommandResult r = _h.Ok(new AgentLoggedIn { AgentId = "a1", Dn = Dn("1001"), WorkMode = AgentWorkMode.AutoIn }, Session, 3);
        Event e = Assert.Single(r.Events);
        Assert.Equal((EventKind.AgentLogin, 3u, AgentState.Ready, "1001"), (e.Kind, e.ReferenceId, e.AgentState, e.ThisDn!.Number));
    }

    [Fact]
    public void AgentLoggedOut_is_refused_while_the_agents_DN_has_calls()
    {
        _h.Login("a1", "1001");
        ulong id = _h.ConnectedCall();
        _h.Rejects(new AgentLoggedOut { AgentId = "a1" }, RejectReason.DnInUse);
        _h.Ok(new CallReleased { ConnId = id });
        _h.Ok(new AgentLoggedOut { AgentId = "a1" });
    }

    [Fact]
    public void A_forced_logout_event_carries_no_ReferenceID_of_the_other_agents_request()
    {
        _h.Ok(new ConfigApplied { Version = 2, LoginConflictPolicy = LoginConflictPolicy.ForceLogout });
        _h.Login("a1", "1001");
        CommandResult r = _h.Ok(new AgentLoggedIn { AgentId = "a2", Dn = Dn("1001"), WorkMode = AgentWorkMode.AutoIn }, Session, 8);
        Assert.Equal([(EventKind.AgentLogout, "a1", 0u), (EventKind.AgentLogin, "a2", 8u)], r.Events.Select(e => (e.Kind, e.AgentId, e.ReferenceId)));
    }

    [Fact]
    public void One_agent_per_place_another_DN_of_the_place_is_refused_or_forces_the_first_out()
    {
        _h.Login("a1", "1001");
        // 2001 is the ACD position of place P1, like 1001.
        _h.Rejects(new AgentLoggedIn { AgentId = "a2", Dn = Dn("2001"), WorkMode = AgentWorkMode.AutoIn }, RejectReason.DnHasOtherAgent);
        _h.Ok(new ConfigApplied { Version = 2, LoginConflictPolicy = LoginConflictPolicy.ForceLogout });
        CommandResult r = _h.Ok(new AgentLoggedIn { AgentId = "a2", Dn = Dn("2001"), WorkMode = AgentWorkMode.AutoIn });
        Assert.Equal([(EventKind.AgentLogout, "a1"), (EventKind.AgentLogin, "a2")], r.Events.Select(e => (e.Kind, e.AgentId)));
        Assert.Equal(AgentState.Null, _h.Sm.GetAgentState("a1"));
        _h.Ok(new AgentLoggedOut { AgentId = "a2" });
        _h.Login("a1", "1001");
    }

    [Fact]
    public void A_ManualIn_agent_goes_to_after_call_work_when_its_ACD_call_ends()
    {
        _h.Login("a1", "1001", AgentWorkMode.ManualIn);
        _h.Ok(new AgentReady { AgentId = "a1", WorkMode = AgentWorkMode.ManualIn });
        ulong id = _h.ConnectedCall();
        Assert.Equal(AgentState.BusyReady, _h.Sm.GetAgentState("a1"));
        _h.Ok(new CallReleased { ConnId = id });
        Assert.Equal(AgentState.NotReady, _h.Sm.GetAgentState("a1"));
        Assert.Equal(AgentWorkMode.AfterCallWork, _h.Sm.GetAgent("a1")!.WorkMode);
    }

    [Fact]
    public void AgentLoggedIn_rejects_non_agent_DN_unknown_DN_and_place_mismatch()
    {
        _h.Rejects(new AgentLoggedIn { AgentId = "a1", Dn = Dn("7000") }, RejectReason.NotAnAgentDn);
        _h.Rejects(new AgentLoggedIn { AgentId = "a1", Dn = Dn("x") }, RejectReason.UnknownDn);
        _h.Rejects(new AgentLoggedIn { AgentId = "a1", Dn = Dn("1001"), Place = "P9" }, RejectReason.PlaceMismatch);
        _h.Rejects(new AgentLoggedIn { AgentId = "", Dn = Dn("1001") }, RejectReason.InvalidArgument);
        _h.Rejects(new AgentLoggedIn { AgentId = "a1", Dn = Dn("2001"), PreferredSite = "A" }, RejectReason.NotAnAgentDn);
    }

    [Fact]
    public void Invariant1_one_agent_per_DN_rejects_second_agent_by_default()
    {
        _h.Login("a1", "1001");
        _h.Rejects(new AgentLoggedIn { AgentId = "a2", Dn = Dn("1001") }, RejectReason.DnHasOtherAgent);
    }

    [Fact]
    public void Invariant1_one_DN_per_agent()
    {
        _h.Login("a1", "1001");
        _h.Rejects(new AgentLoggedIn { AgentId = "a1", Dn = Dn("1002") }, RejectReason.AgentLoggedInElsewhere);
    }

    [Fact]
    public void Invariant1_force_logout_policy_replaces_the_old_agent()
    {
        var cfg = new ConfigApplied { Version = 2, LoginConflictPolicy = LoginConflictPolicy.ForceLogout };
        _h.Ok(cfg);
        _h.Login("a1", "1001");
        CommandResult r = _h.Ok(new AgentLoggedIn { AgentId = "a2", Dn = Dn("1001"), WorkMode = AgentWorkMode.AutoIn });
        Assert.Equal([EventKind.AgentLogout, EventKind.AgentLogin], r.Events.Select(e => e.Kind));
        Assert.Equal(AgentState.Null, _h.Sm.GetAgentState("a1"));
        Assert.Equal("a2", _h.Sm.GetDn(Dn("1001"))!.LoggedInAgent);
    }

    [Fact]
    public void AgentLoggedOut_clears_the_DN_and_rejects_a_logged_out_agent()
    {
        _h.Login("a1", "1001");
        _h.Ok(new AgentLoggedOut { AgentId = "a1" });
        Assert.Equal(AgentState.Null, _h.Sm.GetAgentState("a1"));
        Assert.Equal("", _h.Sm.GetDn(Dn("1001"))!.LoggedInAgent);
        _h.Rejects(new AgentLoggedOut { AgentId = "a1" }, RejectReason.AgentNotLoggedIn);
        _h.Rejects(new AgentLoggedOut { AgentId = "zz" }, RejectReason.UnknownAgent);
    }

    [Fact]
    public void AgentReady_sets_ready_and_rejects_ACW_as_ready_mode()
    {
        _h.Login("a1", "1001", AgentWorkMode.ManualIn);
        CommandResult r = _h.Ok(new AgentReady { AgentId = "a1", WorkMode = AgentWorkMode.ManualIn }, Session, 8);
        Assert.Equal(8u, r.Events[0].ReferenceId);
        Assert.Equal(AgentState.Ready, _h.Sm.GetAgentState("a1"));
        _h.Rejects(new AgentReady { AgentId = "a1", WorkMode = AgentWorkMode.AfterCallWork }, RejectReason.InvalidAgentTransition);
    }

    [Fact]
    public void AgentNotReady_records_reasons_and_ACW()
    {
        _h.Login("a1", "1001");
        _h.Ok(new AgentNotReady { AgentId = "a1", WorkMode = AgentWorkMode.AfterCallWork, Reasons = { Kv("ReasonCode", "12") } });
        Agent a = _h.Sm.GetAgent("a1")!;
        Assert.Equal(AgentState.NotReady, a.State);
        Assert.Equal(AgentWorkMode.AfterCallWork, a.WorkMode);
        Assert.Equal("12", a.Reasons[0].Value!.Str);
        _h.Rejects(new AgentNotReady { AgentId = "a1", WorkMode = AgentWorkMode.AutoIn }, RejectReason.InvalidAgentTransition);
    }

    [Fact]
    public void Invariant6_ACW_only_while_logged_in()
    {
        _h.Login("a1", "1001");
        _h.Ok(new AgentLoggedOut { AgentId = "a1" });
        _h.Rejects(new AgentNotReady { AgentId = "a1", WorkMode = AgentWorkMode.AfterCallWork }, RejectReason.AgentNotLoggedIn);
        _h.Rejects(new AgentReady { AgentId = "a1" }, RejectReason.AgentNotLoggedIn);
    }

    [Fact]
    public void Invariant6_busy_only_for_ACD_calls()
    {
        _h.Login("a1", "1001");
        _h.ConnectedCall("1001", acd: false);
        Assert.Equal(AgentState.Ready, _h.Sm.GetAgentState("a1"));
        _h.Login("a2", "1002");
        ulong id = _h.ConnectedCall("1002", acd: true);
        Assert.Equal(AgentState.BusyReady, _h.Sm.GetAgentState("a2"));
        _h.Ok(new AgentNotReady { AgentId = "a2", WorkMode = AgentWorkMode.AfterCallWork });
        Assert.Equal(AgentState.BusyAfterCallWork, _h.Sm.GetAgentState("a2"));
        _h.Ok(new CallReleased { ConnId = id });
        Assert.Equal(AgentState.NotReady, _h.Sm.GetAgentState("a2"));
    }

    [Fact]
    public void DnOutOfService_and_DnBackInService_toggle_and_reject_repeats()
    {
        _h.Ok(new DnOutOfService { Dn = Dn("1001") });
        Assert.True(_h.Sm.GetDn(Dn("1001"))!.OutOfService);
        _h.Rejects(new DnOutOfService { Dn = Dn("1001") }, RejectReason.AlreadyInState);
        _h.Ok(new DnBackInService { Dn = Dn("1001") });
        _h.Rejects(new DnBackInService { Dn = Dn("1001") }, RejectReason.AlreadyInState);
        _h.Rejects(new DnOutOfService { Dn = Dn("none") }, RejectReason.UnknownDn);
    }

    [Fact]
    public void DndOn_and_DndOff_toggle_and_reject_repeats()
    {
        _h.Ok(new DndOn { Dn = Dn("1001") });
        Assert.True(_h.Sm.GetDn(Dn("1001"))!.Dnd);
        _h.Rejects(new DndOn { Dn = Dn("1001") }, RejectReason.AlreadyInState);
        _h.Ok(new DndOff { Dn = Dn("1001") });
        _h.Rejects(new DndOff { Dn = Dn("1001") }, RejectReason.AlreadyInState);
    }

    [Fact]
    public void ForwardSet_sets_forwarding_and_rejects_bad_destination()
    {
        _h.Ok(new ForwardSet { Dn = Dn("1001"), Mode = ForwardMode.Unconditional, Destination = Dn("1002") });
        Assert.Equal("1002", _h.Sm.GetDn(Dn("1001"))!.Forward!.Destination!.Number);
        _h.Rejects(new ForwardSet { Dn = Dn("1001"), Mode = ForwardMode.Unconditional, Destination = Dn("1001") }, RejectReason.InvalidArgument);
        _h.Rejects(new ForwardSet { Dn = Dn("1001"), Mode = ForwardMode.None, Destination = Dn("1002") }, RejectReason.InvalidArgument);
    }

    [Fact]
    public void ForwardCancel_clears_forwarding_and_rejects_when_not_forwarded()
    {
        _h.Rejects(new ForwardCancel { Dn = Dn("1001") }, RejectReason.AlreadyInState);
        _h.Ok(new ForwardSet { Dn = Dn("1001"), Mode = ForwardMode.OnBusy, Destination = Dn("1002") });
        _h.Ok(new ForwardCancel { Dn = Dn("1001") });
        Assert.Null(_h.Sm.GetDn(Dn("1001"))!.Forward);
    }
}
