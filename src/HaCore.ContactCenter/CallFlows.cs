namespace HaCore.ContactCenter;

// Multi-party call flows after T-Library (GenEM): which party gets which event when a party joins
// or leaves a call, when a consult call is merged into its main call (two-step transfer or
// conference completion) and when a caller abandons. docs/contact-center.md has the tables.
public sealed partial class ContactCenterStateMachine
{
    // One call event for one party, with the T-Library attributes a desktop reads from it.
    private Event EmitParty(EventKind kind, Call call, Party party, DnId? otherDn = null)
    {
        Event e = Emit(kind, call.ConnId, party.Dn, otherDn ?? party.OtherDn);
        e.PartyState = party.State;
        e.CallState = call.State;
        e.CallType = call.CallType;
        e.Ani = call.Ani;
        e.Dnis = call.Dnis;
        e.ThisQueue = party.ThisQueue;
        e.AgentId = party.AgentId;
        e.TransferConnId = call.TransferConnId;
        if (kind is EventKind.Ringing or EventKind.Established)
        {
            // Screen pop: the user data as it is now (copies: results never share state objects).
            CopyUserData(call, e);
        }

        return e;
    }

    // A call event that is not about one party (routing, user data, treatments, ISCC).
    private Event EmitCall(EventKind kind, Call call, DnId? thisDn = null, DnId? otherDn = null)
    {
        Event e = Emit(kind, call.ConnId, thisDn, otherDn);
        e.CallState = call.State;
        e.CallType = call.CallType;
        e.Ani = call.Ani;
        e.Dnis = call.Dnis;
        e.TransferConnId = call.TransferConnId;
        return e;
    }

    private static void CopyUserData(Call call, Event e)
    {
        for (int i = 0; i < call.UserData.Count; i++)
        {
            e.UserData.Add(call.UserData[i].Clone());
        }
    }

    // The event of a party that has left (its PartyState is Null from then on).
    private Event EmitLeft(EventKind kind, Call call, Party party, string cause)
    {
        Event e = EmitParty(kind, call, party);
        e.PartyState = PartyState.Null;
        e.Cause = cause;
        return e;
    }

    // A conference: at least three parties that are not observers are talking (Connected or Held).
    private static bool IsConference(Call call)
    {
        int talking = 0;
        var parties = call.Parties;
        for (int i = 0; i < parties.Count; i++)
        {
            if (parties[i].Role != PartyRole.Observer && parties[i].State is PartyState.Connected or PartyState.Held)
            {
                talking++;
            }
        }

        return talking >= 3;
    }

    // CallState Conferenced follows the party count both ways; Transferred stays until a conference.
    private static void UpdateConferenceState(Call call)
    {
        if (IsConference(call))
        {
            if (call.State is CallState.Ok or CallState.Transferred)
            {
                call.State = CallState.Conferenced;
            }
        }
        else if (call.State == CallState.Conferenced)
        {
            call.State = CallState.Ok;
        }
    }

    private static bool IsTalking(Call call)
    {
        var parties = call.Parties;
        for (int i = 0; i < parties.Count; i++)
        {
            if (parties[i].State is PartyState.Connected or PartyState.Held)
            {
                return true;
            }
        }

        return false;
    }

    // PartyReleased and PartyDeleted: the party gets EventReleased; in a conference the remaining
    // parties get EventPartyDeleted with the leaver as ThirdPartyDN. The last party releases the call.
    private RejectReason HandlePartyLeft(ulong connId, DnId? dn, string cause)
    {
        RejectReason r = RequireParty(connId, dn, out Call call, out Party party);
        if (r != RejectReason.None)
        {
            return r;
        }

        bool notify = call.State == CallState.Conferenced && party.Role != PartyRole.Observer;
        call.Parties.RemoveAt(FindParty(call, party.Dn));
        UpdateConferenceState(call);
        EmitLeft(EventKind.Released, call, party, cause);
        if (notify)
        {
            for (int i = 0; i < call.Parties.Count; i++)
            {
                Event e = EmitParty(EventKind.PartyDeleted, call, call.Parties[i]);
                e.ThirdPartyDn = party.Dn;
                e.Cause = cause;
            }
        }

        AfterPartyLeft(call, party);
        return RejectReason.None;
    }

