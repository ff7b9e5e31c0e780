using System.Buffers.Binary;
using HaCore.Raft;

namespace HaCore.Transport.Tests;

public sealed class CodecTests
{
    private static readonly ConfState Conf = new([1, 2, 3], [4]);

    public static TheoryData<MessageType> AllTypes()
    {
        var data = new TheoryData<MessageType>();
        foreach (var t in Enum.GetValues<MessageType>())
        {
            data.Add(t);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void Every_message_type_round_trips(MessageType type)
    {
        var m = new Message
        {
            Type = type,
            From = 1,
            To = 2,
            Term = 7,
            LogTerm = 6,
            Index = 100,
            Commit = 99,
            Reject = type == MessageType.AppendResponse,
            RejectHint = 42,
            Context = 0xDEADBEEF,
            Transfer = type == MessageType.Vote,
            Entries = type == MessageType.Append
                ? new[] { new Entry(7, 101, new byte[] { 1, 2, 3 }), new Entry(7, 102, EntryType.ConfChange, new byte[] { 9 }), new Entry(7, 103, default) }
                : default,
            Snapshot = type == MessageType.Snapshot ? new Snapshot(new SnapshotMetadata(90, 5, Conf), new byte[] { 5, 6, 7 }) : null,
        };

        AssertSame(m, RoundTrip(m));
    }

    [Fact]
    public void Randomized_messages_round_trip()
    {
        var random = new Random(12345);
        for (var i = 0; i < 500; i++)
        {
            var m = RandomMessage(random);
            AssertSame(m, RoundTrip(m));
        }
    }

    [Fact]
    public void Encoding_into_a_pooled_buffer_allocates_nothing()
    {
        var entries = Enumerable.Range(0, 64).Select(i => new Entry(7, (ulong)i + 1, new byte[256])).ToArray();
        var m = new Message { Type = MessageType.Append, From = 1, To = 2, Entries = entries };
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(RaftMessageCodec.GetEncodedLength(m));
        RaftMessageCodec.Encode(m, buffer); // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            RaftMessageCodec.Encode(m, buffer);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
    }

    [Fact]
    public void Crc32C_matches_the_standard_check_value() =>
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));

    [Fact]
    public void Decoded_message_does_not_alias_the_frame()
    {
        var m = new Message { Type = MessageType.Append, From = 1, To = 2, Entries = new[] { new Entry(1, 1, new byte[] { 1, 2, 3 }) } };
        var frame = new byte[RaftMessageCodec.GetEncodedLength(m)];
        RaftMessageCodec.Encode(m, frame);
        var decoded = RaftMessageCodec.Decode(frame);
        Array.Clear(frame);
        Assert.Equal(new byte[] { 1, 2, 3 }, decoded.Entries.Span[0].Data.ToArray());
    }

    [Fact]
    public void Every_truncation_is_refused_with_a_frame_exception()
    {
        var frame = Encode(RandomMessage(new Random(1)) with { Entries = new[] { new Entry(1, 2, new byte[40]) } });
        for (var n = 0; n < frame.Length; n++)
        {
            var ex = Assert.Throws<RaftFrameException>(() => RaftMessageCodec.Decode(frame.AsSpan(0, n)));
            Assert.False(string.IsNullOrEmpty(ex.Message));
        }
    }

    [Fact]
    public void Every_single_bit_flip_is_caught()
    {
        var frame = Encode(RandomMessage(new Random(2)));
        for (var bit = 0; bit < frame.Length * 8; bit++)
        {
            var copy = (byte[])frame.Clone();
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Throws<RaftFrameException>(() => RaftMessageCodec.Decode(copy));
        }
    }

