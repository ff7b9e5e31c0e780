namespace HaCore.ContactCenter;

// Connectors, DN-to-connector assignment and connector HA records (DOMAIN.md §1, §2.2; invariant 9).
public sealed partial class ContactCenterStateMachine
{
    private RejectReason HandleConnectorUp(ConnectorUp c)
    {
        if (c.ConnectorId.Length == 0 || c.LeaseMs < 0)
        {
            return Fail(RejectReason.InvalidArgument, "a connector needs an ID and a non-negative lease");
        }

        _connectors.TryGetValue(c.ConnectorId, out Connector? connector);
        if (c.Epoch != 0)
        {
            // A renewal: only the current, live incarnation renews its lease (like an etcd KeepAlive
            // of its lease ID); an older incarnation is fenced off.
            if (connector is null)
            {
                return Fail(RejectReason.UnknownConnector, "unknown connector: a new incarnation comes up with epoch 0");
            }

            RejectReason stale = CheckEpoch(connector, c.Epoch);
            if (stale != RejectReason.None)
            {
                return stale;
            }

            if (!connector.Alive)
            {
                return Fail(RejectReason.ConnectorNotAlive, "the connector is down: a new incarnation comes up with epoch 0");
            }
        }
        else if (connector is null)
        {
            RejectReason r = Limit(_connectors.Count + 1L, _options.MaxConnectors, "connectors");
            if (r != RejectReason.None)
            {
                return r;
            }
        }

        if (connector is null)
        {
            connector = new Connector { ConnectorId = c.ConnectorId };
            _connectors.Add(c.ConnectorId, connector);
        }

        connector.Endpoint = c.Endpoint;
        connector.Pool = c.Pool;
        connector.Alive = true;
        connector.LeaseExpiresAt = _now + c.LeaseMs;
        if (c.Epoch == 0)
        {
            // The fence (invariant 12): every new incarnation gets the next epoch of this connector,
            // so an older instance, even one that came up in the same Raft term, is refused.
            connector.Epoch++;
        }

        Event e = Emit(EventKind.ConnectorUp);
        e.ConnectorId = c.ConnectorId;
        e.Epoch = connector.Epoch;
        return RejectReason.None;
    }

    private RejectReason CheckEpoch(Connector connector, ulong presented)
    {
        if (presented != connector.Epoch)
        {
            return Fail(RejectReason.StaleConnectorEpoch, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"epoch {presented} is not connector {connector.ConnectorId}'s current epoch {connector.Epoch}"));
        }

