using System.Buffers;
using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

/// <summary>The MessagePack contracts refuse malformed bytes with one documented exception type, and grow by keys.</summary>
public sealed class CodecTests
{
    private static byte[] SessionOpenedBytes() =>
        Contract.Serialize(new Command { SessionId = "desk-1", SessionOpened = new SessionOpened { SessionId = "desk-1", ClientName = "c", LeaseMs = 1000 } });

    // Inputs the fuzzer kept from the protobuf era (tests/HaCore.Fuzz/regressions/cc-command): lengths near 2^31.
    [Theory]
    [InlineData("62370883808080808040120E0A035357311207313030303030301A0A0A03535731120354323022066167656E74302AFFFFFFFF573112025131")]
    [InlineData("9a01ffffffffa7010800f80827a20808")]
    [InlineData("aa01fffffffff7812040030a1012535730fe1a52343118b08a01")]
    [InlineData("93a0009281ffffffff")]        // [ "", 0, [ 1? ... ] ]: a map header where the union expects an array
    [InlineData("93a0009218dbffffffff41")]    // a union body whose string announces 4 GiB
    public void Garbage_and_huge_lengths_are_invalid_data(string hex)
    {
        byte[] bytes = Convert.FromHexString(hex);
        var ex = Assert.Throws<InvalidDataException>(() => Contract.CommandCodec.Decode(bytes));
        Assert.Contains("Command", ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => Contract.CommandCodec.Decode(new ReadOnlySequence<byte>(bytes)));
    }

