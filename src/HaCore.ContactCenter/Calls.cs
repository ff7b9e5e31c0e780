namespace HaCore.ContactCenter;

// Call life cycle and party transitions (DOMAIN.md §2.1; party states after GenEM, E6).
public sealed partial class ContactCenterStateMachine
{
    private RejectReason HandleCallCreated(CallCreated c)
    {
        RejectReason r = RequireDn(c.Dn, out Dn dn);
        if (r != RejectReason.None)
        {
            return r;
        }

        if (dn.OutOfService)
        {
            return Fail(RejectReason.DnOutOfService, "DN is out of service");
        }

        if (c.InitialState is not (PartyState.Dialing or PartyState.Alerting or PartyState.Queued
            or PartyState.Routing or PartyState.Connected or PartyState.Initiated))
        {
            return Fail(RejectReason.InvalidPartyTransition, "a call cannot start in party state " + c.InitialState);
        }

        r = Limit(_calls.Count + 1L, _options.MaxCalls, "live calls");
        if (r != RejectReason.None)
        {
            return r;
        }

        r = CheckUserData(null, c.UserData);
        if (r != RejectReason.None)
        {
            return r;
        }

        Call? main = null;
        if (c.OrigConnId != 0 && !_calls.TryGetValue(c.OrigConnId, out main))
        {
            return Fail(RejectReason.UnknownCall, "the main call of the consult call is not live");
        }

        if (main is not null && main.TransferConnId != 0)
        {
            // One consult per call, and no consult of a consult: the link stays one-to-one.
            return Fail(RejectReason.TransferInProgress, main.IsConsult
                ? "the main call is itself a consult call"
                : "the main call already has a consult call");
        }

        ulong connId = AllocateConnId();
        var call = new Call
        {
            ConnId = connId,
            CallUuid = c.CallUuid.Length != 0 ? c.CallUuid : DeriveCallUuid(connId),
            CallId = c.CallId,
            NetworkCallId = c.NetworkCallId,
            NodeId = c.NodeId,
            CallType = c.CallType,
            MediaType = c.MediaType,
            Ani = c.Ani,
            Dnis = c.Dnis,
            EscalationMode = c.EscalationMode,
            CreatedAt = _now,
            LastChangeAt = _now,
        };
        if (main is not null)
        {
            call.OrigCallUuid = main.CallUuid;
            call.TransferConnId = main.ConnId;
            call.IsConsult = true;
            main.TransferConnId = connId;
            main.IsConsult = false;
            if (main.TransferInProgress is { ConsultConnId: 0 } transfer)
            {
                transfer.ConsultConnId = connId;
            }
        }

        for (int i = 0; i < c.UserData.Count; i++)
        {
            UpsertUserData(call, c.UserData[i]);
        }

        _calls.Add(connId, call);
        Party party = AddParty(call, c.Dn!, dn, c.InitialState, c.Role, c.OtherDn, c.ThisQueue, c.AgentId);
        _result.ConnId = connId;
        EmitParty(EventKind.CallCreated, call, party);
        EmitParty(PartyEvent(c.InitialState), call, party);
        if (c.InitialState == PartyState.Connected)
        {
            OnConnected(party, dn);
        }

        return RejectReason.None;
    }

    // 32 hex digits: 16 from the cluster identity, 16 from the ConnId (unique within the group).
    private string DeriveCallUuid(ulong connId) =>
        _clusterTag + connId.ToString("X16", System.Globalization.CultureInfo.InvariantCulture);

    private static EventKind PartyEvent(PartyState state) => state switch
    {
        PartyState.Dialing or PartyState.Initiated => EventKind.Dialing,
        PartyState.Alerting => EventKind.Ringing,
        PartyState.Queued => EventKind.Queued,
        PartyState.Routing => EventKind.RouteRequest,
        PartyState.Connected => EventKind.Established,
        PartyState.Held => EventKind.Held,
        PartyState.Busy => EventKind.DestinationBusy,
        _ => EventKind.Unknown,
    };