    [Fact]
    public void Random_garbage_never_escapes_as_another_exception()
    {
        var random = new Random(3);
        for (var i = 0; i < 2000; i++)
        {
            var junk = new byte[random.Next(0, 200)];
            random.NextBytes(junk);
            if (junk.Length >= 4)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(junk, (uint)(junk.Length - 4));
            }

            Assert.Throws<RaftFrameException>(() => RaftMessageCodec.Decode(junk));
        }
    }

    [Fact]
    public void A_lying_entry_count_with_a_valid_checksum_is_refused_without_allocating_it()
    {
        var m = new Message { Type = MessageType.Append, From = 1, To = 2 };
        var frame = Encode(m);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(8 + 66), int.MaxValue);
        Reseal(frame);
        var ex = Assert.Throws<RaftFrameException>(() => RaftMessageCodec.Decode(frame));
        Assert.Contains("entries", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lying_data_length_with_a_valid_checksum_is_refused()
    {
        var m = new Message { Type = MessageType.Append, From = 1, To = 2, Entries = new[] { new Entry(1, 1, new byte[4]) } };
        var frame = Encode(m);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(8 + 70 + 17), 1_000_000);
        Reseal(frame);
        Assert.Throws<RaftFrameException>(() => RaftMessageCodec.Decode(frame));
    }

    [Fact]
    public void Invalid_membership_in_a_snapshot_is_a_frame_error()
    {
        var m = new Message { Type = MessageType.Snapshot, Snapshot = new Snapshot(new SnapshotMetadata(1, 1, new ConfState([1], [])), default) };
        var frame = Encode(m);
        BinaryPrimitives.WriteUInt64LittleEndian(frame.AsSpan(8 + 70 + 8 + 8 + 4), 0); // voter id 0
        Reseal(frame);
        Assert.Throws<RaftFrameException>(() => RaftMessageCodec.Decode(frame));
    }

    [Fact]
    public void Oversized_frames_are_refused_from_the_length_prefix()
    {
        var m = new Message { Type = MessageType.Append, Entries = new[] { new Entry(1, 1, new byte[10_000]) } };
        var frame = Encode(m);
        var ex = Assert.Throws<RaftFrameException>(() => RaftMessageCodec.Decode(frame, maxFrameBytes: 4096));
        Assert.Contains("limit", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_version_and_unknown_type_are_named()
    {
        var frame = Encode(new Message { Type = MessageType.Heartbeat });
        frame[4] = 9;
        Reseal(frame);
        Assert.Contains("version", Assert.Throws<RaftFrameException>(() => RaftMessageCodec.Decode(frame)).Message, StringComparison.Ordinal);

        frame = Encode(new Message { Type = MessageType.Heartbeat });
        frame[8] = 200;
        Reseal(frame);
        Assert.Contains("message type", Assert.Throws<RaftFrameException>(() => RaftMessageCodec.Decode(frame)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_into_a_short_buffer_throws_argument_exception()
    {
        var m = new Message { Type = MessageType.Heartbeat };
        Assert.Throws<ArgumentException>(() => RaftMessageCodec.Encode(m, new byte[10]));
    }

    [Fact]
    public void Control_frames_round_trip()
    {
        var buffer = new byte[1024];
        var nonce = Enumerable.Range(0, ControlFrames.NonceBytes).Select(i => (byte)i).ToArray();
        var n = ControlFrames.EncodeHello(new Hello(ControlFrames.Magic, ControlFrames.ProtocolVersion, "cluster-é", 3, 4) { HasSecret = true, Nonce = nonce, Instance = 9 }, buffer);
        var payload = RaftMessageCodec.ValidateFrame(buffer.AsSpan(0, n), 1024, out var kind);
        Assert.Equal(FrameKind.Hello, kind);
        var hello = ControlFrames.DecodeHello(payload);
        Assert.Equal((ControlFrames.Magic, ControlFrames.ProtocolVersion, "cluster-é", 3ul, 4ul, true, 9ul), (hello.Magic, hello.ProtocolVersion, hello.ClusterId, hello.From, hello.To, hello.HasSecret, hello.Instance));
        Assert.Equal(nonce, hello.Nonce.ToArray());

        n = ControlFrames.EncodeAck(new SnapshotAck(5, 6, 7, SnapshotAckStatus.Rewind), buffer);
        payload = RaftMessageCodec.ValidateFrame(buffer.AsSpan(0, n), 1024, out kind);
        Assert.Equal(FrameKind.SnapshotAck, kind);
        Assert.Equal(new SnapshotAck(5, 6, 7, SnapshotAckStatus.Rewind), ControlFrames.DecodeAck(payload));
    }

    internal static Message RandomMessage(Random random)
    {
        var entries = new Entry[random.Next(0, 6)];
        for (var i = 0; i < entries.Length; i++)
        {
            var data = new byte[random.Next(0, 64)];
            random.NextBytes(data);
            entries[i] = new Entry((ulong)random.NextInt64(), (ulong)random.NextInt64(), (EntryType)random.Next(0, 2), data);
        }

        Snapshot? snapshot = null;
        if (random.Next(4) == 0)
        {
            var data = new byte[random.Next(0, 100)];
            random.NextBytes(data);
            var ids = Enumerable.Range(1, random.Next(0, 7)).Select(i => (ulong)i).ToArray();
            var split = random.Next(0, ids.Length + 1);
            var conf = ids.Length == 0 ? ConfState.Empty : new ConfState(ids[..split], ids[split..]);
            snapshot = new Snapshot(new SnapshotMetadata((ulong)random.NextInt64(), (ulong)random.NextInt64(), conf), data);
        }

        return new Message
        {
            Type = (MessageType)random.Next(1, 14),
            From = (ulong)random.NextInt64(),
            To = (ulong)random.NextInt64(),
            Term = (ulong)random.NextInt64(),
            LogTerm = (ulong)random.NextInt64(),
            Index = (ulong)random.NextInt64(),
            Commit = (ulong)random.NextInt64(),
            Reject = random.Next(2) == 0,
            RejectHint = (ulong)random.NextInt64(),
            Context = (ulong)random.NextInt64(),
            Transfer = random.Next(2) == 0,
            Entries = entries,
            Snapshot = snapshot,
        };
    }

    internal static void AssertSame(in Message expected, in Message actual)
    {
        Assert.Equal(expected.Type, actual.Type);
        Assert.Equal(expected.From, actual.From);
        Assert.Equal(expected.To, actual.To);
        Assert.Equal(expected.Term, actual.Term);
        Assert.Equal(expected.LogTerm, actual.LogTerm);
        Assert.Equal(expected.Index, actual.Index);
        Assert.Equal(expected.Commit, actual.Commit);
        Assert.Equal(expected.Reject, actual.Reject);
        Assert.Equal(expected.RejectHint, actual.RejectHint);
        Assert.Equal(expected.Context, actual.Context);
        Assert.Equal(expected.Transfer, actual.Transfer);
        Assert.Equal(expected.Entries.Length, actual.Entries.Length);
        for (var i = 0; i < expected.Entries.Length; i++)
        {
            var e = expected.Entries.Span[i];
            var a = actual.Entries.Span[i];
            Assert.Equal((e.Term, e.Index, e.Type), (a.Term, a.Index, a.Type));
            Assert.True(e.Data.Span.SequenceEqual(a.Data.Span));
        }

        Assert.Equal(expected.Snapshot is null, actual.Snapshot is null);
        if (expected.Snapshot is { } s)
        {
            Assert.Equal(s.Metadata, actual.Snapshot!.Metadata);
            Assert.True(s.Data.Span.SequenceEqual(actual.Snapshot.Data.Span));
        }
    }

    private static Message RoundTrip(in Message m) => RaftMessageCodec.Decode(Encode(m));

    private static byte[] Encode(in Message m)
    {
        var frame = new byte[RaftMessageCodec.GetEncodedLength(m)];
        Assert.Equal(frame.Length, RaftMessageCodec.Encode(m, frame));
        return frame;
    }

    private static void Reseal(byte[] frame) =>
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(frame.Length - 4), Crc32C.Compute(frame.AsSpan(4, frame.Length - 8)));
}