    [Fact]
    public void A_truncated_command_is_invalid_data()
    {
        byte[] bytes = SessionOpenedBytes();
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            Assert.Throws<InvalidDataException>(() => Contract.CommandCodec.Decode(bytes.AsSpan(0, bytes.Length - cut)));
        }
    }

    [Fact]
    public void An_unknown_command_kind_decodes_to_no_kind_and_is_rejected_without_a_change()
    {
        // [session, reference, [tag, body]] with tag 999, which no union case has: as with an unknown protobuf
        // oneof field, the body is skipped, and Apply refuses the command with UnknownCommand on every replica.
        byte[] bytes = Convert.FromHexString("93a000" + "92cd03e7" + "90");
        Command command = Contract.CommandCodec.Decode(bytes);
        Assert.Equal(Command.KindOneofCase.None, command.KindCase);
        var h = new Harness();
        string before = h.Sm.ComputeStateHashHex();
        Assert.Equal(RejectReason.UnknownCommand, h.Apply(command).RejectReason);
        Assert.Equal(before, h.Sm.ComputeStateHashHex());
    }

    [Fact]
    public void A_snapshot_with_bytes_after_it_or_garbage_is_invalid_data()
    {
        var sm = new ContactCenterStateMachine();
        var buffer = new ArrayBufferWriter<byte>();
        sm.WriteSnapshot(buffer);
        byte[] trailing = [.. buffer.WrittenSpan, 0xc0];
        Assert.Throws<InvalidDataException>(() => new ContactCenterStateMachine().RestoreSnapshot(new ReadOnlySequence<byte>(trailing)));
        Assert.Throws<InvalidDataException>(() => new ContactCenterStateMachine().RestoreSnapshot(new ReadOnlySequence<byte>(Convert.FromHexString("9a01ffffffffa7010800f80827a20808"))));
    }

    [Fact]
    public void The_union_tags_are_the_protobuf_field_numbers_and_every_kind_has_one()
    {
        // The tag is the command kind's identity on disk: stable, and the same as KindOneofCase.
        foreach (Command.KindOneofCase kind in Enum.GetValues<Command.KindOneofCase>().Where(k => k != Command.KindOneofCase.None))
        {
            Type type = typeof(Command).Assembly.GetType("HaCore.ContactCenter." + kind, throwOnError: true)!;
            var command = new Command { Kind = (ICommandKind)Activator.CreateInstance(type)! };
            Assert.Equal(kind, command.KindCase);
            byte[] bytes = Contract.Serialize(command);
            var reader = new MessagePack.MessagePackReader(bytes);
            Assert.Equal(3, reader.ReadArrayHeader());
            reader.Skip();
            reader.Skip();
            Assert.Equal(2, reader.ReadArrayHeader());
            Assert.Equal((int)kind, reader.ReadInt32());
            Assert.Equal(command, Contract.CommandCodec.Decode(bytes));
        }
    }

    [Fact]
    public void The_counted_size_of_a_pair_is_its_encoded_size()
    {
        // Limits count user-data bytes without encoding; the count must be the encoding's length at every header size.
        var pairs = new List<KvPair>();
        foreach (int length in new[] { 0, 1, 31, 32, 255, 256, 65_535, 65_536 })
        {
            pairs.Add(new KvPair { Key = new string('k', length), Value = new KvValue { Str = new string('é', length / 2) } });
            pairs.Add(new KvPair { Key = "b", Value = new KvValue { Binary = new byte[length] } });
        }

        foreach (long n in new[] { 0L, 127, 128, -32, -33, 255, 256, -129, 65_535, 65_536, -32_769, uint.MaxValue, (long)uint.MaxValue + 1, long.MinValue })
        {
            pairs.Add(new KvPair { Key = "i", Value = new KvValue { Int = n } });
        }

        pairs.Add(new KvPair { Key = "none" });
        pairs.Add(new KvPair { Key = "empty", Value = new KvValue() });
        var nested = new KvList();
        nested.Pairs.AddRange(Enumerable.Range(0, 20).Select(i => new KvPair { Key = "n" + i, Value = new KvValue { Int = i * 1000 } }));
        pairs.Add(new KvPair { Key = "list", Value = new KvValue { List = nested } });
        foreach (KvPair pair in pairs)
        {
            Assert.Equal(Contract.Serialize(pair).Length, Contract.SizeOf(pair));
            Assert.Equal(pair, pair.Clone());
            Assert.NotSame(pair, pair.Clone());
        }
    }

    [Fact]
    public void A_contract_with_an_added_member_is_read_by_the_previous_version_and_the_reverse()
    {
        // An added member is one more element at the end of the object's array. A snapshot and a log entry of the next
        // version (here: every Call and the Command carrying one more element) must read on this version, and this
        // version's bytes (one element fewer: "the previous version" of a contract whose last member is new) on the next.
        Harness h = SnapshotTests.FullFixture();
        Snapshot snapshot = h.Sm.CreateSnapshot();
        byte[] current = Contract.Serialize(snapshot);
        byte[] newer = WithExtraElement(current, "Snapshot");
        Assert.Equal(snapshot, Contract.Deserialize<Snapshot>(newer));

        // (A command with a source has all six elements; the next member of Command is the seventh.)
        Command command = Wrap(new UserDataUpdated { ConnId = 7, Pairs = { Kv("a", "b") } }, Session, 3);
        command.Source = ConnectorA;
        command.SourceSequence = 9;
        command.SourceEpoch = 2;
        Assert.Equal(command, Contract.CommandCodec.Decode(WithExtraElement(Contract.Serialize(command), "Command")));

        // An older writer that did not have Call.IsConsult (its last key): the member reads as its default.
        Call call = snapshot.Calls[0].Clone();
        call.IsConsult = true;
        byte[] older = WithoutLastElement(Contract.Serialize(call));
        Call read = Contract.Deserialize<Call>(older);
        Assert.False(read.IsConsult);
        read.IsConsult = true;
        Assert.Equal(call, read);
    }

    // Rewrites the top-level array header to one more element and appends a string: a member this version lacks.
    private static byte[] WithExtraElement(byte[] bytes, string what)
    {
        var reader = new MessagePack.MessagePackReader(bytes);
        int count = reader.ReadArrayHeader();
        int headerLength = (int)reader.Consumed;
        var writer = new ArrayBufferWriter<byte>();
        var w = new MessagePack.MessagePackWriter(writer);
        w.WriteArrayHeader(count + 1);
        w.Flush();
        writer.Write(bytes.AsSpan(headerLength));
        var tail = new MessagePack.MessagePackWriter(writer);
        tail.Write("a member added after " + what);
        tail.Flush();
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] WithoutLastElement(byte[] bytes)
    {
        var reader = new MessagePack.MessagePackReader(bytes);
        int count = reader.ReadArrayHeader();
        int headerLength = (int)reader.Consumed;
        for (int i = 0; i < count - 1; i++)
        {
            reader.Skip();
        }

        int keep = (int)reader.Consumed;
        var writer = new ArrayBufferWriter<byte>();
        var w = new MessagePack.MessagePackWriter(writer);
        w.WriteArrayHeader(count - 1);
        w.Flush();
        writer.Write(bytes.AsSpan(headerLength, keep - headerLength));
        return writer.WrittenSpan.ToArray();
    }
}