    private Party AddParty(Call call, DnId id, Dn dn, PartyState state, PartyRole role, DnId? otherDn, DnId? queue, string agentId)
    {
        var party = new Party
        {
            Dn = id,
            State = state,
            Role = role,
            OtherDn = otherDn,
            ThisQueue = queue,
            AgentId = agentId.Length != 0 ? agentId : dn.LoggedInAgent,
            StateSince = _now,
        };
        call.Parties.Add(party);
        call.LastChangeAt = _now;
        ActiveCalls.Add(dn.ActiveCalls, call.ConnId);

        return party;
    }

    private static int FindParty(Call call, DnId? dn)
    {
        var parties = call.Parties;
        for (int i = 0; i < parties.Count; i++)
        {
            if (SameDn(parties[i].Dn, dn))
            {
                return i;
            }
        }

        return -1;
    }

    private RejectReason RequireParty(ulong connId, DnId? dn, out Call call, out Party party)
    {
        party = null!;
        RejectReason r = RequireCall(connId, out call);
        if (r != RejectReason.None)
        {
            return r;
        }

        int i = FindParty(call, dn);
        if (i < 0)
        {
            return Fail(RejectReason.UnknownParty, "the DN is not a party of the call");
        }

        party = call.Parties[i];
        return RejectReason.None;
    }

    private void SetPartyState(Call call, Party party, PartyState state)
    {
        party.State = state;
        party.StateSince = _now;
        call.LastChangeAt = _now;
    }

    // PartyDialing / PartyRinging: a new party, or an existing one moving to Dialing/Alerting.
    private RejectReason HandlePartyOffered(ulong connId, DnId? dnId, DnId? otherDn, string agentId, DnId? queue, PartyRole role, PartyState target)
    {
        RejectReason r = RequireCall(connId, out Call call);
        if (r != RejectReason.None)
        {
            return r;
        }

        r = RequireDn(dnId, out Dn dn);
        if (r != RejectReason.None)
        {
            return r;
        }

        int i = FindParty(call, dnId);
        Party party;
        if (i < 0)
        {
            if (dn.OutOfService)
            {
                return Fail(RejectReason.DnOutOfService, "DN is out of service");
            }

            r = CheckNewParty(call);
            if (r != RejectReason.None)
            {
                return r;
            }

            party = AddParty(call, dnId!, dn, target, role, otherDn, queue, agentId);
        }
        else
        {
            party = call.Parties[i];
            bool legal = target == PartyState.Dialing
                ? party.State is PartyState.Null or PartyState.Initiated
                : party.State is PartyState.Null or PartyState.Queued or PartyState.Routing;
            if (!legal)
            {
                return Fail(RejectReason.InvalidPartyTransition, $"party cannot go from {party.State} to {target}");
            }

            SetPartyState(call, party, target);
            if (otherDn is not null)
            {
                party.OtherDn = otherDn;
            }
        }

        EmitParty(PartyEvent(target), call, party);
        return RejectReason.None;
    }

    private RejectReason HandlePartyEstablished(PartyEstablished c)
    {
        RejectReason r = RequireParty(c.ConnId, c.Dn, out Call call, out Party party);
        if (r != RejectReason.None)
        {
            return r;
        }

        if (party.State is not (PartyState.Dialing or PartyState.Alerting or PartyState.Initiated))
        {
            return Fail(RejectReason.InvalidPartyTransition, $"party cannot be established from {party.State}");
        }

        SetPartyState(call, party, PartyState.Connected);
        if (c.OtherDn is not null)
        {
            party.OtherDn = c.OtherDn;
        }

        UpdateConferenceState(call);
        EmitParty(EventKind.Established, call, party);
        OnConnected(party, _dns[DnKey.From(party.Dn!)]);
        return RejectReason.None;
    }

    // Invariant 6: Busy* agent states happen only for ACD calls (the party has a queue).
    private void OnConnected(Party party, Dn dn)
    {
        if (party.ThisQueue is null || dn.LoggedInAgent.Length == 0)
        {
            return;
        }

        Agent agent = _agents[dn.LoggedInAgent];
        AgentState busy = agent.State switch
        {
            AgentState.Ready => AgentState.BusyReady,
            AgentState.NotReady => agent.WorkMode == AgentWorkMode.AfterCallWork ? AgentState.BusyAfterCallWork : AgentState.BusyNotReady,
            _ => agent.State,
        };
        if (busy != agent.State)
        {
            agent.State = busy;
            agent.StateSince = _now;
        }
    }

