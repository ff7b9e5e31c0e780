using System.Buffers;
using System.Reflection;
using MessagePack;
using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

public sealed class SnapshotTests
{
    /// <summary>A state holding at least one of every entity kind, and every nested collection filled.</summary>
    internal static Harness FullFixture()
    {
        var h = new Harness();
        h.Ok(new ConfigApplied { Version = 2, LoginConflictPolicy = LoginConflictPolicy.ForceLogout, Options = { Kv("addp-timeout", "10") }, DnUpserts = { new Dn { Id = Dn("1011"), Type = AddressType.Dn, Place = "P1", PeerDn = Dn("1001") } } });
        h.Ok(new AgentLoggedIn { AgentId = "a1", Dn = Dn("1001"), Queue = Dn("7000"), WorkMode = AgentWorkMode.ManualIn, Place = "P1", PreferredSite = "A", EmployeeId = "e1" });
        h.Ok(new AgentNotReady { AgentId = "a1", WorkMode = AgentWorkMode.AuxWork, Reasons = { Kv("ReasonCode", "5") } });
        h.Ok(new ForwardSet { Dn = Dn("1003"), Mode = ForwardMode.OnNoAnswer, Destination = Dn("1004") });
        h.Ok(new AddressRegistered { Dn = Dn("1001"), ControlMode = ControlMode.RegisterMonitor }, Session, 1);
        h.Ok(new DnsReassigned { Assignments = { new DnAssignment { Dn = Dn("1001"), ConnectorId = ConnectorA } } });

        ulong id = h.ConnectedCall();
        var nested = new KvPair { Key = "n", Value = new KvValue { List = new KvList { Pairs = { Kv("inner", "x") } } } };
        h.Ok(new UserDataAttached { ConnId = id, Pairs = { nested, Kv("s", "t") } }, Session, 2);
        h.Ok(new TransferStarted { ConnId = id, Controller = Dn("1001"), Target = Dn("1002"), Kind = TransferKind.TwoStep });
        h.Ok(new RouteRequested { ConnId = id, RoutePoint = Dn("8000"), TimeoutMs = 4000 });
        h.Ok(new TreatmentRequested { ConnId = id, Dn = Dn("8000"), Type = TreatmentType.Music, Parameters = { Kv("MUSIC_DN", "9500") } });
        h.Ok(new IsccRequested { ConnId = id, TransactionId = 3, RemoteLocation = "B", TimeoutMs = 5000, Token = "tok" });
        h.Ok(new IsccResourceAllocated { TransactionId = 3, AccessResource = Dn("9600") });
        h.Ok(new ConnConferenceUpserted { Record = new ConnectorConference { ConferenceUri = "sip:c", ConnId = id, ConnectorId = ConnectorA, ScheduledAt = 5 }, Epoch = 1 });
        h.Ok(new ConnConversationUpserted { Record = new ConnectorConversation { ConversationId = "cv", ConnId = id, ConferenceUri = "sip:c", Modalities = 7, Participants = { "sip:a" }, ConnectorId = ConnectorA }, Epoch = 1 });
        h.Ok(new ConnCallUpserted { Record = new ConnectorCall { CallId = "uc", ConnId = id, ConversationId = "cv", ConnectorId = ConnectorA, Parties = { new ConnectorParty { SipUri = "sip:a", Dn = Dn("1001"), State = PartyState.Connected } } }, Epoch = 1 });
        h.Ok(new B2BUpserted { Record = new B2BCall { B2BId = "bb", ConnId = id, FrontLegCallId = "f", BackLegCallId = "b", ConnectorId = ConnectorA }, Epoch = 1 });
        Assert.Equal(RejectReason.None, h.Apply(new Command { Kind = new DndOn { Dn = Dn("1004") }, Source = ConnectorA, SourceSequence = 1, SourceEpoch = 1 }).RejectReason);
        return h;
    }

    private static ContactCenterStateMachine RoundTrip(ContactCenterStateMachine sm)
    {
        var buffer = new ArrayBufferWriter<byte>();
        sm.WriteSnapshot(buffer);
        var copy = new ContactCenterStateMachine(sm.Options);
        copy.RestoreSnapshot(new ReadOnlySequence<byte>(buffer.WrittenMemory));
        return copy;
    }

