namespace HaCore.ContactCenter;

// A whole-state check of DOMAIN.md §2.3, for tests and for simulation checkers. Apply keeps these
// invariants by construction; this method verifies that it did.
public sealed partial class ContactCenterStateMachine
{
    /// <summary>
    /// Checks every structural invariant of DOMAIN.md §2.3 over the whole state (O(state size)).
    /// </summary>
    /// <returns>One line per violation; empty when the state is consistent.</returns>
    public IReadOnlyList<string> FindInvariantViolations()
    {
        var v = new List<string>();
        CheckAgentsAndDns(v);
        CheckCalls(v);
        CheckSessions(v);
        CheckConnectors(v);
        v.Sort(StringComparer.Ordinal);
        return v;
    }

    private void CheckAgentsAndDns(List<string> v)
    {
        foreach ((DnKey key, Dn dn) in _dns)
        {
            if (dn.LoggedInAgent.Length != 0
                && (!_agents.TryGetValue(dn.LoggedInAgent, out Agent? a) || !SameDn(a.Dn, dn.Id)))
            {
                v.Add($"1: DN {key} names agent {dn.LoggedInAgent}, who is not logged in on it");
            }

            if (dn.PeerDn is { Number.Length: > 0 } peer
                && (!_dns.TryGetValue(DnKey.From(peer), out Dn? p) || !string.Equals(p.Place, dn.Place, StringComparison.Ordinal)))
            {
                v.Add($"2: DN {key} and its peer do not share a place");
            }

            for (int i = 1; i < dn.ActiveCalls.Count; i++)
            {
                if (dn.ActiveCalls[i - 1] >= dn.ActiveCalls[i])
                {
                    v.Add($"4: DN {key} does not keep its active calls sorted by ConnId");
                    break;
                }
            }

            foreach (ulong connId in dn.ActiveCalls)
            {
                if (!_calls.TryGetValue(connId, out Call? call) || FindParty(call, dn.Id) < 0)
                {
                    v.Add($"4: DN {key} lists ConnId {new ConnId(connId)} without a party on it");
                }
            }
        }

        var places = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string id, Agent agent) in _agents)
        {
            if (agent.Dn is not null && agent.Place.Length != 0)
            {
                if (places.TryGetValue(agent.Place, out string? first))
                {
                    v.Add($"2: place {agent.Place} has two agents, {first} and {id}");
                }

                places[agent.Place] = id;
                if (!string.Equals(_agentByPlace.GetValueOrDefault(agent.Place), id, StringComparison.Ordinal))
                {
                    v.Add($"2: the place index does not show agent {id} at place {agent.Place}");
                }
            }
        }

        if (places.Count != _agentByPlace.Count)
        {
            v.Add("2: the place index lists a place without a logged-in agent");
        }

        foreach ((string id, Agent agent) in _agents)
        {
            if ((agent.Dn is null) != (agent.State == AgentState.Null))
            {
                v.Add($"6: agent {id} is {agent.State} with DN {agent.Dn}");
            }

            if (agent.Dn is null)
            {
                continue;
            }

            if (!_dns.TryGetValue(DnKey.From(agent.Dn), out Dn? dn) || !string.Equals(dn.LoggedInAgent, id, StringComparison.Ordinal))
            {
                v.Add($"1: agent {id} is not the agent of its DN");
                continue;
            }

            if (dn.Place.Length != 0 && !string.Equals(dn.Place, agent.Place, StringComparison.Ordinal))
            {
                v.Add($"2: agent {id} has place {agent.Place} but its DN belongs to {dn.Place}");
            }

            if (agent.Queue is { Number.Length: > 0 } queue && !_dns.ContainsKey(DnKey.From(queue)))
            {
                v.Add($"7: agent {id} is logged in to unknown queue {DnKey.From(queue)}");
            }

            if (IsBusy(agent.State) && dn.ActiveCalls.Count == 0)
            {
                v.Add($"6: agent {id} is {agent.State} without a call");
            }
        }
    }

    private void CheckCalls(List<string> v)
    {
        foreach ((ulong connId, Call call) in _calls)
        {
            string c = new ConnId(connId).ToString();
            if (call.ConnId != connId || (connId >> 48) != _counters.ConnIdPrefix
                || (connId & 0xFFFF_FFFF_FFFFUL) > _counters.NextConnIdCounter)
            {
                v.Add($"3: call {c} has a ConnId the allocator did not issue");
            }

            if (call.Parties.Count == 0)
            {
                v.Add($"4: call {c} has no party");
            }

            for (int i = 0; i < call.Parties.Count; i++)
            {
                Party p = call.Parties[i];
                if (FindParty(call, p.Dn) != i)
                {
                    v.Add($"6: call {c} has two parties on {DnKey.From(p.Dn!)}");
                }

                if (!_dns.TryGetValue(DnKey.From(p.Dn!), out Dn? dn) || !ActiveCalls.Has(dn.ActiveCalls, connId))
                {
                    v.Add($"4: call {c} party {DnKey.From(p.Dn!)} is missing from its DN's active calls");
                }
            }

            for (int i = 1; i < call.UserData.Count; i++)
            {
                if (string.CompareOrdinal(call.UserData[i - 1].Key, call.UserData[i].Key) >= 0)
                {
                    v.Add($"5: call {c} user data is not a sorted key set");
                }
            }

            for (int i = 0; i < call.Treatments.Count; i++)
            {
                if (call.Treatments[i].ConnId != connId || FindTreatment(call, call.Treatments[i].Dn) != i)
                {
                    v.Add($"8: call {c} treatment {i} is misplaced or duplicated");
                }
            }

            foreach (IsccRef link in call.IsccLinks)
            {
                if (link.ConnId != connId || _isccByTransaction.GetValueOrDefault(link.TransactionId) != connId)
                {
                    v.Add($"4: call {c} ISCC link {link.TransactionId} is not indexed to it");
                }

                bool open = link.State is IsccState.Requested or IsccState.ResourceAllocated;
                if (open && link.AccessResource is not null
                    && _isccResourceHolders.GetValueOrDefault(DnKey.From(link.AccessResource)) != link.TransactionId)
                {
                    v.Add($"10: ISCC {link.TransactionId} holds a resource the index does not show");
                }
            }

            if (call.TransferConnId != 0)
            {
                if (!_calls.TryGetValue(call.TransferConnId, out Call? partner))
                {
                    v.Add($"4: call {c} links to released call {new ConnId(call.TransferConnId)}");
                }
                else if (partner.TransferConnId != connId || partner.IsConsult == call.IsConsult)
                {
                    v.Add($"4: call {c} links to {new ConnId(call.TransferConnId)}, which is not its main/consult partner");
                }
            }

            if (call.TransferInProgress is { ConsultConnId: not 0 } t)
            {
                if (!_calls.ContainsKey(t.ConsultConnId))
                {
                    v.Add($"4: call {c} transfer refers to released call {new ConnId(t.ConsultConnId)}");
                }
                else if (t.ConsultConnId != call.TransferConnId || call.IsConsult)
                {
                    v.Add($"4: call {c} transfer names {new ConnId(t.ConsultConnId)}, which is not its consult call");
                }
            }
        }

        foreach ((uint txn, ulong connId) in _isccByTransaction)
        {
            if (!_calls.ContainsKey(connId))
            {
                v.Add($"4: ISCC transaction {txn} refers to released call {new ConnId(connId)}");
            }
        }

        foreach ((DnKey resource, uint txn) in _isccResourceHolders)
        {
            if (!_isccByTransaction.ContainsKey(txn))
            {
                v.Add($"10: resource {resource} is held by closed or released transaction {txn}");
            }
        }
    }

    private void CheckSessions(List<string> v)
    {
        var counts = new Dictionary<DnKey, int>();
        foreach ((string id, SessionEntry s) in _sessions)
        {
            foreach ((DnKey dn, Subscription sub) in s.Subscriptions)
            {
                if (!_dns.ContainsKey(dn) || !string.Equals(sub.SessionId, id, StringComparison.Ordinal))
                {
                    v.Add($"7: subscription of {id} on {dn} refers to a missing DN or session");
                }

                counts[dn] = counts.GetValueOrDefault(dn) + 1;
            }

            foreach ((uint reference, DedupeEntry e) in s.Dedupe)
            {
                if (e.ReferenceId != reference || !string.Equals(e.SessionId, id, StringComparison.Ordinal))
                {
                    v.Add($"11: dedupe entry {reference} of {id} is misfiled");
                }
            }
        }

        foreach ((string sourceId, SourceEntry source) in _sources)
        {
            if (!_connectors.ContainsKey(sourceId) || source.Dedupe.Count != source.DedupeOrder.Count)
            {
                v.Add($"11: dedupe entries of source {sourceId} name no connector, or the index disagrees");
            }

            foreach ((ulong sequence, DedupeEntry e) in source.Dedupe)
            {
                if (e.SourceSequence != sequence || !string.Equals(e.Source, sourceId, StringComparison.Ordinal))
                {
                    v.Add($"11: dedupe entry {sequence} of source {sourceId} is misfiled");
                }
            }
        }

        int privateCount = 0;
        foreach ((string id, SessionEntry s) in _sessions)
        {
            foreach ((DnKey dn, Subscription sub) in s.Subscriptions)
            {
                if (sub.RegisterMode == RegisterMode.Private)
                {
                    privateCount++;
                    if (!_privateRegistrations.TryGetValue(dn, out string? holder) || !string.Equals(holder, id, StringComparison.Ordinal))
                    {
                        v.Add($"7: private registration of {id} on {dn} is not indexed");
                    }
                }
            }
        }

        if (privateCount != _privateRegistrations.Count)
        {
            v.Add("7: the private-registration index has entries without a registration");
        }

        if (counts.Count != _subscriberCounts.Count)
        {
            v.Add("7: subscriber counts disagree with the subscriptions");
        }
    }

    private void CheckConnectors(List<string> v)
    {
        foreach ((DnKey dn, string connectorId) in _assignments)
        {
            if (!_dns.ContainsKey(dn) || !_connectors.TryGetValue(connectorId, out Connector? c) || !c.Alive)
            {
                v.Add($"9: DN {dn} is assigned to {connectorId}, which is not a live connector");
            }
        }

        foreach (ConnectorConference r in _conferences.Values)
        {
            CheckRecord(v, r.ConferenceUri, r.ConnId, r.ConnectorId, r.Pooled);
        }

        foreach (ConnectorConversation r in _conversations.Values)
        {
            CheckRecord(v, r.ConversationId, r.ConnId, r.ConnectorId, false);
        }

        foreach (ConnectorCall r in _connectorCalls.Values)
        {
            CheckRecord(v, r.CallId, r.ConnId, r.ConnectorId, false);
        }

        foreach (B2BCall r in _b2bCalls.Values)
        {
            CheckRecord(v, r.B2BId, r.ConnId, r.ConnectorId, false);
        }
    }

    private void CheckRecord(List<string> v, string key, ulong connId, string connectorId, bool pooled)
    {
        if (connId == 0 ? !pooled : !_calls.ContainsKey(connId))
        {
            v.Add($"9: connector record {key} refers to ConnId {new ConnId(connId)}, which is not live");
        }

        if (!_connectors.ContainsKey(connectorId))
        {
            v.Add($"9: connector record {key} belongs to unknown connector {connectorId}");
        }
    }
}