    private RejectReason HandleHoldRetrieve(ulong connId, DnId? dn, bool hold)
    {
        RejectReason r = RequireParty(connId, dn, out Call call, out Party party);
        if (r != RejectReason.None)
        {
            return r;
        }

        PartyState from = hold ? PartyState.Connected : PartyState.Held;
        if (party.State != from)
        {
            return Fail(RejectReason.InvalidPartyTransition, $"party is {party.State}, not {from}");
        }

        PartyState to = hold ? PartyState.Held : PartyState.Connected;
        SetPartyState(call, party, to);
        EmitParty(hold ? EventKind.Held : EventKind.Retrieved, call, party);
        return RejectReason.None;
    }

    private RejectReason HandlePartyQueued(PartyQueued c)
    {
        RejectReason r = RequireCall(c.ConnId, out Call call);
        if (r != RejectReason.None)
        {
            return r;
        }

        r = RequireDn(c.Queue, out Dn dn);
        if (r != RejectReason.None)
        {
            return r;
        }

        int i = FindParty(call, c.Queue);
        Party party;
        if (i < 0)
        {
            if (dn.OutOfService)
            {
                return Fail(RejectReason.DnOutOfService, "DN is out of service");
            }

            r = CheckNewParty(call);
            if (r != RejectReason.None)
            {
                return r;
            }

            party = AddParty(call, c.Queue!, dn, PartyState.Queued, PartyRole.Destination, c.OtherDn, c.Queue, string.Empty);
        }
        else
        {
            party = call.Parties[i];
            if (party.State is not (PartyState.Null or PartyState.Routing))
            {
                return Fail(RejectReason.InvalidPartyTransition, $"party cannot be queued from {party.State}");
            }

            SetPartyState(call, party, PartyState.Queued);
        }

        EmitParty(EventKind.Queued, call, party);
        return RejectReason.None;
    }

    private RejectReason HandlePartyDiverted(PartyDiverted c)
    {
        RejectReason r = RequireParty(c.ConnId, c.Dn, out Call call, out Party party);
        if (r != RejectReason.None)
        {
            return r;
        }

        if (party.State is not (PartyState.Queued or PartyState.Routing or PartyState.Alerting))
        {
            return Fail(RejectReason.InvalidPartyTransition, $"party cannot be diverted from {party.State}");
        }

        call.Parties.RemoveAt(FindParty(call, party.Dn));
        UpdateConferenceState(call);
        EmitLeft(EventKind.Diverted, call, party, string.Empty).OtherDn = c.Destination;
        AfterPartyLeft(call, party);
        return RejectReason.None;
    }

    private RejectReason HandleDestinationBusy(DestinationBusy c)
    {
        RejectReason r = RequireCall(c.ConnId, out Call call);
        if (r != RejectReason.None)
        {
            return r;
        }

        r = RequireDn(c.Dn, out Dn dn);
        if (r != RejectReason.None)
        {
            return r;
        }

        int i = FindParty(call, c.Dn);
        Party party;
        if (i < 0)
        {
            r = CheckNewParty(call);
            if (r != RejectReason.None)
            {
                return r;
            }

            party = AddParty(call, c.Dn!, dn, PartyState.Busy, PartyRole.Destination, c.OtherDn, null, string.Empty);
        }
        else
        {
            party = call.Parties[i];
            if (party.State is not (PartyState.Dialing or PartyState.Alerting or PartyState.Null))
            {
                return Fail(RejectReason.InvalidPartyTransition, $"party cannot be busy from {party.State}");
            }

            SetPartyState(call, party, PartyState.Busy);
        }

        EmitParty(EventKind.DestinationBusy, call, party);
        return RejectReason.None;
    }

