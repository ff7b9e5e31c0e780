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

        if (!_connectors.TryGetValue(c.ConnectorId, out Connector? connector))
        {
            RejectReason r = Limit(_connectors.Count + 1L, _options.MaxConnectors, "connectors");
            if (r != RejectReason.None)
            {
                return r;
            }

            connector = new Connector { ConnectorId = c.ConnectorId };
            _connectors.Add(c.ConnectorId, connector);
        }

        connector.Endpoint = c.Endpoint;
        connector.Pool = c.Pool;
        connector.Alive = true;
        connector.LeaseExpiresAt = _now + c.LeaseMs;
        // The fence (invariant 12): the term of the entry that brought the connector up.
        connector.Epoch = _term;
        Emit(EventKind.ConnectorUp).ConnectorId = c.ConnectorId;
        return RejectReason.None;
    }

    private RejectReason HandleConnectorDown(ConnectorDown c)
    {
        if (!_connectors.TryGetValue(c.ConnectorId, out Connector? connector))
        {
            return Fail(RejectReason.UnknownConnector, "unknown connector");
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
        if (c.FromConnectorId.Length != 0 && !_connectors.ContainsKey(c.FromConnectorId))
        {
            return Fail(RejectReason.UnknownConnector, "unknown source connector");
        }

        var seen = new HashSet<DnKey>();
        foreach (DnAssignment a in c.Assignments)
        {
            RejectReason r = RequireDn(a.Dn, out _);
            if (r != RejectReason.None)
            {
                return r;
            }

            if (!seen.Add(DnKey.From(a.Dn!)))
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
            }
        }

        // Validated: every move of the entry is applied, or none (atomic, S0 §5 #4b).
        foreach (DnAssignment a in c.Assignments)
        {
            Assign(DnKey.From(a.Dn!), a.ConnectorId);
        }

        return RejectReason.None;
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

    // Invariant 12: a connector writes only while alive, within its lease, and (when it presents
    // one) with the epoch of its current incarnation.
    private RejectReason CheckFence(Connector connector)
    {
        if (!connector.Alive)
        {
            return Fail(RejectReason.ConnectorNotAlive, "the connector is down");
        }

        if (connector.LeaseExpiresAt < _now)
        {
            return Fail(RejectReason.ConnectorLeaseExpired, "the connector's lease has run out");
        }

        if (_presentedEpoch != 0 && _presentedEpoch != connector.Epoch)
        {
            return Fail(RejectReason.StaleConnectorEpoch, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"epoch {_presentedEpoch} is not the connector's current epoch {connector.Epoch}"));
        }

        return RejectReason.None;
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

        RejectReason fence = CheckFence(connector);
        if (fence != RejectReason.None)
        {
            return fence;
        }

        if (connId == 0 ? !allowNoCall : !_calls.ContainsKey(connId))
        {
            return Fail(RejectReason.UnknownCall, "a connector record refers to a live ConnId");
        }

        // Adoption: another connector may take a record over only once its owner is down.
        if (currentOwner is not null && !string.Equals(currentOwner, connectorId, StringComparison.Ordinal)
            && _connectors.TryGetValue(currentOwner, out Connector? owner) && owner.Alive)
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

        RejectReason fence = CheckFence(connector);
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