    // Abandon: the caller's leg ends with EventAbandoned (not EventReleased). If nobody else is
    // talking, the parties the call was only offered to (ringing, queued, routing) end with
    // EventAbandoned too and the call is released; a connected or held party keeps the call.
    private RejectReason HandleAbandoned(Abandoned c)
    {
        RejectReason r = RequireParty(c.ConnId, c.Dn, out Call call, out Party party);
        if (r != RejectReason.None)
        {
            return r;
        }

        if (party.State is PartyState.Connected or PartyState.Held)
        {
            return Fail(RejectReason.InvalidPartyTransition, "a connected call is released, not abandoned");
        }

        bool notify = call.State == CallState.Conferenced && party.Role != PartyRole.Observer;
        call.Parties.RemoveAt(FindParty(call, party.Dn));
        bool ends = !IsTalking(call);
        if (ends)
        {
            call.State = CallState.Abandoned;
        }
        else
        {
            UpdateConferenceState(call);
        }

        EmitLeft(EventKind.Abandoned, call, party, "abandoned");
        if (ends)
        {
            ReleaseCall(call, "abandoned", EventKind.Abandoned, detached: party.Dn);
            return RejectReason.None;
        }

        if (notify)
        {
            for (int i = 0; i < call.Parties.Count; i++)
            {
                EmitParty(EventKind.PartyDeleted, call, call.Parties[i]).ThirdPartyDn = party.Dn;
            }
        }

        AfterPartyLeft(call, party);
        return RejectReason.None;
    }

    // The sweep of stale calls: deterministic (leader time, ConnId order), bounded per entry.
    private RejectReason HandleCallsSwept(CallsSwept c)
    {
        if (c.IdleMs < 0 || c.MaxCalls == 0)
        {
            return Fail(RejectReason.InvalidArgument, "a sweep needs a non-negative idle time and a positive call count");
        }

        long horizon = _now - c.IdleMs;
        var stale = new List<ulong>();
        foreach ((ulong connId, Call call) in _calls)
        {
            if (call.LastChangeAt < horizon && !(c.OnlyUnanswered && IsTalking(call)))
            {
                stale.Add(connId);
            }
        }

        stale.Sort();
        int count = (int)Math.Min((uint)stale.Count, c.MaxCalls);
        for (int i = 0; i < count; i++)
        {
            // A merge or release earlier in this entry may have taken the call already.
            if (_calls.TryGetValue(stale[i], out Call? call))
            {
                ReleaseCall(call, "swept");
            }
        }

        return RejectReason.None;
    }

    // After a party was taken out of call.Parties (and its events emitted).
    private void AfterPartyLeft(Call call, Party party)
    {
        call.LastChangeAt = _now;
        DetachFromDn(call.ConnId, party.Dn!);
        if (call.Parties.Count == 0)
        {
            ReleaseCall(call, "last party left");
        }
        else if (call.TransferInProgress is { } transfer && SameDn(transfer.Controller, party.Dn) && transfer.Kind == TransferKind.SingleStep)
        {
            // Single-step transfer: the controller leaving completes it. The call is never shown as
            // conferenced because of it (S0 limitation 26).
            call.TransferInProgress = null;
            call.State = CallState.Transferred;
            Emit(EventKind.TransferCompleted, call.ConnId, party.Dn, transfer.Target).CallState = call.State;
        }
    }

