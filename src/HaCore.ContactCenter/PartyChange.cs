namespace HaCore.ContactCenter;

// EventPartyChanged (DOMAIN.md §2.1): a call renumbered by the switch, or a consult call merged into
// its main call (transfer or conference completion), which keeps its ConnId.
public sealed partial class ContactCenterStateMachine
{
    private RejectReason HandlePartyChanged(PartyChanged c)
    {
        RejectReason r = RequireCall(c.ConnId, out Call call);
        if (r != RejectReason.None)
        {
            return r;
        }

        if (c.NewConnId == 0)
        {
            Renumber(call);
            return RejectReason.None;
        }

        if (c.NewConnId == c.ConnId || !_calls.TryGetValue(c.NewConnId, out Call? other))
        {
            return Fail(RejectReason.UnknownConnId, "the new ConnId must be another live call (or 0 to allocate one)");
        }

        // Only a main call and its own consult call merge; the main call keeps its ConnId whichever
        // of the two the command names first.
        if (call.TransferConnId != other.ConnId || other.TransferConnId != call.ConnId)
        {
            return Fail(RejectReason.InvalidArgument, "only a call and its own consult call can be merged");
        }

        Call main = call.IsConsult ? other : call;
        Call consult = call.IsConsult ? call : other;
        bool transfer = main.TransferInProgress is { Kind: TransferKind.TwoStep } t && t.ConsultConnId == consult.ConnId;
        r = CheckMerge(main, consult, transfer);
        if (r != RejectReason.None)
        {
            return r;
        }

        MergeIntoMain(main, consult, transfer);
        return RejectReason.None;
    }

    // The switch gave the call a new ConnId: every index and link follows; CallUuid is kept.
    private void Renumber(Call call)
    {
        ulong oldId = call.ConnId;
        ulong newId = AllocateConnId();
        _calls.Remove(oldId);
        call.PreviousConnId = oldId;
        call.ConnId = newId;
        call.LastChangeAt = _now;
        for (int i = 0; i < call.Parties.Count; i++)
        {
            Dn? dn = _dns.GetValueOrDefault(DnKey.From(call.Parties[i].Dn!));
            if (dn is not null)
            {
                ActiveCalls.Remove(dn.ActiveCalls, oldId);
                ActiveCalls.Add(dn.ActiveCalls, newId);
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
        if (call.TransferConnId != 0 && _calls.TryGetValue(call.TransferConnId, out Call? partner))
        {
            // The partner's link and its transfer's consult follow the new ConnId.
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
            EmitParty(EventKind.PartyChanged, call, call.Parties[i]).PreviousConnId = oldId;
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
        EmitParty(on ? EventKind.MuteOn : EventKind.MuteOff, call, party);
        return RejectReason.None;
    }
}
