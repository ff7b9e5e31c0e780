namespace HaCore.ContactCenter;

// Routing, attached user data, treatment sessions and ISCC references of a call (DOMAIN.md §2.1).
public sealed partial class ContactCenterStateMachine
{
    private RejectReason HandleRouteRequested(RouteRequested c)
    {
        RejectReason r = RequireCall(c.ConnId, out Call call);
        if (r != RejectReason.None)
        {
            return r;
        }

        r = RequireDn(c.RoutePoint, out Dn routePoint);
        if (r != RejectReason.None)
        {
            return r;
        }

        if (call.PendingRoute is not null)
        {
            return Fail(RejectReason.RoutePending, "a route request is already pending");
        }

        if (c.TimeoutMs < 0)
        {
            return Fail(RejectReason.InvalidArgument, "the route timeout is negative");
        }

        // The call sits at the routing point while it is routed: a party in state Routing, unless
        // the routing point is already a party of the call.
        int at = FindParty(call, c.RoutePoint);
        if (at < 0)
        {
            if (routePoint.OutOfService)
            {
                return Fail(RejectReason.DnOutOfService, "DN is out of service");
            }

            r = CheckNewParty(call);
            if (r != RejectReason.None)
            {
                return r;
            }
        }

        // Committed before delivery to the router; the deadline survives failover (S0, §3 #22).
        call.PendingRoute = new RouteRequest
        {
            RoutePoint = c.RoutePoint,
            RequestedAt = _now,
            TimeoutMs = c.TimeoutMs,
            ReferenceId = _referenceId,
            DeadlineAt = _now + c.TimeoutMs,
            PartyAdded = at < 0,
        };
        call.LastChangeAt = _now;
        Party party = at >= 0
            ? call.Parties[at]
            : AddParty(call, c.RoutePoint!, routePoint, PartyState.Routing, PartyRole.Destination, call.Parties[0].Dn, null, string.Empty);
        EmitParty(EventKind.RouteRequest, call, party);
        return RejectReason.None;
    }

    private RejectReason HandleRouteUsed(RouteUsed c)
    {
        RejectReason r = RequireCall(c.ConnId, out Call call);
        if (r != RejectReason.None)
        {
            return r;
        }

        RouteRequest? route = call.PendingRoute;
        if (route is null)
        {
            return Fail(RejectReason.NoRoutePending, "no route request is pending");
        }

        call.PendingRoute = null;
        call.LastChangeAt = _now;
        int at = route.PartyAdded ? FindParty(call, route.RoutePoint) : -1;
        if (at >= 0 && call.Parties[at].State == PartyState.Routing)
        {
            // The call leaves the routing point for the destination (EventRouteUsed to the routing point).
            Party party = call.Parties[at];
            call.Parties.RemoveAt(at);
            Event e = EmitLeft(EventKind.RouteUsed, call, party, string.Empty);
            e.OtherDn = c.Destination;
            e.ReferenceId = ReferenceOf(route.ReferenceId);
            AfterPartyLeft(call, party);
            return RejectReason.None;
        }

        EmitCall(EventKind.RouteUsed, call, route.RoutePoint, c.Destination).ReferenceId = ReferenceOf(route.ReferenceId);
        return RejectReason.None;
    }

    private RejectReason HandleRouteTimedOut(RouteTimedOut c)
    {
        RejectReason r = RequireCall(c.ConnId, out Call call);
        if (r != RejectReason.None)
        {
            return r;
        }

        RouteRequest? route = call.PendingRoute;
        if (route is null)
        {
            return Fail(RejectReason.NoRoutePending, "no route request is pending");
        }

        if (_now < route.DeadlineAt)
        {
            return Fail(RejectReason.NotExpired, "the route deadline has not passed");
        }

        call.PendingRoute = null;
        call.LastChangeAt = _now;
        EmitCall(EventKind.RouteTimedOut, call, route.RoutePoint).ReferenceId = ReferenceOf(route.ReferenceId);
        return RejectReason.None;
    }

    // ---- attached user data (invariant 5: key-level merges, E9) ----

