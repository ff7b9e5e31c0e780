using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

public sealed class CallCommandTests
{
    private readonly Harness _h = new();

    [Fact]
    public void CallCreated_allocates_a_ConnId_and_first_party()
    {
        CommandResult r = _h.Ok(new CallCreated { Dn = Dn("9000"), InitialState = PartyState.Alerting, Ani = "555", CallType = CallType.Inbound }, Session, 7);
        Assert.Equal((1UL << 48) | 1, r.ConnId);
        Assert.Contains(r.Events, e => e.Kind == EventKind.Ringing && e.ReferenceId == 7);
        Call call = _h.Call(r.ConnId);
        Assert.Single(call.Parties);
        Assert.Equal(PartyState.Alerting, call.Parties[0].State);
        Assert.Equal(32, call.CallUuid.Length);
        Assert.Equal([r.ConnId], _h.Sm.GetCallsOnDn(Dn("9000")));
    }

    [Fact]
    public void CallCreated_rejects_unknown_DN_and_bad_initial_state()
    {
        _h.Rejects(new CallCreated { Dn = Dn("nope"), InitialState = PartyState.Dialing }, RejectReason.UnknownDn);
        _h.Rejects(new CallCreated { Dn = Dn("9000"), InitialState = PartyState.Held }, RejectReason.InvalidPartyTransition);
        _h.Rejects(new CallCreated { Dn = Dn("9000"), InitialState = PartyState.Dialing, OrigConnId = 42 }, RejectReason.UnknownCall);
    }

    [Fact]
    public void Consult_call_links_to_its_main_call()
    {
        ulong main = _h.ConnectedCall();
        ulong consult = _h.Ok(new CallCreated { Dn = Dn("1001"), InitialState = PartyState.Dialing, OrigConnId = main, CallType = CallType.Consult }).ConnId;
        Assert.Equal(consult, _h.Call(main).TransferConnId);
        Assert.Equal(_h.Call(main).CallUuid, _h.Call(consult).OrigCallUuid);
    }

    [Fact]
    public void PartyDialing_adds_party_and_rejects_illegal_transition()
    {
        ulong id = _h.ConnectedCall();
        CommandResult r = _h.Ok(new PartyDialing { ConnId = id, Dn = Dn("1002") });
        Assert.Equal(EventKind.Dialing, r.Events[0].Kind);
        _h.Rejects(new PartyDialing { ConnId = id, Dn = Dn("1001") }, RejectReason.InvalidPartyTransition);
        _h.Rejects(new PartyDialing { ConnId = 99, Dn = Dn("1002") }, RejectReason.UnknownCall);
    }

    [Fact]
    public void PartyRinging_adds_alerting_party_and_rejects_ringing_a_connected_party()
    {
        ulong id = _h.InboundCall();
        Assert.Equal(PartyState.Alerting, _h.Call(id).Parties[1].State);
        _h.Ok(new PartyEstablished { ConnId = id, Dn = Dn("1001") });
        _h.Rejects(new PartyRinging { ConnId = id, Dn = Dn("1001") }, RejectReason.InvalidPartyTransition);
    }

    [Fact]
    public void PartyRinging_rejects_out_of_service_DN()
    {
        ulong id = _h.InboundCall();
        _h.Ok(new DnOutOfService { Dn = Dn("1002") });
        _h.Rejects(new PartyRinging { ConnId = id, Dn = Dn("1002") }, RejectReason.DnOutOfService);
    }

    [Fact]
    public void PartyEstablished_connects_and_makes_ACD_agent_busy()
    {
        _h.Login("a1", "1001");
        ulong id = _h.InboundCall();
        CommandResult r = _h.Ok(new PartyEstablished { ConnId = id, Dn = Dn("1001") }, Session, 11);
        Assert.Equal(EventKind.Established, r.Events[0].Kind);
        Assert.Equal(11u, r.Events[0].ReferenceId);
        Assert.Equal(AgentState.BusyReady, _h.Sm.GetAgentState("a1"));
    }

    [Fact]
    public void PartyEstablished_rejects_unknown_party_and_held_party()
    {
        ulong id = _h.ConnectedCall();
        _h.Rejects(new PartyEstablished { ConnId = id, Dn = Dn("1003") }, RejectReason.UnknownParty);
        _h.Ok(new PartyHeld { ConnId = id, Dn = Dn("1001") });
        _h.Rejects(new PartyEstablished { ConnId = id, Dn = Dn("1001") }, RejectReason.InvalidPartyTransition);
    }