    private RejectReason HandlePartyAdded(PartyAdded c)
    {
        RejectReason r = RequireCall(c.ConnId, out Call call);
        if (r != RejectReason.None)
        {
            return r;
        }

        r = RequireDn(c.Dn, out Dn dn);
        if (r != RejectReason.None)
        {
            return r;
        }

        if (FindParty(call, c.Dn) >= 0)
        {
            return Fail(RejectReason.PartyExists, "the DN is already a party of the call");
        }

        if (dn.OutOfService)
        {
            return Fail(RejectReason.DnOutOfService, "DN is out of service");
        }

        if (c.Role is not (PartyRole.ConferenceMember or PartyRole.Observer))
        {
            return Fail(RejectReason.InvalidArgument, "an added party is a conference member or an observer");
        }

        r = CheckNewParty(call);
        if (r != RejectReason.None)
        {
            return r;
        }

        // Single-step conference or monitoring: the new party is connected at once (EventEstablished,
        // with the user data); a conference member is announced to every other party
        // (EventPartyAdded, ThirdPartyDN = the new party), an observer to nobody.
        Party party = AddParty(call, c.Dn!, dn, PartyState.Connected, c.Role, c.OtherDn, null, c.AgentId);
        UpdateConferenceState(call);
        EmitParty(EventKind.Established, call, party);
        if (c.Role == PartyRole.ConferenceMember)
        {
            for (int i = 0; i < call.Parties.Count - 1; i++)
            {
                EmitParty(EventKind.PartyAdded, call, call.Parties[i]).ThirdPartyDn = party.Dn;
            }
        }

        return RejectReason.None;
    }

    private void DetachFromDn(ulong connId, DnId id)
    {
        if (!_dns.TryGetValue(DnKey.From(id), out Dn? dn))
        {
            return;
        }

        ActiveCalls.Remove(dn.ActiveCalls, connId);
        if (dn.ActiveCalls.Count != 0 || dn.LoggedInAgent.Length == 0)
        {
            return;
        }

        Agent agent = _agents[dn.LoggedInAgent];
        bool manualIn = agent.State == AgentState.BusyReady && agent.WorkMode == AgentWorkMode.ManualIn;
        AgentState idle = agent.State switch
        {
            // ManualIn (GenEM): after an ACD call the agent goes to after-call work, not Ready.
            AgentState.BusyReady => manualIn ? AgentState.NotReady : AgentState.Ready,
            AgentState.BusyNotReady or AgentState.BusyAfterCallWork => AgentState.NotReady,
            _ => agent.State,
        };
        if (idle != agent.State)
        {
            agent.State = idle;
            agent.StateSince = _now;
            if (manualIn)
            {
                agent.WorkMode = AgentWorkMode.AfterCallWork;
            }
        }
    }

    private RejectReason HandleCallReleased(CallReleased c)
    {
        RejectReason r = RequireCall(c.ConnId, out Call call);
        if (r != RejectReason.None)
        {
            return r;
        }

        ReleaseCall(call, c.Cause);
        return RejectReason.None;
    }

    // Invariant 4: release is total. Every party, treatment, ISCC link and resource, connector HA
    // record, DN ActiveCalls entry and cross-call link of the ConnId goes with the call.
    // partyEvent: what each remaining party gets (EventReleased, or EventAbandoned when the caller
    // abandoned); detached: a party already taken out whose DN still lists the call.
    private void ReleaseCall(Call call, string cause, EventKind partyEvent = EventKind.Released, DnId? detached = null)
    {
        ulong connId = call.ConnId;
        var parties = call.Parties;
        if (detached is not null)
        {
            DetachFromDn(connId, detached);
        }

        for (int i = 0; i < parties.Count; i++)
        {
            Party p = parties[i];
            EmitLeft(partyEvent, call, p, cause);
            DetachFromDn(connId, p.Dn!);
        }

        parties.Clear();
        for (int i = 0; i < call.Treatments.Count; i++)
        {
            TreatmentSession t = call.Treatments[i];
            Emit(t.State == TreatmentState.Applied ? EventKind.TreatmentEnd : EventKind.TreatmentNotApplied, connId, t.Dn).Cause = "call released";
        }

        call.Treatments.Clear();
        for (int i = 0; i < call.IsccLinks.Count; i++)
        {
            ReleaseIsccResource(call.IsccLinks[i]);
            _isccByTransaction.Remove(call.IsccLinks[i].TransactionId);
        }

        call.IsccLinks.Clear();
        RemoveConnectorRecordsOf(connId);
        UnlinkPartnerCall(call);
        _calls.Remove(connId);
        Emit(EventKind.CallDeleted, connId).Cause = cause;
        _result.Events[^1].CallState = call.State;
    }