    private static int FindUserData(Call call, string key)
    {
        // UserData is kept sorted by key (ordinal): binary search, and a canonical order for the hash.
        var data = call.UserData;
        int lo = 0, hi = data.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = string.CompareOrdinal(data[mid].Key, key);
            if (c == 0)
            {
                return mid;
            }

            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return ~lo;
    }

    private static void UpsertUserData(Call call, KvPair pair)
    {
        int i = FindUserData(call, pair.Key);
        if (i >= 0)
        {
            call.UserData[i] = pair;
        }
        else
        {
            call.UserData.Insert(~i, pair);
        }
    }

    private RejectReason ValidatePairs(List<KvPair> pairs)
    {
        if (pairs.Count == 0)
        {
            return Fail(RejectReason.InvalidArgument, "no key/value pairs");
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < pairs.Count; i++)
        {
            if (pairs[i].Key.Length == 0 || pairs[i].Value is null)
            {
                return Fail(RejectReason.InvalidArgument, "a pair needs a key and a value");
            }

            if (!keys.Add(pairs[i].Key))
            {
                return Fail(RejectReason.InvalidArgument, "a key appears twice in one request");
            }
        }

        return RejectReason.None;
    }

    private RejectReason HandleUserDataAttached(UserDataAttached c)
    {
        RejectReason r = RequireCall(c.ConnId, out Call call);
        if (r != RejectReason.None)
        {
            return r;
        }

        r = ValidatePairs(c.Pairs);
        if (r != RejectReason.None)
        {
            return r;
        }

        // Attach never deletes or overwrites: an existing key rejects the whole request.
        for (int i = 0; i < c.Pairs.Count; i++)
        {
            if (FindUserData(call, c.Pairs[i].Key) >= 0)
            {
                return Fail(RejectReason.UserDataKeyExists, "key already attached: " + c.Pairs[i].Key);
            }
        }

        r = CheckUserData(call, c.Pairs);
        if (r != RejectReason.None)
        {
            return r;
        }

        return ApplyUpserts(call, c.Pairs);
    }

    private RejectReason HandleUserDataUpdated(UserDataUpdated c)
    {
        RejectReason r = RequireCall(c.ConnId, out Call call);
        if (r != RejectReason.None)
        {
            return r;
        }

        r = ValidatePairs(c.Pairs);
        if (r == RejectReason.None)
        {
            r = CheckUserData(call, c.Pairs);
        }

        return r != RejectReason.None ? r : ApplyUpserts(call, c.Pairs);
    }

    private RejectReason ApplyUpserts(Call call, List<KvPair> pairs)
    {
        for (int i = 0; i < pairs.Count; i++)
        {
            UpsertUserData(call, pairs[i]);
        }

        call.LastChangeAt = _now;
        CopyUserData(call, EmitCall(EventKind.AttachedDataChanged, call));
        return RejectReason.None;
    }

    private RejectReason HandleUserDataKeyDeleted(UserDataKeyDeleted c)
    {
        RejectReason r = RequireCall(c.ConnId, out Call call);
        if (r != RejectReason.None)
        {
            return r;
        }

        int i = FindUserData(call, c.Key);
        if (i < 0)
        {
            return Fail(RejectReason.UserDataKeyNotFound, "no such key: " + c.Key);
        }

        call.UserData.RemoveAt(i);
        call.LastChangeAt = _now;
        Event e = EmitCall(EventKind.AttachedDataChanged, call);
        e.Key = c.Key;
        CopyUserData(call, e);
        return RejectReason.None;
    }

    private RejectReason HandleUserDataCleared(UserDataCleared c)
    {
        RejectReason r = RequireCall(c.ConnId, out Call call);
        if (r != RejectReason.None)
        {
            return r;
        }

        call.UserData.Clear();
        call.LastChangeAt = _now;
        EmitCall(EventKind.AttachedDataChanged, call);
        return RejectReason.None;
    }

    // ---- treatment sessions (invariant 8) ----

    private static int FindTreatment(Call call, DnId? dn)
    {
        for (int i = 0; i < call.Treatments.Count; i++)
        {
            if (SameDn(call.Treatments[i].Dn, dn))
            {
                return i;
            }
        }

        return -1;
    }