    // The consult call joins its main call, which keeps its ConnId (T-Library: the destination's
    // EventPartyChanged carries ConnID = main, PreviousConnID = consult).
    // transfer: two-step transfer completion; the controller leaves both calls (EventReleased on
    // each), the moved parties and the main call's parties get EventPartyChanged.
    // otherwise: conference completion; the controller leaves the consult (EventReleased) and stays
    // on the main call (retrieved), the moved parties get EventPartyChanged and the main call's
    // parties EventPartyAdded with each new party as ThirdPartyDN.
    private void MergeIntoMain(Call main, Call consult, bool transfer)
    {
        ulong mainId = main.ConnId;
        ulong consultId = consult.ConnId;
        TransferInfo? info = main.TransferInProgress;
        var leaving = new List<Party>();
        var moved = new List<Party>();
        for (int i = 0; i < consult.Parties.Count; i++)
        {
            Party p = consult.Parties[i];
            (FindParty(main, p.Dn) >= 0 ? leaving : moved).Add(p);
        }

        DnId? controller = transfer && info is not null ? info.Controller : leaving.Count > 0 ? leaving[0].Dn : null;
        var original = new List<Party>(main.Parties);
        Party? controllerOnMain = controller is null ? null : original.Find(p => SameDn(p.Dn, controller));
        string cause = transfer ? "transferred" : "conferenced";
        bool retrieved = false;

        if (transfer)
        {
            main.TransferInProgress = null;
            main.State = CallState.Transferred;
            Event done = Emit(EventKind.TransferCompleted, mainId, controller, info?.Target);
            done.CallState = CallState.Transferred;
            done.PreviousConnId = consultId;
        }

        // 1. Parties on both calls leave the consult call.
        consult.State = transfer ? CallState.Transferred : CallState.Conferenced;
        consult.Parties.Clear();
        for (int i = 0; i < leaving.Count; i++)
        {
            EmitLeft(EventKind.Released, consult, leaving[i], cause);
        }

        // 2. Transfer: the controller leaves the main call too; conference: it is retrieved.
        if (controllerOnMain is not null)
        {
            if (transfer)
            {
                main.Parties.Remove(controllerOnMain);
                original.Remove(controllerOnMain);
                Event e = EmitLeft(EventKind.Released, main, controllerOnMain, cause);
                e.ThirdPartyDn = moved.Count > 0 ? moved[0].Dn : null;
            }
            else if (controllerOnMain.State == PartyState.Held)
            {
                SetPartyState(main, controllerOnMain, PartyState.Connected);
                retrieved = true;
            }
        }

        // 3. The consult's other parties, treatments, ISCC links, user data and records move.
        Party? firstOriginal = original.Find(p => p.Role != PartyRole.Observer && !SameDn(p.Dn, controller));
        for (int i = 0; i < moved.Count; i++)
        {
            Party p = moved[i];
            main.Parties.Add(p);
            if (transfer && firstOriginal is not null && p.Role != PartyRole.Observer)
            {
                p.OtherDn = firstOriginal.Dn;
            }

            if (_dns.TryGetValue(DnKey.From(p.Dn!), out Dn? dn))
            {
                ActiveCalls.Remove(dn.ActiveCalls, consultId);
                ActiveCalls.Add(dn.ActiveCalls, mainId);
            }
        }

        MergeCallData(main, consult);
        MoveConnectorRecords(consultId, mainId);
        main.TransferConnId = 0;
        main.IsConsult = false;
        if (main.TransferInProgress is { } other && other.ConsultConnId == consultId)
        {
            // A transfer (single-step) that named the merged consult keeps going without it.
            other.ConsultConnId = 0;
        }

        main.LastChangeAt = _now;
        _calls.Remove(consultId);
        UpdateConferenceState(main);

        // 4. Everyone still on the call hears about it.
        Party? firstMoved = moved.Find(p => p.Role != PartyRole.Observer);
        if (retrieved)
        {
            EmitParty(EventKind.Retrieved, main, controllerOnMain!);
        }

        for (int i = 0; i < moved.Count; i++)
        {
            Event e = EmitParty(EventKind.PartyChanged, main, moved[i]);
            e.PreviousConnId = consultId;
            e.ThirdPartyDn = controller;
        }

        for (int i = 0; i < original.Count; i++)
        {
            Party q = original[i];
            if (transfer)
            {
                if (firstMoved is not null && q.Role != PartyRole.Observer)
                {
                    q.OtherDn = firstMoved.Dn;
                }

                Event e = EmitParty(EventKind.PartyChanged, main, q);
                e.ThirdPartyDn = controller;
            }
            else
            {
                for (int j = 0; j < moved.Count; j++)
                {
                    if (moved[j].Role != PartyRole.Observer)
                    {
                        EmitParty(EventKind.PartyAdded, main, q).ThirdPartyDn = moved[j].Dn;
                    }
                }
            }
        }

        Event deleted = Emit(EventKind.CallDeleted, consultId);
        deleted.Cause = "merged into " + new ConnId(mainId);
        deleted.CallState = consult.State;

        // The parties that left: their DN no longer shows the consult (and, for a transfer, the main
        // call); an agent with no call left stops being busy.
        for (int i = 0; i < leaving.Count; i++)
        {
            DetachFromDn(consultId, leaving[i].Dn!);
        }

        if (transfer && controllerOnMain is not null)
        {
            DetachFromDn(mainId, controllerOnMain.Dn!);
        }

        _result.ConnId = mainId;
        if (main.Parties.Count == 0)
        {
            // The controller was the main call's only party: nothing is left of it.
            ReleaseCall(main, cause);
        }
    }

    // Treatments, ISCC links and (Inherited escalation) user data of the consult join the main call.
    private void MergeCallData(Call call, Call consult)
    {
        for (int i = 0; i < consult.Treatments.Count; i++)
        {
            TreatmentSession t = consult.Treatments[i];
            if (FindTreatment(call, t.Dn) < 0)
            {
                t.ConnId = call.ConnId;
                call.Treatments.Add(t);
            }
            else
            {
                // At most one treatment per (call, DN): the consult leg's one ends here.
                Emit(EventKind.TreatmentEnd, consult.ConnId, t.Dn).Cause = "merged";
            }
        }

        for (int i = 0; i < consult.IsccLinks.Count; i++)
        {
            IsccRef link = consult.IsccLinks[i];
            link.ConnId = call.ConnId;
            _isccByTransaction[link.TransactionId] = call.ConnId;
            call.IsccLinks.Add(link);
        }

        if (call.EscalationMode == EscalationMode.Inherited)
        {
            for (int i = 0; i < consult.UserData.Count; i++)
            {
                KvPair pair = consult.UserData[i];
                if (FindUserData(call, pair.Key) < 0)
                {
                    UpsertUserData(call, pair);
                }
            }
        }
    }
}
