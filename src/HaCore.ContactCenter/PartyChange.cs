namespace HaCore.ContactCenter;

// EventPartyChanged: transfer/conference completion re-keys the call (DOMAIN.md §2.1).
public sealed partial class ContactCenterStateMachine
{
    private RejectReason HandlePartyChanged(PartyChanged c)
    {
        RejectReason r = RequireCall(c.ConnId, out Call call);
        if (r != RejectReason.None)
        {
            return r;
        }

        Call? consult = null;
        if (c.NewConnId != 0)
        {
            if (c.NewConnId == c.ConnId || !_calls.TryGetValue(c.NewConnId, out consult))
            {
                return Fail(RejectReason.UnknownConnId, "the new ConnId must be another live call (or 0 to allocate one)");
            }
        }

        ulong oldId = call.ConnId;
        ulong newId = consult?.ConnId ?? AllocateConnId();
        _calls.Remove(oldId);
        if (consult is not null)
        {
            _calls.Remove(newId);
        }

        // Re-key the call; CallUuid survives the ConnId change.
        call.PreviousConnId = oldId;
        call.ConnId = newId;
        call.LastChangeAt = _now;
        for (int i = 0; i < call.Parties.Count; i++)
        {
            Dn? dn = _dns.GetValueOrDefault(DnKey.From(call.Parties[i].Dn));
            if (dn is not null)
            {
                dn.ActiveCalls.Remove(oldId);
                if (!dn.ActiveCalls.Contains(newId))
                {
                    dn.ActiveCalls.Add(newId);
                }
            }
        }

        for (int i = 0; i < call.Treatments.Count; i++)
        {
            call.Treatments[i].ConnId = newId;
        }

        for (int i = 0; i < call.IsccLinks.Count; i++)
        {
            call.IsccLinks[i].ConnId = newId;
            _isccByTransaction[call.IsccLinks[i].TransactionId] = newId;
        }

        MoveConnectorRecords(oldId, newId);
        if (consult is not null)
        {
            MergeConsult(call, consult);
        }
        else if (call.TransferConnId != 0 && _calls.TryGetValue(call.TransferConnId, out Call? partner))
        {
            // Renumbering: the partner's link and its transfer's consult follow the new ConnId.
            if (partner.TransferConnId == oldId)
            {
                partner.TransferConnId = newId;
            }

            if (partner.TransferInProgress is { } pt && pt.ConsultConnId == oldId)
            {
                pt.ConsultConnId = newId;
            }
        }

        _calls.Add(newId, call);
        _result.ConnId = newId;
        for (int i = 0; i < call.Parties.Count; i++)
        {
            Party p = call.Parties[i];
            Event e = Emit(EventKind.PartyChanged, newId, p.Dn, p.OtherDn);
            e.PreviousConnId = oldId;
            e.PartyState = p.State;
        }

        return RejectReason.None;
    }

    // The consult call's parties (those on DNs the call does not have), treatments, ISCC links and
    // user data (Inherited mode: keys the main call lacks) join the main call.
    private void MergeConsult(Call call, Call consult)
    {
        for (int i = 0; i < consult.Parties.Count; i++)
        {
            Party p = consult.Parties[i];
            if (FindParty(call, p.Dn) < 0)
            {
                call.Parties.Add(p);
            }
        }

        for (int i = 0; i < consult.Treatments.Count; i++)
        {
            TreatmentSession t = consult.Treatments[i];
            if (FindTreatment(call, t.Dn) < 0)
            {
                call.Treatments.Add(t);
            }
            else
            {
                // At most one treatment per (call, DN): the consult leg's one ends here.
                Emit(EventKind.TreatmentEnd, call.ConnId, t.Dn).Cause = "merged";
            }
        }

        for (int i = 0; i < consult.IsccLinks.Count; i++)
        {
            call.IsccLinks.Add(consult.IsccLinks[i]);
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

        if (call.TransferConnId == consult.ConnId)
        {
            call.TransferConnId = 0;
        }

        if (call.TransferInProgress is { } t2 && t2.ConsultConnId == consult.ConnId)
        {
            t2.ConsultConnId = 0;
        }

        if (consult.TransferConnId != 0 && consult.TransferConnId != call.PreviousConnId
            && _calls.TryGetValue(consult.TransferConnId, out Call? other) && other.TransferConnId == consult.ConnId)
        {
            other.TransferConnId = call.ConnId;
        }
    }

    private RejectReason HandleMute(ulong connId, DnId? dn, bool on)
    {
        RejectReason r = RequireParty(connId, dn, out Call call, out Party party);
        if (r != RejectReason.None)
        {
            return r;
        }

        if (party.Muted == on)
        {
            return Fail(RejectReason.AlreadyInState, on ? "party is already muted" : "party is not muted");
        }

        party.Muted = on;
        call.LastChangeAt = _now;
        Emit(on ? EventKind.MuteOn : EventKind.MuteOff, connId, party.Dn, party.OtherDn);
        return RejectReason.None;
    }
}