    [Fact]
    public void PartyHeld_and_PartyRetrieved_toggle_connected_and_held()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(new PartyHeld { ConnId = id, Dn = Dn("1001") });
        Assert.Equal(PartyState.Held, _h.Call(id).Parties[1].State);
        _h.Ok(new PartyRetrieved { ConnId = id, Dn = Dn("1001") });
        Assert.Equal(PartyState.Connected, _h.Call(id).Parties[1].State);
    }

    [Fact]
    public void PartyHeld_rejects_a_held_party_and_PartyRetrieved_a_connected_one()
    {
        ulong id = _h.ConnectedCall();
        _h.Rejects(new PartyRetrieved { ConnId = id, Dn = Dn("1001") }, RejectReason.InvalidPartyTransition);
        _h.Ok(new PartyHeld { ConnId = id, Dn = Dn("1001") });
        _h.Rejects(new PartyHeld { ConnId = id, Dn = Dn("1001") }, RejectReason.InvalidPartyTransition);
    }

    [Fact]
    public void PartyQueued_then_PartyDiverted_moves_the_call_from_the_queue()
    {
        ulong id = _h.Ok(new CallCreated { Dn = Dn("9000"), InitialState = PartyState.Dialing }).ConnId;
        _h.Ok(new PartyQueued { ConnId = id, Queue = Dn("7000") });
        _h.Rejects(new PartyQueued { ConnId = id, Queue = Dn("7000") }, RejectReason.InvalidPartyTransition);
        CommandResult r = _h.Ok(new PartyDiverted { ConnId = id, Dn = Dn("7000"), Destination = Dn("1001") });
        Assert.Equal(EventKind.Diverted, r.Events[0].Kind);
        Assert.Empty(_h.Sm.GetCallsOnDn(Dn("7000")));
    }

    [Fact]
    public void PartyDiverted_rejects_a_connected_party()
    {
        ulong id = _h.ConnectedCall();
        _h.Rejects(new PartyDiverted { ConnId = id, Dn = Dn("1001") }, RejectReason.InvalidPartyTransition);
    }

    [Fact]
    public void Abandoned_ends_the_call_with_EventAbandoned_and_no_EventReleased()
    {
        ulong id = _h.InboundCall();
        CommandResult r = _h.Ok(new Abandoned { ConnId = id, Dn = Dn("9000") });
        Assert.Null(_h.Sm.GetCall(id));
        Assert.Equal(2, r.Events.Count(e => e.Kind == EventKind.Abandoned));
        Assert.DoesNotContain(r.Events, e => e.Kind == EventKind.Released);
    }

    [Fact]
    public void Abandoned_rejects_a_connected_call()
    {
        ulong id = _h.ConnectedCall();
        _h.Rejects(new Abandoned { ConnId = id, Dn = Dn("9000") }, RejectReason.InvalidPartyTransition);
    }

    [Fact]
    public void DestinationBusy_marks_the_destination_busy()
    {
        ulong id = _h.Ok(new CallCreated { Dn = Dn("1001"), InitialState = PartyState.Dialing }).ConnId;
        _h.Ok(new DestinationBusy { ConnId = id, Dn = Dn("1002") });
        Assert.Equal(PartyState.Busy, _h.Call(id).Parties[1].State);
        _h.Rejects(new DestinationBusy { ConnId = id, Dn = Dn("1002") }, RejectReason.InvalidPartyTransition);
    }

    [Fact]
    public void PartyAdded_conferences_the_call_and_rejects_duplicates()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(new PartyAdded { ConnId = id, Dn = Dn("1002"), Role = PartyRole.ConferenceMember });
        Assert.Equal(CallState.Conferenced, _h.Call(id).State);
        _h.Rejects(new PartyAdded { ConnId = id, Dn = Dn("1002"), Role = PartyRole.ConferenceMember }, RejectReason.PartyExists);
        _h.Rejects(new PartyAdded { ConnId = id, Dn = Dn("1003"), Role = PartyRole.Destination }, RejectReason.InvalidArgument);
    }

    [Fact]
    public void Observer_does_not_conference_the_call()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(new PartyAdded { ConnId = id, Dn = Dn("1004"), Role = PartyRole.Observer });
        Assert.Equal(CallState.Ok, _h.Call(id).State);
    }

    [Fact]
    public void PartyDeleted_removes_the_party_and_rejects_unknown_party()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(new PartyAdded { ConnId = id, Dn = Dn("1002"), Role = PartyRole.ConferenceMember });
        _h.Ok(new PartyDeleted { ConnId = id, Dn = Dn("1002") });
        Assert.Equal(2, _h.Call(id).Parties.Count);
        _h.Rejects(new PartyDeleted { ConnId = id, Dn = Dn("1002") }, RejectReason.UnknownParty);
    }

    [Fact]
    public void PartyChanged_merges_the_consult_into_the_main_call_which_keeps_its_ConnId_and_uuid()
    {
        ulong main = _h.ConnectedCall();
        string uuid = _h.Call(main).CallUuid;
        _h.Ok(new UserDataAttached { ConnId = main, Pairs = { Kv("a", "1") } });
        _h.Ok(new PartyHeld { ConnId = main, Dn = Dn("1001") });
        ulong consult = _h.Ok(new CallCreated { Dn = Dn("1001"), InitialState = PartyState.Dialing, OrigConnId = main, CallType = CallType.Consult }).ConnId;
        _h.Ok(new PartyRinging { ConnId = consult, Dn = Dn("1002") });
        _h.Ok(new PartyEstablished { ConnId = consult, Dn = Dn("1002") });
        _h.Ok(new UserDataAttached { ConnId = consult, Pairs = { Kv("b", "2") } });
        CommandResult r = _h.Ok(new PartyChanged { ConnId = main, NewConnId = consult });
        Assert.Null(_h.Sm.GetCall(consult));
        Assert.Equal(main, r.ConnId);
        Call merged = _h.Call(main);
        Assert.Equal(uuid, merged.CallUuid);
        Assert.Equal(3, merged.Parties.Count);
        Assert.Equal(["a", "b"], merged.UserData.Select(p => p.Key));
        Event changed = Assert.Single(r.Events, e => e.Kind == EventKind.PartyChanged);
        Assert.Equal(("1002", main, consult), (changed.ThisDn!.Number, changed.ConnId, changed.PreviousConnId));
        Assert.Equal([main], _h.Sm.GetCallsOnDn(Dn("1002")));
        PropertyTests.AssertNoReference(_h.Sm, consult);
    }

    [Fact]
    public void PartyChanged_with_separate_escalation_keeps_main_user_data_only()
    {
        ulong main = _h.Ok(new CallCreated { Dn = Dn("9000"), InitialState = PartyState.Connected, EscalationMode = EscalationMode.Separate }).ConnId;
        ulong other = _h.Ok(new CallCreated { Dn = Dn("1001"), InitialState = PartyState.Connected, OrigConnId = main, UserData = { Kv("x", "1") } }).ConnId;
        _h.Ok(new PartyChanged { ConnId = main, NewConnId = other });
        Assert.Empty(_h.Call(main).UserData);
    }

    [Fact]
    public void PartyChanged_allocates_a_new_ConnId_when_none_is_given_and_rejects_bad_targets()
    {
        ulong id = _h.ConnectedCall();
        ulong next = _h.Ok(new PartyChanged { ConnId = id }).ConnId;
        Assert.NotEqual(id, next);
        Assert.Equal(id, _h.Call(next).PreviousConnId);
        _h.Rejects(new PartyChanged { ConnId = next, NewConnId = next }, RejectReason.UnknownConnId);
        _h.Rejects(new PartyChanged { ConnId = next, NewConnId = 12345 }, RejectReason.UnknownConnId);
        _h.Rejects(new PartyChanged { ConnId = id }, RejectReason.UnknownCall);
    }

    [Fact]
    public void TransferStarted_records_controller_and_rejects_a_second_transfer()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(new TransferStarted { ConnId = id, Controller = Dn("1001"), Target = Dn("1002"), Kind = TransferKind.TwoStep });
        Assert.Equal("1001", _h.Call(id).TransferInProgress!.Controller!.Number);
        _h.Rejects(new TransferStarted { ConnId = id, Controller = Dn("1001"), Target = Dn("1003") }, RejectReason.TransferInProgress);
        _h.Rejects(new TransferStarted { ConnId = id, Controller = Dn("1004"), Target = Dn("1003") }, RejectReason.UnknownParty);
    }

    [Fact]
    public void TransferCompleted_clears_the_transfer_and_rejects_without_one()
    {
        ulong id = _h.ConnectedCall();
        _h.Rejects(new TransferCompleted { ConnId = id }, RejectReason.NoTransferInProgress);
        _h.Ok(new TransferStarted { ConnId = id, Controller = Dn("1001"), Target = Dn("1002") });
        _h.Ok(new TransferCompleted { ConnId = id });
        Assert.Null(_h.Call(id).TransferInProgress);
        Assert.Equal(CallState.Transferred, _h.Call(id).State);
    }

    [Fact]
    public void TransferAborted_clears_the_transfer_and_rejects_without_one()
    {
        ulong id = _h.ConnectedCall();
        _h.Rejects(new TransferAborted { ConnId = id }, RejectReason.NoTransferInProgress);
        _h.Ok(new TransferStarted { ConnId = id, Controller = Dn("1001"), Target = Dn("1002") });
        _h.Ok(new TransferAborted { ConnId = id });
        Assert.Equal(CallState.Ok, _h.Call(id).State);
    }

    [Fact]
    public void Single_step_transfer_completes_when_the_controller_leaves_without_spurious_conference()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(new TransferStarted { ConnId = id, Controller = Dn("1001"), Target = Dn("1002"), Kind = TransferKind.SingleStep });
        _h.Ok(new PartyRinging { ConnId = id, Dn = Dn("1002") });
        _h.Ok(new PartyReleased { ConnId = id, Dn = Dn("1001") });
        Call call = _h.Call(id);
        Assert.Null(call.TransferInProgress);
        Assert.Equal(CallState.Transferred, call.State);
    }

    [Fact]
    public void PartyReleased_removes_party_and_the_last_one_releases_the_call()
    {
        _h.Login("a1", "1001");
        ulong id = _h.ConnectedCall();
        _h.Ok(new PartyReleased { ConnId = id, Dn = Dn("1001") });
        Assert.Equal(AgentState.Ready, _h.Sm.GetAgentState("a1"));
        CommandResult r = _h.Ok(new PartyReleased { ConnId = id, Dn = Dn("9000") });
        Assert.Contains(r.Events, e => e.Kind == EventKind.CallDeleted);
        Assert.Null(_h.Sm.GetCall(id));
        _h.Rejects(new PartyReleased { ConnId = id, Dn = Dn("9000") }, RejectReason.UnknownCall);
    }

    [Fact]
    public void CallReleased_deletes_the_call_and_rejects_unknown()
    {
        ulong id = _h.ConnectedCall();
        CommandResult r = _h.Ok(new CallReleased { ConnId = id, Cause = "normal" });
        Assert.Equal(2, r.Events.Count(e => e.Kind == EventKind.Released));
        _h.Rejects(new CallReleased { ConnId = id }, RejectReason.UnknownCall);
    }

    [Fact]
    public void MuteOn_and_MuteOff_toggle_and_reject_repeats()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(new MuteOn { ConnId = id, Dn = Dn("1001") });
        _h.Rejects(new MuteOn { ConnId = id, Dn = Dn("1001") }, RejectReason.AlreadyInState);
        _h.Ok(new MuteOff { ConnId = id, Dn = Dn("1001") });
        _h.Rejects(new MuteOff { ConnId = id, Dn = Dn("1001") }, RejectReason.AlreadyInState);
    }

    [Fact]
    public void PartyChanged_moves_the_consults_treatments_ISCC_links_and_connector_records_to_the_main_call()
    {
        ulong main = _h.ConnectedCall();
        _h.Ok(new TreatmentRequested { ConnId = main, Dn = Dn("8000") });
        ulong consult = _h.Ok(new CallCreated { Dn = Dn("1001"), InitialState = PartyState.Dialing, OrigConnId = main }).ConnId;
        _h.Ok(new TreatmentRequested { ConnId = consult, Dn = Dn("8000") });
        _h.Ok(new IsccRequested { ConnId = consult, TransactionId = 4, RemoteLocation = "B", TimeoutMs = 10 });
        _h.Ok(new ConnCallUpserted { Record = new ConnectorCall { CallId = "u1", ConnId = consult, ConnectorId = ConnectorA }, Epoch = 1 });
        CommandResult r = _h.Ok(new PartyChanged { ConnId = consult, NewConnId = main });
        Assert.Contains(r.Events, e => e.Kind == EventKind.TreatmentEnd && e.ConnId == consult);
        Call merged = _h.Call(main);
        Assert.Single(merged.Treatments);
        Assert.Equal(main, merged.Treatments[0].ConnId);
        Assert.Equal(main, merged.IsccLinks[0].ConnId);
        Assert.Equal(0UL, merged.TransferConnId);
        CommandResult released = _h.Ok(new CallReleased { ConnId = main });
        Assert.Contains(released.Events, e => e.Kind == EventKind.ConnectorRecordRemoved && e.Key == "u1");
        PropertyTests.AssertNoReference(_h.Sm, main);
        PropertyTests.AssertNoReference(_h.Sm, consult);
        Assert.Equal(0, _h.Sm.ConnectorRecordCount);
    }
}
