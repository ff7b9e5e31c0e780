namespace HaCore.ContactCenter;

// Agent login, state and work mode (DOMAIN.md §2.2; states after GenEM, E7) and DN flags.
public sealed partial class ContactCenterStateMachine
{
    private RejectReason HandleAgentLoggedIn(AgentLoggedIn c)
    {
        if (c.AgentId.Length == 0)
        {
            return Fail(RejectReason.InvalidArgument, "an agent ID is required");
        }

        RejectReason r = RequireDn(c.Dn, out Dn dn);
        if (r != RejectReason.None)
        {
            return r;
        }

        _agents.TryGetValue(c.AgentId, out Agent? agent);
        if (agent?.Dn is not null)
        {
            // A repeated login on the same DN changes nothing (E10) but is answered with the agent's
            // current EventAgentLogin; elsewhere it breaks invariant 1.
            if (!SameDn(agent.Dn, c.Dn))
            {
                return Fail(RejectReason.AgentLoggedInElsewhere, "the agent is logged in on another DN");
            }

            EmitAgent(EventKind.AgentLogin, agent).Cause = "already logged in";
            return RejectReason.None;
        }

        if (dn.Type is not (AddressType.Dn or AddressType.Position))
        {
            return Fail(RejectReason.NotAnAgentDn, "agents log in on extension or ACD position DNs only");
        }

        // SIP Business Continuity: only Extension DNs are agent DNs (S4, invariant 2).
        if (c.PreferredSite.Length != 0 && dn.Type != AddressType.Dn)
        {
            return Fail(RejectReason.NotAnAgentDn, "with a preferred site the agent DN must be an extension");
        }

        if (c.Place.Length != 0 && dn.Place.Length != 0 && !string.Equals(c.Place, dn.Place, StringComparison.Ordinal))
        {
            return Fail(RejectReason.PlaceMismatch, "the DN belongs to another place");
        }

        if (c.Queue is not null && c.Queue.Number.Length != 0 && !_dns.ContainsKey(DnKey.From(c.Queue)))
        {
            return Fail(RejectReason.UnknownDn, "unknown queue DN");
        }

        if (dn.OutOfService)
        {
            return Fail(RejectReason.DnOutOfService, "DN is out of service");
        }

        r = agent is null ? Limit(_agents.Count + 1L, _options.MaxAgents, "agents") : RejectReason.None;
        if (r == RejectReason.None)
        {
            r = CheckKeyValueList(c.Reasons, "agent reasons");
        }

        if (r != RejectReason.None)
        {
            return r;
        }

        // One agent per place (GenEM): an agent at another DN of the place conflicts like one on the DN.
        string place = c.Place.Length != 0 ? c.Place : dn.Place;
        string placeAgent = place.Length != 0 && _agentByPlace.TryGetValue(place, out string? holder) ? holder : string.Empty;
        if (dn.LoggedInAgent.Length != 0 || placeAgent.Length != 0)
        {
            if (_config.LoginConflictPolicy != LoginConflictPolicy.ForceLogout)
            {
                return dn.LoggedInAgent.Length != 0
                    ? Fail(RejectReason.DnHasOtherAgent, "another agent is logged in on the DN")
                    : Fail(RejectReason.DnHasOtherAgent, "another agent is logged in at place " + place);
            }

            if (dn.LoggedInAgent.Length != 0)
            {
                LogOut(_agents[dn.LoggedInAgent], "forced out by " + c.AgentId, forced: true);
            }

            if (placeAgent.Length != 0 && _agents[placeAgent].Dn is not null)
            {
                LogOut(_agents[placeAgent], "forced out by " + c.AgentId, forced: true);
            }
        }

        if (agent is null)
        {
            agent = new Agent { AgentId = c.AgentId };
            _agents.Add(c.AgentId, agent);
        }

        agent.Dn = c.Dn;
        agent.Queue = c.Queue;
        agent.Place = place;
        if (place.Length != 0)
        {
            _agentByPlace[place] = c.AgentId;
        }

        agent.EmployeeId = c.EmployeeId;
        agent.PreferredSite = c.PreferredSite;
        agent.WorkMode = c.WorkMode;
        agent.State = c.WorkMode == AgentWorkMode.AutoIn ? AgentState.Ready : AgentState.NotReady;
        agent.StateSince = _now;
        agent.Reasons.Clear();
        agent.Reasons.AddRange(c.Reasons);
        dn.LoggedInAgent = c.AgentId;
        Event e = Emit(EventKind.AgentLogin, 0, c.Dn, c.Queue);
        e.AgentId = c.AgentId;
        e.AgentState = agent.State;
        e.WorkMode = agent.WorkMode;
        return RejectReason.None;
    }

    private RejectReason RequireLoggedIn(string agentId, out Agent agent)
    {
        if (!_agents.TryGetValue(agentId, out agent!))
        {
            return Fail(RejectReason.UnknownAgent, "unknown agent " + agentId);
        }

        return agent.Dn is null ? Fail(RejectReason.AgentNotLoggedIn, "the agent is not logged in") : RejectReason.None;
    }

    private RejectReason HandleAgentLoggedOut(AgentLoggedOut c)
    {
        RejectReason r = RequireLoggedIn(c.AgentId, out Agent agent);
        if (r != RejectReason.None)
        {
            return r;
        }

        if (_dns.TryGetValue(DnKey.From(agent.Dn!), out Dn? dn) && dn.ActiveCalls.Count != 0)
        {
            return Fail(RejectReason.DnInUse, "the agent's DN has active calls");
        }

        LogOut(agent, string.Empty);
        return RejectReason.None;
    }

