using System.Buffers;
using System.Security.Cryptography;

namespace HaCore.ContactCenter;

// Snapshot, restore and the state hash. The snapshot lists every collection sorted by key, so its
// bytes are canonical: two replicas with the same state write the same bytes.
public sealed partial class ContactCenterStateMachine
{
    /// <inheritdoc />
    public void WriteSnapshot(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        MessagePack.MessagePackSerializer.Serialize(writer, CreateSnapshot(), Contract.Options);
    }

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">The bytes are not a valid snapshot, its format version is not supported, or
    /// it is inconsistent (see <see cref="LoadSnapshot"/>).</exception>
    public void RestoreSnapshot(ReadOnlySequence<byte> snapshot)
    {
        LoadSnapshot(Contract.Deserialize<Snapshot>(snapshot));
    }

    /// <summary>
    /// Builds the canonical snapshot message. It shares the state's entity instances: write it out
    /// before the next <see cref="Apply"/> and do not mutate it.
    /// </summary>
    /// <returns>The snapshot of the current state.</returns>
    public Snapshot CreateSnapshot()
    {
        var s = new Snapshot
        {
            FormatVersion = SnapshotFormatVersion,
            Counters = _counters,
            Config = _config,
        };

        ulong[] connIds = SortedKeys(_calls);
        foreach (ulong id in connIds)
        {
            s.Calls.Add(_calls[id]);
        }

        foreach (string id in SortedStrings(_agents))
        {
            s.Agents.Add(_agents[id]);
        }

        foreach (DnKey key in SortedKeys(_dns))
        {
            s.Dns.Add(_dns[key]);
        }

        foreach (string id in SortedStrings(_sessions))
        {
            SessionEntry session = _sessions[id];
            s.Sessions.Add(session.Data);
            foreach (DnKey dn in SortedKeys(session.Subscriptions))
            {
                s.Subscriptions.Add(session.Subscriptions[dn]);
            }

            // Queue order is application order: deterministic, and it is the eviction order.
            s.Dedupe.AddRange(session.DedupeOrder);
        }

        foreach (string id in SortedStrings(_connectors))
        {
            s.Connectors.Add(_connectors[id]);
        }

        foreach (string id in SortedStrings(_sources))
        {
            s.SourceDedupe.AddRange(_sources[id].DedupeOrder);
        }

        foreach (DnKey key in SortedKeys(_assignments))
        {
            s.DnAssignments.Add(new DnAssignment { Dn = _dns[key].Id, ConnectorId = _assignments[key] });
        }

        foreach (string id in SortedStrings(_conferences))
        {
            s.Conferences.Add(_conferences[id]);
        }

        foreach (string id in SortedStrings(_conversations))
        {
            s.Conversations.Add(_conversations[id]);
        }

        foreach (string id in SortedStrings(_connectorCalls))
        {
            s.ConnectorCalls.Add(_connectorCalls[id]);
        }

        foreach (string id in SortedStrings(_b2bCalls))
        {
            s.B2BCalls.Add(_b2bCalls[id]);
        }

        return s;
    }