        return RejectReason.None;
    }

    private RejectReason HandleConnectorDown(ConnectorDown c)
    {
        if (!_connectors.TryGetValue(c.ConnectorId, out Connector? connector))
        {
            return Fail(RejectReason.UnknownConnector, "unknown connector");
        }

        // A down report for an older incarnation must not take the current one down.
        RejectReason stale = CheckEpoch(connector, c.Epoch);
        if (stale != RejectReason.None)
        {
            return stale;
        }

        if (!connector.Alive)
        {
            return Fail(RejectReason.AlreadyInState, "the connector is already down");
        }

        connector.Alive = false;
        Emit(EventKind.ConnectorDown).ConnectorId = c.ConnectorId;
        // A DN maps to a live connector or to Unassigned: the dead connector's DNs become unassigned.
        if (_dnsByConnector.Remove(c.ConnectorId, out SortedSet<DnKey>? dns))
        {
            foreach (DnKey dn in dns)
            {
                _assignments.Remove(dn);
                Emit(EventKind.DnUnassigned, 0, _dns[dn].Id).ConnectorId = c.ConnectorId;
            }
        }

        return RejectReason.None;
    }

    private RejectReason HandleDnsReassigned(DnsReassigned c)
    {
        Connector? from = null;
        if (c.FromConnectorId.Length != 0)
        {
            if (!_connectors.TryGetValue(c.FromConnectorId, out from))
            {
                return Fail(RejectReason.UnknownConnector, "unknown source connector");
            }

            // A plan made for an older incarnation of the source (one that has come back since) is stale.
            RejectReason stale = CheckEpoch(from, c.FromEpoch);
            if (stale != RejectReason.None)
            {
                return stale;
            }
        }

        Connector? adopter = null;
        if (c.AdoptingConnectorId.Length != 0)
        {
            if (from is null)
            {
                return Fail(RejectReason.InvalidArgument, "adoption needs a source connector");
            }

            if (!_connectors.TryGetValue(c.AdoptingConnectorId, out adopter))
            {
                return Fail(RejectReason.UnknownConnector, "unknown adopting connector " + c.AdoptingConnectorId);
            }

            if (string.Equals(adopter.ConnectorId, from.ConnectorId, StringComparison.Ordinal))
            {
                return Fail(RejectReason.InvalidArgument, "a connector cannot adopt its own records");
            }

            RejectReason fence = CheckFence(adopter, c.AdoptingEpoch);
            if (fence != RejectReason.None)
            {
                return fence;
            }

            // The records of a live source within its lease belong to it (scenario 4c: one claim wins).
            if (from.Alive && from.LeaseExpiresAt >= _now)
            {
                return Fail(RejectReason.RecordOwnedByOtherConnector, "the source connector is alive within its lease");
            }
        }

        var seen = new HashSet<DnKey>();
        foreach (DnAssignment a in c.Assignments)
        {
            RejectReason r = RequireDn(a.Dn, out _);
            if (r != RejectReason.None)
            {
                return r;
            }

            var key = DnKey.From(a.Dn!);
            if (!seen.Add(key))
            {
                return Fail(RejectReason.InvalidArgument, "a DN appears twice in one reassignment");
            }

            if (a.ConnectorId.Length != 0)
            {
                if (!_connectors.TryGetValue(a.ConnectorId, out Connector? target))
                {
                    return Fail(RejectReason.UnknownConnector, "unknown target connector " + a.ConnectorId);
                }

                if (!target.Alive)
                {
                    return Fail(RejectReason.ConnectorNotAlive, "target connector is down: " + a.ConnectorId);
                }

                if (target.LeaseExpiresAt < _now)
                {
                    return Fail(RejectReason.ConnectorLeaseExpired, "target connector's lease has run out: " + a.ConnectorId);
                }
            }

            // Only the source's DNs (or unassigned ones) move: a plan cannot take DNs from a connector it did not name.
            if (_assignments.TryGetValue(key, out string? current) && !string.Equals(current, c.FromConnectorId, StringComparison.Ordinal))
            {
                return Fail(RejectReason.InvalidArgument, "DN " + a.Dn!.Number + " belongs to connector " + current + ", not to the source");
            }
        }

        // Validated: every move of the entry is applied, or none (atomic, S0 §5 #4b).
        foreach (DnAssignment a in c.Assignments)
        {
            Assign(DnKey.From(a.Dn!), a.ConnectorId);
        }

        if (from is not null)
        {
            // Record ownership moves with the DNs, in the same entry: a record of the source whose call has
            // a party on a moved DN goes to that DN's new connector (the first such DN of the command wins).
            var moved = new HashSet<RecordRef>();
            foreach (DnAssignment a in c.Assignments)
            {
                if (a.ConnectorId.Length != 0)
                {
                    MoveRecordsOfDn(_dns[DnKey.From(a.Dn!)], from.ConnectorId, a.ConnectorId, moved);
                }
            }

            if (adopter is not null)
            {
                AdoptRemainingRecords(from.ConnectorId, adopter.ConnectorId);
            }
        }

        return RejectReason.None;
    }

    private void MoveRecordsOfDn(Dn dn, string from, string to, HashSet<RecordRef> moved)
    {
        foreach (ulong connId in dn.ActiveCalls)
        {
            if (!_recordsByCall.TryGetValue(connId, out List<RecordRef>? refs))
            {
                continue;
            }

            var sorted = new List<RecordRef>(refs);
            sorted.Sort();
            foreach (RecordRef rec in sorted)
            {
                if (string.Equals(OwnerOf(rec), from, StringComparison.Ordinal) && moved.Add(rec))
                {
                    SetOwner(rec, to);
                    EmitRecord(EventKind.ConnectorRecordUpserted, connId, to, rec.Key);
                }
            }
        }
    }

    // Adoption of a dead connector's calls in one entry: every record it still owns (pooled ones included)
    // goes to the adopter. O(records), sorted by kind and key; connector failures are rare.
    private void AdoptRemainingRecords(string from, string to)
    {
        var refs = new List<RecordRef>();
        Collect(_conferences, RecordKind.Conference, r => r.ConnectorId);
        Collect(_conversations, RecordKind.Conversation, r => r.ConnectorId);
        Collect(_connectorCalls, RecordKind.Call, r => r.ConnectorId);
        Collect(_b2bCalls, RecordKind.B2B, r => r.ConnectorId);
        refs.Sort();
        foreach (RecordRef rec in refs)
        {
            SetOwner(rec, to);
            EmitRecord(EventKind.ConnectorRecordUpserted, ConnIdOf(rec), to, rec.Key);
        }

        void Collect<T>(Dictionary<string, T> records, RecordKind kind, Func<T, string> owner)
        {
            foreach (KeyValuePair<string, T> pair in records)
            {
                if (string.Equals(owner(pair.Value), from, StringComparison.Ordinal))
                {
                    refs.Add(new RecordRef(kind, pair.Key));
                }
            }
        }
    }

    private string OwnerOf(RecordRef rec) => rec.Kind switch
    {
        RecordKind.Conference => _conferences[rec.Key].ConnectorId,
        RecordKind.Conversation => _conversations[rec.Key].ConnectorId,
        RecordKind.Call => _connectorCalls[rec.Key].ConnectorId,
        _ => _b2bCalls[rec.Key].ConnectorId,
    };

    private ulong ConnIdOf(RecordRef rec) => rec.Kind switch
    {
        RecordKind.Conference => _conferences[rec.Key].ConnId,
        RecordKind.Conversation => _conversations[rec.Key].ConnId,
        RecordKind.Call => _connectorCalls[rec.Key].ConnId,
        _ => _b2bCalls[rec.Key].ConnId,
    };

    private void SetOwner(RecordRef rec, string owner)
    {
        switch (rec.Kind)
        {
            case RecordKind.Conference: _conferences[rec.Key].ConnectorId = owner; break;
            case RecordKind.Conversation: _conversations[rec.Key].ConnectorId = owner; break;
            case RecordKind.Call: _connectorCalls[rec.Key].ConnectorId = owner; break;
            default: _b2bCalls[rec.Key].ConnectorId = owner; break;
        }
    }

    private void Assign(DnKey dn, string connectorId)
    {
        DnId id = _dns[dn].Id!;
        if (_assignments.TryGetValue(dn, out string? current))
        {
            if (string.Equals(current, connectorId, StringComparison.Ordinal))
            {
                return;
            }

            _assignments.Remove(dn);
            SortedSet<DnKey> set = _dnsByConnector[current];
            set.Remove(dn);
            if (set.Count == 0)
            {
                _dnsByConnector.Remove(current);
            }

            Emit(EventKind.DnUnassigned, 0, id).ConnectorId = current;
        }

        if (connectorId.Length == 0)
        {
            return;
        }

        _assignments.Add(dn, connectorId);
        if (!_dnsByConnector.TryGetValue(connectorId, out SortedSet<DnKey>? dns))
        {
            dns = new SortedSet<DnKey>();
            _dnsByConnector.Add(connectorId, dns);
        }

        dns.Add(dn);
        Emit(EventKind.DnAssigned, 0, id).ConnectorId = connectorId;
    }

    // ---- connector HA records ----

    // Invariant 12: a connector writes only while alive, within its lease, and with the epoch of its
    // current incarnation (mandatory: 0 is never an incarnation's epoch, so it is refused).
    private RejectReason CheckFence(Connector connector, ulong presented)
    {
        if (!connector.Alive)
        {
            return Fail(RejectReason.ConnectorNotAlive, "the connector is down");
        }

        if (connector.LeaseExpiresAt < _now)
        {
            return Fail(RejectReason.ConnectorLeaseExpired, "the connector's lease has run out");
        }

        return CheckEpoch(connector, presented);
    }

    private RejectReason CheckUpsert(string key, ulong connId, string connectorId, string? currentOwner, bool allowNoCall)
    {
        if (key.Length == 0 || connectorId.Length == 0)
        {
            return Fail(RejectReason.InvalidArgument, "a connector record needs a key and its connector");
        }

        if (!_connectors.TryGetValue(connectorId, out Connector? connector))
        {
            return Fail(RejectReason.UnknownConnector, "unknown connector");
        }

        RejectReason fence = CheckFence(connector, _presentedEpoch);
        if (fence != RejectReason.None)
        {
            return fence;
        }

        if (connId == 0 ? !allowNoCall : !_calls.ContainsKey(connId))
        {
            return Fail(RejectReason.UnknownCall, "a connector record refers to a live ConnId");
        }

        // Adoption: another connector may take a record over only once its owner is down or past its lease.
        if (currentOwner is not null && !string.Equals(currentOwner, connectorId, StringComparison.Ordinal)
            && _connectors.TryGetValue(currentOwner, out Connector? owner) && owner.Alive && owner.LeaseExpiresAt >= _now)
        {
            return Fail(RejectReason.RecordOwnedByOtherConnector, "the record belongs to a live connector");
        }

        return RejectReason.None;
    }

    private RejectReason HandleConferenceUpserted(ConnectorConference? record) =>
        Upsert(_conferences, record, RecordKind.Conference, r => r.ConferenceUri, r => r.ConnId, r => r.ConnectorId, r => r.Pooled);

    private RejectReason HandleConversationUpserted(ConnectorConversation? record) =>
        Upsert(_conversations, record, RecordKind.Conversation, r => r.ConversationId, r => r.ConnId, r => r.ConnectorId, _ => false);

    private RejectReason HandleConnectorCallUpserted(ConnectorCall? record) =>
        Upsert(_connectorCalls, record, RecordKind.Call, r => r.CallId, r => r.ConnId, r => r.ConnectorId, _ => false);

    private RejectReason HandleB2BUpserted(B2BCall? record) =>
        Upsert(_b2bCalls, record, RecordKind.B2B, r => r.B2BId, r => r.ConnId, r => r.ConnectorId, _ => false);

    /// <summary>
    /// The one upsert of every connector HA record kind: validate against the call and the current owner,
    /// store a copy, move the ConnId index, emit the event.
    /// </summary>
    private RejectReason Upsert<T>(
        Dictionary<string, T> records, T? record, RecordKind kind,
        Func<T, string> key, Func<T, ulong> connId, Func<T, string> connectorId, Func<T, bool> allowNoCall)
        where T : class, IContract<T>
    {
        if (record is null)
        {
            return Fail(RejectReason.InvalidArgument, "no record");
        }

        records.TryGetValue(key(record), out T? old);
        RejectReason r = CheckUpsert(key(record), connId(record), connectorId(record), old is null ? null : connectorId(old), allowNoCall(record));
        if (r == RejectReason.None && old is null)
        {
            r = Limit(ConnectorRecordCount + 1L, _options.MaxConnectorRecords, "connector records");
        }

        if (r != RejectReason.None)
        {
            return r;
        }

        T copy = record.Clone();
        records[key(copy)] = copy;
        Reindex(kind, key(copy), old is null ? 0 : connId(old), connId(copy));
        return EmitRecord(EventKind.ConnectorRecordUpserted, connId(copy), connectorId(copy), key(copy));
    }

    private RejectReason EmitRecord(EventKind kind, ulong connId, string connectorId, string key)
    {
        Event e = Emit(kind, connId);
        e.ConnectorId = connectorId;
        e.Key = key;
        return RejectReason.None;
    }

    private void Reindex(RecordKind kind, string key, ulong oldConnId, ulong newConnId)
    {
        if (oldConnId == newConnId)
        {
            return;
        }

        var rec = new RecordRef(kind, key);
        if (oldConnId != 0 && _recordsByCall.TryGetValue(oldConnId, out List<RecordRef>? oldList))
        {
            oldList.Remove(rec);
            if (oldList.Count == 0)
            {
                _recordsByCall.Remove(oldConnId);
            }
        }

        if (newConnId != 0)
        {
            if (!_recordsByCall.TryGetValue(newConnId, out List<RecordRef>? list))
            {
                list = new List<RecordRef>(4);
                _recordsByCall.Add(newConnId, list);
            }

            list.Add(rec);
        }
    }

    private RejectReason HandleRecordRemoved(RecordKind kind, string key, string connectorId)
    {
        (ulong connId, string owner) = kind switch
        {
            RecordKind.Conference => _conferences.TryGetValue(key, out var a) ? (a.ConnId, a.ConnectorId) : (0UL, string.Empty),
            RecordKind.Conversation => _conversations.TryGetValue(key, out var b) ? (b.ConnId, b.ConnectorId) : (0UL, string.Empty),
            RecordKind.Call => _connectorCalls.TryGetValue(key, out var d) ? (d.ConnId, d.ConnectorId) : (0UL, string.Empty),
            _ => _b2bCalls.TryGetValue(key, out var e) ? (e.ConnId, e.ConnectorId) : (0UL, string.Empty),
        };
        if (owner.Length == 0)
        {
            return Fail(RejectReason.UnknownConnectorRecord, "unknown connector record " + key);
        }

        if (!string.Equals(owner, connectorId, StringComparison.Ordinal))
        {
            return Fail(RejectReason.RecordOwnedByOtherConnector, "only the owning connector removes a record");
        }

        // The owner must be live, within its lease and of the presented epoch, like a writer.
        if (!_connectors.TryGetValue(owner, out Connector? connector))
        {
            return Fail(RejectReason.UnknownConnector, "unknown connector");
        }

        RejectReason fence = CheckFence(connector, _presentedEpoch);
        if (fence != RejectReason.None)
        {
            return fence;
        }

        Reindex(kind, key, connId, 0);
        RemoveRecord(kind, key);
        return EmitRecord(EventKind.ConnectorRecordRemoved, connId, owner, key);
    }

    private void RemoveRecord(RecordKind kind, string key)
    {
        bool removed = kind switch
        {
            RecordKind.Conference => _conferences.Remove(key),
            RecordKind.Conversation => _conversations.Remove(key),
            RecordKind.Call => _connectorCalls.Remove(key),
            _ => _b2bCalls.Remove(key),
        };
        Invariant(removed, "record index points at a missing record");
    }

    private void RemoveConnectorRecordsOf(ulong connId)
    {
        if (!_recordsByCall.Remove(connId, out List<RecordRef>? refs))
        {
            return;
        }

        // Sorted, so that a replica that rebuilt the index from a snapshot emits the same events.
        refs.Sort();
        foreach (RecordRef rec in refs)
        {
            string owner = rec.Kind switch
            {
                RecordKind.Conference => _conferences[rec.Key].ConnectorId,
                RecordKind.Conversation => _conversations[rec.Key].ConnectorId,
                RecordKind.Call => _connectorCalls[rec.Key].ConnectorId,
                _ => _b2bCalls[rec.Key].ConnectorId,
            };
            RemoveRecord(rec.Kind, rec.Key);
            EmitRecord(EventKind.ConnectorRecordRemoved, connId, owner, rec.Key);
        }
    }

    private void MoveConnectorRecords(ulong oldConnId, ulong newConnId)
    {
        if (!_recordsByCall.Remove(oldConnId, out List<RecordRef>? refs))
        {
            return;
        }

        refs.Sort();
        foreach (RecordRef rec in refs)
        {
            switch (rec.Kind)
            {
                case RecordKind.Conference: _conferences[rec.Key].ConnId = newConnId; break;
                case RecordKind.Conversation: _conversations[rec.Key].ConnId = newConnId; break;
                case RecordKind.Call: _connectorCalls[rec.Key].ConnId = newConnId; break;
                default: _b2bCalls[rec.Key].ConnId = newConnId; break;
            }

            Reindex(rec.Kind, rec.Key, 0, newConnId);
        }
    }
}