    private RejectReason HandleTreatmentRequested(TreatmentRequested c)
    {
        RejectReason r = RequireCall(c.ConnId, out Call call);
        if (r != RejectReason.None)
        {
            return r;
        }

        r = RequireDn(c.Dn, out _);
        if (r != RejectReason.None)
        {
            return r;
        }

        if (FindTreatment(call, c.Dn) >= 0)
        {
            return Fail(RejectReason.TreatmentActive, "a treatment is already active for this call and DN");
        }

        r = Limit(call.Treatments.Count + 1L, _options.MaxTreatmentsPerCall, "treatments of the call");
        if (r == RejectReason.None)
        {
            r = CheckKeyValueList(c.Parameters, "treatment parameters");
        }

        if (r != RejectReason.None)
        {
            return r;
        }

        var t = new TreatmentSession
        {
            ConnId = c.ConnId,
            Dn = c.Dn,
            Type = c.Type,
            State = TreatmentState.Requested,
            StartedAt = _now,
            ReferenceId = _referenceId,
        };
        t.Parameters.AddRange(c.Parameters);
        call.Treatments.Add(t);
        call.LastChangeAt = _now;
        EmitCall(EventKind.TreatmentRequested, call, c.Dn);
        return RejectReason.None;
    }

    private RejectReason HandleTreatmentApplied(TreatmentApplied c)
    {
        RejectReason r = RequireCall(c.ConnId, out Call call);
        if (r != RejectReason.None)
        {
            return r;
        }

        int i = FindTreatment(call, c.Dn);
        if (i < 0)
        {
            return Fail(RejectReason.UnknownTreatment, "no treatment for this call and DN");
        }

        TreatmentSession t = call.Treatments[i];
        if (t.State != TreatmentState.Requested)
        {
            return Fail(RejectReason.InvalidTreatmentTransition, "the treatment is already applied");
        }

        t.State = TreatmentState.Applied;
        t.MediaResource = c.MediaResource;
        call.LastChangeAt = _now;
        EmitCall(EventKind.TreatmentApplied, call, t.Dn).ReferenceId = ReferenceOf(t.ReferenceId);
        return RejectReason.None;
    }

    private uint ReferenceOf(uint original) => _referenceId != 0 ? _referenceId : original;

    private RejectReason HandleTreatmentFinished(ulong connId, DnId? dn, bool applied, string cause)
    {
        RejectReason r = RequireCall(connId, out Call call);
        if (r != RejectReason.None)
        {
            return r;
        }

        int i = FindTreatment(call, dn);
        if (i < 0)
        {
            return Fail(RejectReason.UnknownTreatment, "no treatment for this call and DN");
        }

        TreatmentSession t = call.Treatments[i];
        // Ended needs Applied; NotApplied needs Requested: exactly one end event per session.
        if ((t.State == TreatmentState.Applied) != applied)
        {
            return Fail(RejectReason.InvalidTreatmentTransition, applied ? "the treatment was never applied" : "the treatment is already applied");
        }

        call.Treatments.RemoveAt(i);
        call.LastChangeAt = _now;
        Event e = EmitCall(applied ? EventKind.TreatmentEnd : EventKind.TreatmentNotApplied, call, t.Dn);
        e.Cause = cause;
        e.ReferenceId = ReferenceOf(t.ReferenceId);
        return RejectReason.None;
    }

    // ---- ISCC references (invariant 10) ----