    [Fact]
    public void Snapshot_of_every_entity_kind_round_trips()
    {
        Harness h = FullFixture();
        ContactCenterStateMachine copy = RoundTrip(h.Sm);
        Snapshot original = h.Sm.CreateSnapshot();
        Assert.Equal(original, copy.CreateSnapshot());
        Assert.Equal(h.Sm.ComputeStateHashHex(), copy.ComputeStateHashHex());
        Assert.Empty(copy.FindInvariantViolations());

        // Every collection of the snapshot schema is populated by the fixture and survives.
        foreach (PropertyInfo field in Fields(typeof(Snapshot)))
        {
            if (ElementType(field) is not null)
            {
                Assert.True(((System.Collections.IList)field.GetValue(original)!).Count > 0, "fixture leaves snapshot field empty: " + field.Name);
            }
        }
    }

    [Fact]
    public void Snapshot_schema_lists_exactly_the_entity_types()
    {
        string[] expected =
        [
            "B2BCall", "Call", "ClientSession", "Connector", "ConnectorCall", "ConnectorConference",
            "ConnectorConversation", "DedupeEntry", "DedupeEntry", "DnAssignment", "Agent", "Dn", "Subscription",
        ];
        string[] actual = Fields(typeof(Snapshot)).Select(ElementType).OfType<Type>().Select(t => t.Name).ToArray();
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
        // Entities nested in a call (they live and die with it) are in the schema too.
        string[] nested = Fields(typeof(Call)).Select(f => ElementType(f) ?? f.PropertyType).Where(IsContract).Select(t => t.Name).ToArray();
        Assert.Subset(nested.ToHashSet(), new HashSet<string> { "Party", "TreatmentSession", "IsccRef", "KvPair", "TransferInfo", "RouteRequest" });
    }

