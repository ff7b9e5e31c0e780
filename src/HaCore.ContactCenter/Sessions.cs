namespace HaCore.ContactCenter;

// Client sessions (leases, exactly-once) and monitoring subscriptions (invariants 7 and 11).
public sealed partial class ContactCenterStateMachine
{
    private RejectReason HandleSessionOpened(SessionOpened c)
    {
        if (c.SessionId.Length == 0 || c.LeaseMs <= 0)
        {
            return Fail(RejectReason.InvalidArgument, "a session needs an ID and a positive lease");
        }

        if (_sessions.ContainsKey(c.SessionId))
        {
            return Fail(RejectReason.SessionExists, "the session is already open");
        }

        RejectReason r = Limit(_sessions.Count + 1L, _options.MaxSessions, "client sessions");
        if (r != RejectReason.None)
        {
            return r;
        }

        var data = new ClientSession
        {
            SessionId = c.SessionId,
            ClientName = c.ClientName,
            LeaseMs = c.LeaseMs,
            LeaseExpiresAt = _now + c.LeaseMs,
            OpenedAt = _now,
        };
        _sessions.Add(c.SessionId, new SessionEntry(data));
        Emit(EventKind.SessionOpened).SessionId = c.SessionId;
        return RejectReason.None;
    }

    private RejectReason HandleSessionRenewed(SessionRenewed c)
    {
        if (!_sessions.TryGetValue(c.SessionId, out SessionEntry? session))
        {
            return Fail(RejectReason.UnknownSession, "unknown session");
        }

        ClientSession data = session.Data;
        if (data.LeaseExpiresAt < _now)
        {
            return Fail(RejectReason.SessionExpired, "the lease ran out before the renewal");
        }

        if (c.LeaseMs > 0)
        {
            data.LeaseMs = c.LeaseMs;
        }

        data.LeaseExpiresAt = _now + data.LeaseMs;
        if (c.LastAckedIndex > data.LastAckedIndex)
        {
            data.LastAckedIndex = c.LastAckedIndex;
        }

        TrimDedupe(session);
        Emit(EventKind.SessionRenewed).SessionId = c.SessionId;
        return RejectReason.None;
    }

    private RejectReason HandleSessionExpired(SessionExpired c)
    {
        if (c.SessionId.Length != 0)
        {
            if (!_sessions.TryGetValue(c.SessionId, out SessionEntry? one))
            {
                return Fail(RejectReason.UnknownSession, "unknown session");
            }

            if (one.Data.LeaseExpiresAt >= _now)
            {
                return Fail(RejectReason.NotExpired, "the session lease has not run out");
            }

            ExpireSession(one);
            return RejectReason.None;
        }

        // Sweep: every session whose lease ran out, in session-ID order (deterministic).
        List<string>? expired = null;
        foreach (KeyValuePair<string, SessionEntry> kv in _sessions)
        {
            if (kv.Value.Data.LeaseExpiresAt < _now)
            {
                (expired ??= new List<string>()).Add(kv.Key);
            }
        }

        if (expired is not null)
        {
            expired.Sort(StringComparer.Ordinal);
            foreach (string id in expired)
            {
                ExpireSession(_sessions[id]);
            }
        }

        return RejectReason.None;
    }

    // Expiry cascades: the session's subscriptions and deduplication entries go with it.
    private void ExpireSession(SessionEntry session)
    {
        if (session.Subscriptions.Count != 0)
        {
            var dns = new DnKey[session.Subscriptions.Count];
            session.Subscriptions.Keys.CopyTo(dns, 0);
            Array.Sort(dns);
            foreach (DnKey dn in dns)
            {
                RemoveSubscription(session, dn);
            }
        }

        _sessions.Remove(session.Data.SessionId);
        Emit(EventKind.SessionExpired).SessionId = session.Data.SessionId;
    }

    private RejectReason HandleAddressRegistered(AddressRegistered c, SessionEntry? session)
    {
        if (session is null)
        {
            return Fail(RejectReason.UnknownSession, "registration needs the client's session");
        }

        RejectReason r = RequireDn(c.Dn, out Dn dn);
        if (r != RejectReason.None)
        {
            return r;
        }

        var key = DnKey.From(c.Dn!);
        if (session.Subscriptions.ContainsKey(key))
        {
            return Fail(RejectReason.SubscriptionExists, "the session already monitors the DN");
        }

        // ModePrivate: one session at a time controls the DN exclusively.
        if (c.RegisterMode == RegisterMode.Private && _privateRegistrations.TryGetValue(key, out string? holder))
        {
            return Fail(RejectReason.NotControlling, "DN " + dn.Id!.Number + " is registered privately by session " + holder);
        }

        r = Limit(session.Subscriptions.Count + 1L, _options.MaxSubscriptionsPerSession, "subscriptions of the session");
        if (r == RejectReason.None)
        {
            r = Limit(_subscriptionTotal + 1L, _options.MaxSubscriptions, "subscriptions");
        }

        if (r != RejectReason.None)
        {
            return r;
        }

        var sub = new Subscription
        {
            SessionId = session.Data.SessionId,
            Dn = dn.Id,
            RegisterMode = c.RegisterMode,
            ControlMode = c.ControlMode,
            AddressType = c.AddressType,
            RegisteredAt = _now,
        };
        session.Subscriptions.Add(key, sub);
        if (sub.RegisterMode == RegisterMode.Private)
        {
            _privateRegistrations.Add(key, sub.SessionId);
        }

        _subscriberCounts[key] = _subscriberCounts.GetValueOrDefault(key) + 1;
        _subscriptionTotal++;
        Emit(EventKind.Registered, 0, dn.Id).SessionId = sub.SessionId;
        return RejectReason.None;
    }

