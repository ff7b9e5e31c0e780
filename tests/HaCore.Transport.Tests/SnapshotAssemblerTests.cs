using HaCore.Raft;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HaCore.Transport.Tests;

/// <summary>The receiver's side of a chunked snapshot transfer, without sockets.</summary>
public sealed class SnapshotAssemblerTests
{
    private const ulong Sender = 1;

    [Fact]
    public void A_chunk_announcing_a_huge_total_allocates_only_what_arrived()
    {
        // Fuzzing found it (tests/HaCore.Fuzz/regressions/snapshot-chunks): a 150-byte chunk announcing a
        // 1 GiB snapshot made the receiver allocate the whole GiB at once, for every such chunk.
        var receiver = new Receiver { MaxSnapshotBytes = 1L << 30 };
        var assembler = new SnapshotAssembler(receiver);
        var chunk = ChunkPayload(total: 1L << 30, offset: 0, data: new byte[100]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ack = assembler.OnChunk(Sender, chunk);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(SnapshotAckStatus.Progress, ack.Status);
        Assert.Equal(100, ack.Received);
        Assert.True(allocated < 1 << 20, $"one 100-byte chunk allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(0, 64)]
    [InlineData(1, 64)]
    [InlineData(300_000, 50_000)]
    public void Chunks_in_order_deliver_the_snapshot_byte_for_byte(int size, int chunkBytes)
    {
        var data = Enumerable.Range(0, size).Select(i => (byte)(i * 31)).ToArray();
        var receiver = new Receiver { MaxSnapshotBytes = 1 << 20 };
        var assembler = new SnapshotAssembler(receiver);
        SnapshotAck ack = default;
        for (int offset = 0; offset < size || offset == 0; offset += chunkBytes)
        {
            int n = Math.Min(chunkBytes, size - offset);
            ack = assembler.OnChunk(Sender, ChunkPayload(size, offset, data.AsSpan(offset, n).ToArray()));
            if (size == 0)
            {
                break;
            }
        }

        Assert.Equal(SnapshotAckStatus.Delivered, ack.Status);
        var delivered = Assert.Single(receiver.Delivered);
        Assert.Equal(data, delivered.Snapshot!.Data.ToArray());
    }

    [Theory]
    [InlineData(Sender, 1UL)]
    [InlineData(Sender, 3UL)]
    [InlineData(Sender, 1UL << 32 | 2)]
    [InlineData(3UL, 2UL)]
    public void A_chunk_that_names_another_sender_or_destination_breaks_the_connection(ulong from, ulong to)
    {
        // Fuzzing found it (tests/HaCore.Fuzz/regressions/tls-session): the assembler checked a chunk's sender
        // against the connection's peer but not its destination, so node 1 could deliver a whole snapshot to
        // node 2 addressed to node 1, 3 or 2^32 + 2, which a message frame is refused for.
        var receiver = new Receiver { MaxSnapshotBytes = 1 << 20 };
        var assembler = new SnapshotAssembler(receiver);
        var error = Assert.Throws<RaftFrameException>(() => assembler.OnChunk(Sender, ChunkPayload(4, 0, [1, 2, 3, 4], from, to)));
        Assert.Contains($"{from}->{to}", error.Message, StringComparison.Ordinal);
        Assert.Empty(receiver.Delivered);
    }

    private static byte[] ChunkPayload(long total, long offset, byte[] data, ulong from = Sender, ulong to = 2)
    {
        var message = new Message
        {
            Type = MessageType.Snapshot,
            From = from,
            To = to,
            Term = 3,
            Snapshot = new Snapshot(new SnapshotMetadata(20, 3, new ConfState([1, 2, 3], [])), ReadOnlyMemory<byte>.Empty),
        };
        var header = new byte[RaftMessageCodec.GetBodyLength(message, includeSnapshotData: false)];
        RaftMessageCodec.WriteBody(message, header, includeSnapshotData: false);
        var frame = new byte[ControlFrames.ChunkFrameLength(header.Length, data.Length)];
        ControlFrames.EncodeSnapshotChunk(total, offset, header, data, frame);
        return frame[RaftMessageCodec.HeaderBytes..^4];
    }

    private sealed class Receiver : ISnapshotReceiver
    {
        public ulong LocalId => 2;

        public long MaxSnapshotBytes { get; init; }

        public ILogger Logger => NullLogger.Instance;

        public List<Message> Delivered { get; } = [];

        public bool Deliver(in Message message)
        {
            Delivered.Add(message);
            return true;
        }

        public void CountDropped()
        {
        }
    }
}