    [Fact]
    public void Every_state_collection_is_an_entity_in_the_snapshot_or_a_derived_index()
    {
        // Entity collections: written to the snapshot. Indexes: rebuilt by RestoreSnapshot.
        string[] entities = ["_calls", "_agents", "_dns", "_sessions", "_connectors", "_assignments", "_conferences", "_conversations", "_connectorCalls", "_b2bCalls", "_sources"];
        string[] indexes = ["_dnsByConnector", "_recordsByCall", "_isccByTransaction", "_isccResourceHolders", "_subscriberCounts", "_agentByPlace", "_privateRegistrations"];
        string[] actual = typeof(ContactCenterStateMachine).GetFields(BindingFlags.Instance | BindingFlags.NonPublic)
            .Where(f => f.FieldType.IsGenericType && f.FieldType.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            .Select(f => f.Name).ToArray();
        Assert.Equal(entities.Concat(indexes).Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_nested_field_of_the_fixture_is_populated_somewhere()
    {
        // A field of an entity type left empty by the fixture would escape the round-trip test.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Visit(FullFixture().Sm.CreateSnapshot(), seen);
        var missing = new List<string>();
        foreach (Type type in Reachable(typeof(Snapshot)))
        {
            foreach (PropertyInfo f in Fields(type))
            {
                bool container = ElementType(f) is not null || IsContract(f.PropertyType);
                if (container && !seen.Contains(type.Name + "." + f.Name) && !NotEntityData(type))
                {
                    missing.Add(type.Name + "." + f.Name);
                }
            }
        }

        Assert.Empty(missing);
    }

    // Inside stored results (DedupeEntry.result) are events, not entities; a one-of-many value
    // (KvValue) holds one alternative per instance.
    private static bool NotEntityData(Type type) => type.Name is "Event" or "CommandResult" or "KvValue";

    // The members of a contract in key order; KvValue (its own formatter) shows its nested list.
    private static IEnumerable<PropertyInfo> Fields(Type type) =>
        type == typeof(KvValue)
            ? [type.GetProperty(nameof(KvValue.List))!]
            : type.GetProperties().Where(p => p.GetCustomAttribute<KeyAttribute>() is not null).OrderBy(p => p.GetCustomAttribute<KeyAttribute>()!.IntKey);

    private static Type? ElementType(PropertyInfo p) =>
        p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(List<>) ? p.PropertyType.GetGenericArguments()[0] : null;

    private static bool IsContract(Type t) => t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IContract<>));

    private static IEnumerable<Type> Reachable(Type root)
    {
        var seen = new HashSet<Type>();
        var stack = new Stack<Type>([root]);
        while (stack.Count > 0)
        {
            Type d = stack.Pop();
            if (!seen.Add(d))
            {
                continue;
            }

            yield return d;
            foreach (PropertyInfo f in Fields(d))
            {
                Type t = ElementType(f) ?? f.PropertyType;
                if (IsContract(t))
                {
                    stack.Push(t);
                }
            }
        }
    }

    private static void Visit(object message, HashSet<string> seen)
    {
        foreach (PropertyInfo f in Fields(message.GetType()))
        {
            object? value = f.GetValue(message);
            if (ElementType(f) is not null)
            {
                var list = (System.Collections.IList)value!;
                if (list.Count > 0)
                {
                    seen.Add(message.GetType().Name + "." + f.Name);
                }

                foreach (object item in list)
                {
                    if (IsContract(item.GetType()))
                    {
                        Visit(item, seen);
                    }
                }
            }
            else if (value is not null && IsContract(value.GetType()))
            {
                seen.Add(message.GetType().Name + "." + f.Name);
                Visit(value, seen);
            }
        }
    }

    [Fact]
    public void State_hash_is_the_SHA256_of_the_canonical_snapshot_bytes_and_the_options()
    {
        var runner = new HaCore.ContactCenter.Workload.WorkloadRunner(HaCore.ContactCenter.Workload.WorkloadProfile.B1.ScaledDown(10), seed: 9);
        runner.ApplySetup();
        runner.ApplyTraffic(3_000);
        var buffer = new ArrayBufferWriter<byte>();
        runner.StateMachine.WriteSnapshot(buffer);
        Assert.True(buffer.WrittenCount > 64 * 1024);
        // The options fingerprint: 19 little-endian int64 values in the documented order.
        ContactCenterOptions o = runner.StateMachine.Options;
        long[] values =
        [
            o.ConnIdPrefix, o.DedupeWindowMs, o.MaxDedupeEntriesPerSession, o.MaxCalls, o.MaxPartiesPerCall,
            o.MaxUserDataKeys, o.MaxUserDataBytes, o.MaxKeyValueListBytes, o.MaxTreatmentsPerCall,
            o.MaxIsccLinksPerCall, o.MaxAgents, o.MaxDns, o.MaxConfigOptions, o.MaxSessions,
            o.MaxSubscriptionsPerSession, o.MaxSubscriptions, o.MaxConnectors, o.MaxConnectorRecords,
            o.MaxDedupeEntriesPerSource,
        ];
        var tail = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(tail.AsSpan(i * 8), values[i]);
        }

        Assert.Equal(System.Security.Cryptography.SHA256.HashData([.. buffer.WrittenSpan, .. tail]), runner.StateMachine.ComputeStateHash());
    }

    [Fact]
    public void Restore_replaces_the_whole_state()
    {
        Harness full = FullFixture();
        var other = new Harness();
        other.ConnectedCall("1004");
        var buffer = new ArrayBufferWriter<byte>();
        full.Sm.WriteSnapshot(buffer);
        other.Sm.RestoreSnapshot(new ReadOnlySequence<byte>(buffer.WrittenMemory));
        Assert.Equal(full.Sm.ComputeStateHashHex(), other.Sm.ComputeStateHashHex());
    }