    private RejectReason HandleAddressUnregistered(AddressUnregistered c, SessionEntry? session)
    {
        if (session is null)
        {
            return Fail(RejectReason.UnknownSession, "unregistration needs the client's session");
        }

        if (c.Dn is null || !session.Subscriptions.ContainsKey(DnKey.From(c.Dn)))
        {
            return Fail(RejectReason.UnknownSubscription, "the session does not monitor the DN");
        }

        RemoveSubscription(session, DnKey.From(c.Dn));
        return RejectReason.None;
    }

    private void RemoveSubscription(SessionEntry session, DnKey key)
    {
        session.Subscriptions.Remove(key, out Subscription? sub);
        if (sub!.RegisterMode == RegisterMode.Private)
        {
            _privateRegistrations.Remove(key);
        }

        int left = _subscriberCounts[key] - 1;
        _subscriptionTotal--;
        if (left == 0)
        {
            _subscriberCounts.Remove(key);
        }
        else
        {
            _subscriberCounts[key] = left;
        }

        Emit(EventKind.Unregistered, 0, sub.Dn).SessionId = session.Data.SessionId;
    }

    // T-Library registration semantics for requests (issue 13): a session registered on a DN monitor-only
    // (ControlMode RegisterMonitor) may not issue requests on it, and a DN registered privately (RegisterMode
    // Private) takes requests from its holder only. A session with no registration on the DN is not refused.
    private RejectReason CheckRegistration(Command command, SessionEntry? session)
    {
        if (session is null || RequestDn(command.Kind) is not { Number.Length: > 0 } dn)
        {
            return RejectReason.None;
        }

        var key = DnKey.From(dn);
        if (session.Subscriptions.TryGetValue(key, out Subscription? own) && own.ControlMode == ControlMode.RegisterMonitor)
        {
            return Fail(RejectReason.NotControlling, "the session registered DN " + dn.Number + " monitor-only (RegisterMonitor)");
        }

        if (_privateRegistrations.TryGetValue(key, out string? holder) && !string.Equals(holder, session.Data.SessionId, StringComparison.Ordinal))
        {
            return Fail(RejectReason.NotControlling, "DN " + dn.Number + " is registered privately by another session");
        }

        return RejectReason.None;
    }

    // The DN a request acts on (its thisDN): the party, controller, routing point or agent's DN.
    private DnId? RequestDn(ICommandKind? kind) => kind switch
    {
        CallCreated x => x.Dn,
        PartyDialing x => x.Dn,
        PartyRinging x => x.Dn,
        PartyEstablished x => x.Dn,
        PartyHeld x => x.Dn,
        PartyRetrieved x => x.Dn,
        PartyDiverted x => x.Dn,
        Abandoned x => x.Dn,
        DestinationBusy x => x.Dn,
        PartyAdded x => x.Dn,
        PartyDeleted x => x.Dn,
        PartyReleased x => x.Dn,
        TransferStarted x => x.Controller,
        RouteRequested x => x.RoutePoint,
        TreatmentRequested x => x.Dn,
        TreatmentApplied x => x.Dn,
        TreatmentEnded x => x.Dn,
        TreatmentNotApplied x => x.Dn,
        AgentLoggedIn x => x.Dn,
        AgentLoggedOut x => AgentDn(x.AgentId),
        AgentReady x => AgentDn(x.AgentId),
        AgentNotReady x => AgentDn(x.AgentId),
        DnOutOfService x => x.Dn,
        DnBackInService x => x.Dn,
        DndOn x => x.Dn,
        DndOff x => x.Dn,
        ForwardSet x => x.Dn,
        ForwardCancel x => x.Dn,
        MuteOn x => x.Dn,
        MuteOff x => x.Dn,
        _ => null,
    };

    private DnId? AgentDn(string agentId) => _agents.TryGetValue(agentId, out Agent? agent) ? agent.Dn : null;
}