    /// <summary>
    /// Replaces the whole state with <paramref name="snapshot"/>, taking ownership of its messages,
    /// and rebuilds the derived indexes.
    /// </summary>
    /// <param name="snapshot">A snapshot from <see cref="CreateSnapshot"/> (or parsed from <see cref="WriteSnapshot"/>).</param>
    /// <exception cref="InvalidDataException">The snapshot's format version is not supported, or it is inconsistent
    /// (a key twice, an entity without its id, a subscription or dedupe entry of a session it does not hold, a DN
    /// assignment of an unconfigured DN, or any broken invariant of <see cref="FindInvariantViolations"/>); the state
    /// is then that of a new state machine.</exception>
    public void LoadSnapshot(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.FormatVersion is not (1 or 2 or SnapshotFormatVersion))
        {
            throw new InvalidDataException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"unsupported contact-center snapshot format {snapshot.FormatVersion}: this version reads formats 1, 2 and {SnapshotFormatVersion}"));
        }

        if (snapshot.FormatVersion == 1)
        {
            MigrateFormat1(snapshot);
        }

        try
        {
            LoadCurrentFormat(snapshot);

            // Apply relies on the invariants; a snapshot that breaks one is refused rather than applied to.
            if (FindInvariantViolations() is { Count: > 0 } violations)
            {
                throw Inconsistent(violations[0] + (violations.Count > 1 ? $" (and {violations.Count - 1} more)" : ""));
            }
        }
        catch (InvalidDataException)
        {
            // Nothing half-loaded stays behind: the state is that of a new state machine.
            ClearState();
            _counters = new Counters { ConnIdPrefix = _options.ConnIdPrefix };
            _config = new ConfigFingerprint();
            throw;
        }
    }

    // Format 1 had undirected consult links that could be one-sided (a second consult overwrote the
    // main call's link) and a transfer consult that could name any call. Format 2 keeps only
    // symmetric pairs, marks the consult leg (the one whose OrigCallUuid is its partner's CallUuid,
    // else the later ConnId) and keeps a transfer's consult only if it is the call's own consult.
    private static void MigrateFormat1(Snapshot snapshot)
    {
        var byId = new Dictionary<ulong, Call>();
        foreach (Call call in snapshot.Calls)
        {
            byId[call.ConnId] = call;
        }

        foreach (Call call in snapshot.Calls)
        {
            if (call.TransferConnId != 0
                && (!byId.TryGetValue(call.TransferConnId, out Call? partner) || partner.TransferConnId != call.ConnId))
            {
                call.TransferConnId = 0;
            }
        }

        foreach (Call call in snapshot.Calls)
        {
            if (call.TransferConnId != 0)
            {
                Call partner = byId[call.TransferConnId];
                bool callPointsBack = string.Equals(call.OrigCallUuid, partner.CallUuid, StringComparison.Ordinal);
                bool partnerPointsBack = string.Equals(partner.OrigCallUuid, call.CallUuid, StringComparison.Ordinal);
                bool consult = callPointsBack != partnerPointsBack ? callPointsBack : call.ConnId > partner.ConnId;
                call.IsConsult = consult;
            }
        }

        foreach (Call call in snapshot.Calls)
        {
            if (call.TransferInProgress is { ConsultConnId: not 0 } t && (t.ConsultConnId != call.TransferConnId || call.IsConsult))
            {
                t.ConsultConnId = 0;
            }
        }

        snapshot.FormatVersion = SnapshotFormatVersion;
    }

    private void LoadCurrentFormat(Snapshot snapshot)
    {
        ClearState();
        _counters = snapshot.Counters ?? new Counters { ConnIdPrefix = _options.ConnIdPrefix };
        _config = snapshot.Config ?? new ConfigFingerprint();
        foreach (Dn dn in snapshot.Dns)
        {
            // Sorted by ConnId since format 3; formats 1 and 2 listed them in insertion order.
            ActiveCalls.Normalize(dn.ActiveCalls);

            Unique(_dns, DnKey.From(Present(dn.Id, "a DN without its id")), dn, "DN");
        }

        foreach (Call call in snapshot.Calls)
        {
            Unique(_calls, call.ConnId, call, "call");
            foreach (IsccRef link in call.IsccLinks)
            {
                Unique(_isccByTransaction, link.TransactionId, call.ConnId, "ISCC transaction");
                if (link.AccessResource is not null && link.State is IsccState.Requested or IsccState.ResourceAllocated)
                {
                    Unique(_isccResourceHolders, DnKey.From(link.AccessResource), link.TransactionId, "ISCC access resource");
                }
            }
        }

        foreach (Agent agent in snapshot.Agents)
        {
            Unique(_agents, agent.AgentId, agent, "agent");
            if (agent.Dn is not null && agent.Place.Length != 0)
            {
                _agentByPlace[agent.Place] = agent.AgentId;
            }
        }

        foreach (ClientSession session in snapshot.Sessions)
        {
            Unique(_sessions, session.SessionId, new SessionEntry(session), "session");
        }

        foreach (Subscription sub in snapshot.Subscriptions)
        {
            var key = DnKey.From(Present(sub.Dn, "a subscription without its DN"));
            Unique(SessionOf(sub.SessionId, "a subscription").Subscriptions, key, sub, $"subscription of session {sub.SessionId} to DN");
            _subscriberCounts[key] = _subscriberCounts.GetValueOrDefault(key) + 1;
            if (sub.RegisterMode == RegisterMode.Private)
            {
                _privateRegistrations[key] = sub.SessionId;
            }

            _subscriptionTotal++;
        }

        foreach (DedupeEntry entry in snapshot.Dedupe)
        {
            SessionEntry session = SessionOf(entry.SessionId, "a dedupe entry");
            Unique(session.Dedupe, entry.ReferenceId, entry, $"dedupe entry of session {entry.SessionId} for reference");
            session.DedupeOrder.Enqueue(entry);
        }

        foreach (Connector connector in snapshot.Connectors)
        {
            Unique(_connectors, connector.ConnectorId, connector, "connector");
        }

        foreach (DedupeEntry entry in snapshot.SourceDedupe)
        {
            if (!_sources.TryGetValue(entry.Source, out SourceEntry? source))
            {
                source = new SourceEntry();
                _sources.Add(entry.Source, source);
            }

            Unique(source.Dedupe, entry.SourceSequence, entry, $"dedupe entry of source {entry.Source} for sequence");
            source.DedupeOrder.Enqueue(entry);
        }

        foreach (DnAssignment a in snapshot.DnAssignments)
        {
            var key = DnKey.From(Present(a.Dn, "a DN assignment without its DN"));
            if (!_dns.ContainsKey(key))
            {
                throw Inconsistent($"DN {key} is assigned but not configured");
            }

            Unique(_assignments, key, a.ConnectorId, "DN assignment");
            if (!_dnsByConnector.TryGetValue(a.ConnectorId, out SortedSet<DnKey>? set))
            {
                set = new SortedSet<DnKey>();
                _dnsByConnector.Add(a.ConnectorId, set);
            }

            set.Add(key);
        }

        foreach (ConnectorConference r in snapshot.Conferences)
        {
            Unique(_conferences, r.ConferenceUri, r, "connector conference");
            Reindex(RecordKind.Conference, r.ConferenceUri, 0, r.ConnId);
        }

        foreach (ConnectorConversation r in snapshot.Conversations)
        {
            Unique(_conversations, r.ConversationId, r, "connector conversation");
            Reindex(RecordKind.Conversation, r.ConversationId, 0, r.ConnId);
        }

        foreach (ConnectorCall r in snapshot.ConnectorCalls)
        {
            Unique(_connectorCalls, r.CallId, r, "connector call");
            Reindex(RecordKind.Call, r.CallId, 0, r.ConnId);
        }

        foreach (B2BCall r in snapshot.B2BCalls)
        {
            Unique(_b2bCalls, r.B2BId, r, "B2B call");
            Reindex(RecordKind.B2B, r.B2BId, 0, r.ConnId);
        }
    }

    /// <summary>Adds a snapshot's entry to a map, refusing a key it already holds.</summary>
    private static void Unique<TKey, TValue>(Dictionary<TKey, TValue> map, TKey key, TValue value, string what)
        where TKey : notnull
    {
        if (!map.TryAdd(key, value))
        {
            throw Inconsistent($"{what} {key} appears twice");
        }
    }

    private static T Present<T>(T? value, string what)
        where T : class => value ?? throw Inconsistent(what);

    private SessionEntry SessionOf(string sessionId, string what) =>
        _sessions.TryGetValue(sessionId, out SessionEntry? session) ? session : throw Inconsistent($"{what} of session '{sessionId}', which the snapshot does not hold");

    private static InvalidDataException Inconsistent(string why) => new("inconsistent contact-center snapshot: " + why);

    private void ClearState()
    {
        _calls.Clear();
        _agents.Clear();
        _agentByPlace.Clear();
        _dns.Clear();
        _sessions.Clear();
        _connectors.Clear();
        _sources.Clear();
        _assignments.Clear();
        _conferences.Clear();
        _conversations.Clear();
        _connectorCalls.Clear();
        _b2bCalls.Clear();
        _dnsByConnector.Clear();
        _recordsByCall.Clear();
        _isccByTransaction.Clear();
        _isccResourceHolders.Clear();
        _subscriberCounts.Clear();
        _privateRegistrations.Clear();
        _subscriptionTotal = 0;
    }

    /// <summary>
    /// Computes a SHA-256 over the canonical snapshot bytes followed by every option that shapes the
    /// state (<see cref="ContactCenterOptions"/>): equal on two replicas exactly when their states and
    /// options are equal. Costs one snapshot write.
    /// </summary>
    /// <returns>The 32-byte hash.</returns>
    public byte[] ComputeStateHash()
    {
        using var writer = new HashingBufferWriter();
        WriteSnapshot(writer);
        WriteOptionsFingerprint(writer);
        return writer.Finish();
    }

    // Fixed order, little-endian: a new option is appended here.
    private void WriteOptionsFingerprint(IBufferWriter<byte> writer)
    {
        ContactCenterOptions o = _options;
        long[] values =
        [
            o.ConnIdPrefix, o.DedupeWindowMs, o.MaxDedupeEntriesPerSession, o.MaxCalls, o.MaxPartiesPerCall,
            o.MaxUserDataKeys, o.MaxUserDataBytes, o.MaxKeyValueListBytes, o.MaxTreatmentsPerCall,
            o.MaxIsccLinksPerCall, o.MaxAgents, o.MaxDns, o.MaxConfigOptions, o.MaxSessions,
            o.MaxSubscriptionsPerSession, o.MaxSubscriptions, o.MaxConnectors, o.MaxConnectorRecords,
            o.MaxDedupeEntriesPerSource,
        ];
        Span<byte> span = writer.GetSpan(values.Length * sizeof(long));
        for (int i = 0; i < values.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(span.Slice(i * sizeof(long)), values[i]);
        }

        writer.Advance(values.Length * sizeof(long));

        // Then the cluster identity, as UTF-8.
        byte[] cluster = System.Text.Encoding.UTF8.GetBytes(o.ClusterId);
        cluster.CopyTo(writer.GetSpan(cluster.Length));
        writer.Advance(cluster.Length);
    }

    /// <summary>The state hash as 64 lowercase hex digits.</summary>
    /// <returns>The hex form of <see cref="ComputeStateHash"/>.</returns>
    public string ComputeStateHashHex() => Convert.ToHexStringLower(ComputeStateHash());

    private static ulong[] SortedKeys<TValue>(Dictionary<ulong, TValue> map)
    {
        var keys = new ulong[map.Count];
        map.Keys.CopyTo(keys, 0);
        Array.Sort(keys);
        return keys;
    }

    private static DnKey[] SortedKeys<TValue>(Dictionary<DnKey, TValue> map)
    {
        var keys = new DnKey[map.Count];
        map.Keys.CopyTo(keys, 0);
        Array.Sort(keys);
        return keys;
    }

    private static string[] SortedStrings<TValue>(Dictionary<string, TValue> map)
    {
        var keys = new string[map.Count];
        map.Keys.CopyTo(keys, 0);
        Array.Sort(keys, StringComparer.Ordinal);
        return keys;
    }

    // Streams the snapshot bytes through SHA-256 in 64 KB pieces instead of buffering the whole
    // snapshot (78 MB for B2) before hashing it.
    private sealed class HashingBufferWriter : IBufferWriter<byte>, IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private byte[] _buffer = new byte[64 * 1024];

        public void Advance(int count) => _hash.AppendData(_buffer, 0, count);

        public Memory<byte> GetMemory(int sizeHint = 0) => Ensure(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => Ensure(sizeHint);

        public byte[] Finish() => _hash.GetHashAndReset();

        public void Dispose() => _hash.Dispose();

        private byte[] Ensure(int sizeHint)
        {
            if (sizeHint > _buffer.Length)
            {
                _buffer = new byte[Math.Max(sizeHint, _buffer.Length * 2)];
            }

            return _buffer;
        }
    }
}