    private void UnlinkPartnerCall(Call call)
    {
        if (call.TransferConnId == 0 || !_calls.TryGetValue(call.TransferConnId, out Call? partner))
        {
            return;
        }

        if (partner.TransferConnId == call.ConnId)
        {
            partner.TransferConnId = 0;
            partner.IsConsult = false;
        }

        if (partner.TransferInProgress is { } t && t.ConsultConnId == call.ConnId)
        {
            t.ConsultConnId = 0;
        }
    }

    private RejectReason HandleTransferStarted(TransferStarted c)
    {
        RejectReason r = RequireParty(c.ConnId, c.Controller, out Call call, out Party controller);
        if (r != RejectReason.None)
        {
            return r;
        }

        if (call.TransferInProgress is not null)
        {
            return Fail(RejectReason.TransferInProgress, "a transfer is already in progress");
        }

        ulong consultId = c.ConsultConnId;
        Call? consult = null;
        if (consultId != 0)
        {
            if (consultId == c.ConnId || !_calls.TryGetValue(consultId, out consult))
            {
                return Fail(RejectReason.UnknownCall, "the consult call is not live");
            }

            bool linked = call.TransferConnId == consultId && consult.TransferConnId == call.ConnId && consult.IsConsult;
            if (!linked)
            {
                if (call.TransferConnId != 0 || consult.TransferConnId != 0)
                {
                    return Fail(RejectReason.InvalidArgument, "the consult call is linked to another call");
                }

                if (FindParty(consult, controller.Dn) < 0)
                {
                    return Fail(RejectReason.InvalidArgument, "the controller is not a party of the consult call");
                }
            }
        }
        else if (call.TransferConnId != 0 && !call.IsConsult)
        {
            // The consult call made before the transfer started is its consult.
            consultId = call.TransferConnId;
        }

        if (consult is not null && call.TransferConnId == 0)
        {
            call.TransferConnId = consult.ConnId;
            call.IsConsult = false;
            consult.TransferConnId = call.ConnId;
            consult.IsConsult = true;
            consult.OrigCallUuid = call.CallUuid;
            consult.LastChangeAt = _now;
        }

        call.TransferInProgress = new TransferInfo
        {
            Controller = controller.Dn,
            Kind = c.Kind,
            Target = c.Target,
            StartedAt = _now,
            ConsultConnId = consultId,
        };
        call.LastChangeAt = _now;
        Event started = EmitParty(EventKind.TransferStarted, call, controller, c.Target);
        started.TransferConnId = call.TransferConnId;
        return RejectReason.None;
    }

    private RejectReason HandleTransferEnded(ulong connId, bool completed)
    {
        RejectReason r = RequireCall(connId, out Call call);
        if (r != RejectReason.None)
        {
            return r;
        }

        TransferInfo? t = call.TransferInProgress;
        if (t is null)
        {
            return Fail(RejectReason.NoTransferInProgress, "no transfer is in progress");
        }

        if (completed && t.Kind == TransferKind.TwoStep && t.ConsultConnId != 0)
        {
            // Two-step transfer completion: one entry does what the switch reports.
            Call consult = _calls[t.ConsultConnId];
            r = CheckMerge(call, consult, transfer: true);
            if (r != RejectReason.None)
            {
                return r;
            }

            MergeIntoMain(call, consult, transfer: true);
            return RejectReason.None;
        }

        call.TransferInProgress = null;
        call.LastChangeAt = _now;
        if (completed)
        {
            call.State = CallState.Transferred;
        }

        Event e = Emit(completed ? EventKind.TransferCompleted : EventKind.TransferAborted, connId, t.Controller, t.Target);
        e.CallState = call.State;
        e.TransferConnId = call.TransferConnId;
        return RejectReason.None;
    }
}