    [Fact]
    public void Restore_rejects_an_unknown_format_version()
    {
        var bytes = Contract.Serialize(new Snapshot { FormatVersion = 99 });
        var e = Assert.Throws<InvalidDataException>(() => new ContactCenterStateMachine().RestoreSnapshot(new ReadOnlySequence<byte>(bytes)));
        Assert.Contains("reads formats 1, 2 and 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_that_shape_the_state_are_part_of_the_state_hash()
    {
        string Hash(ContactCenterOptions o) => new ContactCenterStateMachine(o).ComputeStateHashHex();
        string baseline = Hash(new ContactCenterOptions());
        Assert.Equal(baseline, Hash(new ContactCenterOptions()));
        Assert.NotEqual(baseline, Hash(new ContactCenterOptions { DedupeWindowMs = 1 }));
        Assert.NotEqual(baseline, Hash(new ContactCenterOptions { MaxDedupeEntriesPerSession = 1 }));
        Assert.NotEqual(baseline, Hash(new ContactCenterOptions { MaxDedupeEntriesPerSource = 1 }));
        Assert.NotEqual(baseline, Hash(new ContactCenterOptions { MaxUserDataBytes = 1 }));
        Assert.NotEqual(baseline, Hash(new ContactCenterOptions { MaxConnectorRecords = 1 }));
    }

    [Fact]
    public void A_format_1_snapshot_is_read_and_its_consult_links_get_their_direction()
    {
        var h = new Harness();
        ulong main = h.ConnectedCall();
        ulong consult = h.Ok(new CallCreated { Dn = Dn("1001"), InitialState = PartyState.Dialing, OrigConnId = main }).ConnId;
        h.Ok(new TransferStarted { ConnId = main, Controller = Dn("1001"), Kind = TransferKind.TwoStep, Target = Dn("1002") });
        ulong stray = h.ConnectedCall("1003");
        string expected = h.Sm.ComputeStateHashHex();

        // What version 1 wrote: no direction, and a one-sided link left by a second consult.
        Snapshot v1 = h.Sm.CreateSnapshot().Clone();
        v1.FormatVersion = 1;
        foreach (Call c in v1.Calls)
        {
            c.IsConsult = false;
            if (c.ConnId == stray)
            {
                c.TransferConnId = main;
            }
        }

        var restored = new ContactCenterStateMachine();
        restored.RestoreSnapshot(new ReadOnlySequence<byte>(Contract.Serialize(v1)));
        Assert.Empty(restored.FindInvariantViolations());
        Assert.True(restored.GetCall(consult)!.IsConsult);
        Assert.False(restored.GetCall(main)!.IsConsult);
        Assert.Equal(0UL, restored.GetCall(stray)!.TransferConnId);
        Assert.Equal(consult, restored.GetCall(main)!.TransferInProgress!.ConsultConnId);
        Assert.Equal(expected, restored.ComputeStateHashHex());
    }

    [Fact]
    public void State_hash_is_independent_of_insertion_order()
    {
        ConfigApplied forward = StandardConfig(1);
        ConfigApplied reversed = StandardConfig(1);
        var dns = Enumerable.Reverse(reversed.DnUpserts).ToArray();
        reversed.DnUpserts.Clear();
        reversed.DnUpserts.AddRange(dns);
        var a = new Harness(populated: false);
        var b = new Harness(populated: false);
        a.Ok(forward);
        b.Ok(reversed);
        Assert.Equal(a.Sm.ComputeStateHashHex(), b.Sm.ComputeStateHashHex());
        b.Ok(new DndOn { Dn = Dn("1001") });
        Assert.NotEqual(a.Sm.ComputeStateHashHex(), b.Sm.ComputeStateHashHex());
    }

    [Fact]
    public void Codec_round_trips_commands_and_results()
    {
        Harness h = FullFixture();
        Command command = Wrap(new UserDataUpdated { ConnId = 1, Pairs = { Kv("a", "b") } }, Session, 9);
        var buffer = new ArrayBufferWriter<byte>();
        Contract.CommandCodec.Encode(command, buffer);
        Assert.Equal(command, Contract.CommandCodec.Decode(buffer.WrittenSpan));
        Assert.Equal(command, Contract.CommandCodec.Decode(new ReadOnlySequence<byte>(buffer.WrittenMemory)));
        CommandResult result = h.Ok(new DndOn { Dn = Dn("1002") }, Session, 10);
        var rb = new ArrayBufferWriter<byte>();
        Contract.ResultCodec.Encode(result, rb);
        Assert.Equal(result, Contract.ResultCodec.Decode(rb.WrittenSpan));
    }
}