    // forced: another agent's login takes the DN; the event is not an answer to this agent's
    // request, so it carries no ReferenceID.
    private void LogOut(Agent agent, string cause, bool forced = false)
    {
        DnId dnId = agent.Dn!;
        if (agent.Place.Length != 0 && _agentByPlace.TryGetValue(agent.Place, out string? holder)
            && string.Equals(holder, agent.AgentId, StringComparison.Ordinal))
        {
            _agentByPlace.Remove(agent.Place);
        }

        if (_dns.TryGetValue(DnKey.From(dnId), out Dn? dn) && string.Equals(dn.LoggedInAgent, agent.AgentId, StringComparison.Ordinal))
        {
            dn.LoggedInAgent = string.Empty;
        }

        Event e = Emit(EventKind.AgentLogout, 0, dnId, agent.Queue);
        e.AgentId = agent.AgentId;
        e.Cause = cause;
        if (forced)
        {
            e.ReferenceId = 0;
        }

        agent.Dn = null;
        agent.Queue = null;
        agent.State = AgentState.Null;
        agent.WorkMode = AgentWorkMode.Unknown;
        agent.Reasons.Clear();
        agent.StateSince = _now;
    }

    private static bool IsBusy(AgentState s) =>
        s is AgentState.BusyReady or AgentState.BusyNotReady or AgentState.BusyAfterCallWork;

    private RejectReason HandleAgentReady(AgentReady c)
    {
        RejectReason r = RequireLoggedIn(c.AgentId, out Agent agent);
        if (r != RejectReason.None)
        {
            return r;
        }

        if (c.WorkMode == AgentWorkMode.AfterCallWork)
        {
            return Fail(RejectReason.InvalidAgentTransition, "after-call work is a not-ready work mode");
        }

        agent.State = IsBusy(agent.State) ? AgentState.BusyReady : AgentState.Ready;
        agent.WorkMode = c.WorkMode;
        agent.Reasons.Clear();
        agent.StateSince = _now;
        EmitAgent(EventKind.AgentReady, agent);
        return RejectReason.None;
    }

    private RejectReason HandleAgentNotReady(AgentNotReady c)
    {
        // ACW only while logged in (invariant 6): RequireLoggedIn rejects the rest.
        RejectReason r = RequireLoggedIn(c.AgentId, out Agent agent);
        if (r != RejectReason.None)
        {
            return r;
        }

        if (c.WorkMode is AgentWorkMode.AutoIn or AgentWorkMode.ManualIn)
        {
            return Fail(RejectReason.InvalidAgentTransition, "auto-in and manual-in are ready work modes");
        }

        r = CheckKeyValueList(c.Reasons, "agent reasons");
        if (r != RejectReason.None)
        {
            return r;
        }

        bool acw = c.WorkMode == AgentWorkMode.AfterCallWork;
        agent.State = IsBusy(agent.State)
            ? (acw ? AgentState.BusyAfterCallWork : AgentState.BusyNotReady)
            : AgentState.NotReady;
        agent.WorkMode = c.WorkMode;
        agent.Reasons.Clear();
        agent.Reasons.AddRange(c.Reasons);
        agent.StateSince = _now;
        EmitAgent(EventKind.AgentNotReady, agent).UserData.AddRange(c.Reasons);
        return RejectReason.None;
    }

    private Event EmitAgent(EventKind kind, Agent agent)
    {
        Event e = Emit(kind, 0, agent.Dn, agent.Queue);
        e.AgentId = agent.AgentId;
        e.AgentState = agent.State;
        e.WorkMode = agent.WorkMode;
        return e;
    }

    private RejectReason HandleDnFlag(DnId? id, DnFlag flag, bool on)
    {
        RejectReason r = RequireDn(id, out Dn dn);
        if (r != RejectReason.None)
        {
            return r;
        }

        bool current = flag == DnFlag.OutOfService ? dn.OutOfService : dn.Dnd;
        if (current == on)
        {
            return Fail(RejectReason.AlreadyInState, $"{flag} is already {(on ? "on" : "off")}");
        }

        if (flag == DnFlag.OutOfService)
        {
            dn.OutOfService = on;
            Emit(on ? EventKind.DnOutOfService : EventKind.DnBackInService, 0, dn.Id);
        }
        else
        {
            dn.Dnd = on;
            Emit(on ? EventKind.DndOn : EventKind.DndOff, 0, dn.Id);
        }

        return RejectReason.None;
    }

    private RejectReason HandleForwardSet(ForwardSet c)
    {
        RejectReason r = RequireDn(c.Dn, out Dn dn);
        if (r != RejectReason.None)
        {
            return r;
        }

        if (c.Mode == ForwardMode.None || c.Destination is null || c.Destination.Number.Length == 0)
        {
            return Fail(RejectReason.InvalidArgument, "forwarding needs a mode and a destination");
        }

        if (SameDn(c.Destination, c.Dn))
        {
            return Fail(RejectReason.InvalidArgument, "a DN cannot forward to itself");
        }

        dn.Forward = new Forward { Mode = c.Mode, Destination = c.Destination };
        Emit(EventKind.ForwardSet, 0, dn.Id, c.Destination);
        return RejectReason.None;
    }

    private RejectReason HandleForwardCancel(ForwardCancel c)
    {
        RejectReason r = RequireDn(c.Dn, out Dn dn);
        if (r != RejectReason.None)
        {
            return r;
        }

        if (dn.Forward is null)
        {
            return Fail(RejectReason.AlreadyInState, "the DN is not forwarded");
        }

        dn.Forward = null;
        Emit(EventKind.ForwardCancel, 0, dn.Id);
        return RejectReason.None;
    }
}