    private RejectReason HandleIsccRequested(IsccRequested c)
    {
        RejectReason r = RequireCall(c.ConnId, out Call call);
        if (r != RejectReason.None)
        {
            return r;
        }

        if (c.TransactionId == 0 || c.RemoteLocation.Length == 0 || c.TimeoutMs < 0)
        {
            return Fail(RejectReason.InvalidArgument, "an ISCC request needs a transaction ID, a location and a timeout");
        }

        if (_isccByTransaction.ContainsKey(c.TransactionId))
        {
            return Fail(RejectReason.IsccTransactionExists, "the ISCC transaction ID is in use");
        }

        r = Limit(call.IsccLinks.Count + 1L, _options.MaxIsccLinksPerCall, "ISCC links of the call");
        if (r != RejectReason.None)
        {
            return r;
        }

        var link = new IsccRef
        {
            TransactionId = c.TransactionId,
            Direction = c.Direction,
            RemoteLocation = c.RemoteLocation,
            CastType = c.CastType,
            Token = c.Token,
            State = IsccState.Requested,
            DeadlineAt = _now + c.TimeoutMs,
            ConnId = c.ConnId,
        };
        call.IsccLinks.Add(link);
        call.LastChangeAt = _now;
        _isccByTransaction.Add(c.TransactionId, c.ConnId);
        Emit(EventKind.IsccRequested, c.ConnId).Key = c.RemoteLocation;
        return RejectReason.None;
    }

    private RejectReason RequireIscc(uint transactionId, out Call call, out IsccRef link)
    {
        call = null!;
        link = null!;
        if (!_isccByTransaction.TryGetValue(transactionId, out ulong connId))
        {
            return Fail(RejectReason.UnknownIsccTransaction, "unknown ISCC transaction");
        }

        call = _calls[connId];
        for (int i = 0; i < call.IsccLinks.Count; i++)
        {
            if (call.IsccLinks[i].TransactionId == transactionId)
            {
                link = call.IsccLinks[i];
                return RejectReason.None;
            }
        }

        Invariant(false, "ISCC index points at a call without the link");
        return RejectReason.UnknownIsccTransaction;
    }

    private RejectReason HandleIsccResourceAllocated(IsccResourceAllocated c)
    {
        RejectReason r = RequireIscc(c.TransactionId, out Call call, out IsccRef link);
        if (r != RejectReason.None)
        {
            return r;
        }

        r = RequireDn(c.AccessResource, out _);
        if (r != RejectReason.None)
        {
            return r;
        }

        if (link.State != IsccState.Requested)
        {
            return Fail(RejectReason.InvalidIsccTransition, "a resource is allocated only to a requested transaction");
        }

        var key = DnKey.From(c.AccessResource!);
        if (_isccResourceHolders.ContainsKey(key))
        {
            return Fail(RejectReason.IsccResourceBusy, "the access resource is held by another open transaction");
        }

        _isccResourceHolders.Add(key, c.TransactionId);
        link.AccessResource = c.AccessResource;
        link.State = IsccState.ResourceAllocated;
        call.LastChangeAt = _now;
        Emit(EventKind.IsccResourceAllocated, call.ConnId, c.AccessResource);
        return RejectReason.None;
    }

    private RejectReason HandleIsccClosed(uint transactionId, IsccState outcome, ulong remoteConnId, string cause)
    {
        RejectReason r = RequireIscc(transactionId, out Call call, out IsccRef link);
        if (r != RejectReason.None)
        {
            return r;
        }

        if (link.State is not (IsccState.Requested or IsccState.ResourceAllocated))
        {
            return Fail(RejectReason.InvalidIsccTransition, "the ISCC transaction is already closed");
        }

        if (outcome == IsccState.TimedOut && _now < link.DeadlineAt)
        {
            return Fail(RejectReason.NotExpired, "the ISCC deadline has not passed");
        }

        ReleaseIsccResource(link);
        link.State = outcome;
        link.RemoteConnId = remoteConnId;
        call.LastChangeAt = _now;
        EventKind kind = outcome switch
        {
            IsccState.Succeeded => EventKind.RemoteConnectionSuccess,
            IsccState.Failed => EventKind.RemoteConnectionFailed,
            _ => EventKind.IsccTimedOut,
        };
        Emit(kind, call.ConnId, link.AccessResource).Cause = cause;
        return RejectReason.None;
    }

    // The resource is freed on success, failure, timeout or release (invariant 10).
    private void ReleaseIsccResource(IsccRef link)
    {
        if (link.AccessResource is not null
            && _isccResourceHolders.TryGetValue(DnKey.From(link.AccessResource), out uint holder)
            && holder == link.TransactionId)
        {
            _isccResourceHolders.Remove(DnKey.From(link.AccessResource));
        }
    }
}
