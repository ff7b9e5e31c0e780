using System.Buffers.Binary;
using HaCore.Raft;
using HaCore.Transport;

namespace HaCore.Fuzz.Targets;

/// <summary>
/// A sequence of snapshot-chunk payloads (each preceded by a u16 length) from one peer, fed to
/// <c>SnapshotAssembler.OnChunk</c> with the transport's default snapshot limit. A delivered snapshot
/// must be exactly as long as its chunks announced. Documented error: <see cref="RaftFrameException"/>.
/// </summary>
public sealed class SnapshotChunksTarget : FuzzTarget
{
    /// <inheritdoc />
    public override string Name => "snapshot-chunks";

    /// <inheritdoc />
    public override string Description => "snapshot-chunk payloads from one peer: ControlFrames.DecodeSnapshotChunk and SnapshotAssembler";

    /// <inheritdoc />
    public override IEnumerable<(string Name, byte[] Data)> GenerateSeeds()
    {
        var data = Enumerable.Range(0, 200).Select(i => (byte)(i * 7)).ToArray();
        var chunks = TransportSeeds.ChunkFrames(data, 64).Select(TransportSeeds.Payload).ToList();
        yield return ("in-order", Join(chunks));
        yield return ("resent-and-gap", Join([chunks[0], chunks[1], chunks[1], chunks[3], chunks[2], chunks[3]]));
        yield return ("empty-snapshot", Join(TransportSeeds.ChunkFrames(ReadOnlyMemory<byte>.Empty, 64).Select(TransportSeeds.Payload)));
    }

    /// <inheritdoc />
    protected override void Execute(ReadOnlySpan<byte> input)
    {
        var receiver = new RecordingReceiver();
        var assembler = new SnapshotAssembler(receiver);
        var bytes = input.ToArray();
        int p = 0;
        while (bytes.Length - p >= 2)
        {
            int n = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(p)), bytes.Length - p - 2);
            var payload = bytes.AsMemory(p + 2, n);
            p += 2 + n;
            int before = receiver.Delivered.Count;
            var (header, total, _) = ControlFrames.DecodeSnapshotChunk(payload, out _);
            var ack = assembler.OnChunk(TransportSeeds.Sender, payload);
            Check(ack.Received <= total && ack.Received >= 0, $"ack of {ack.Received} bytes for a snapshot of {total}");
            if (receiver.Delivered.Count > before)
            {
                var delivered = receiver.Delivered[^1];
                Check(delivered.Snapshot is { } s && s.Data.Length == total && s.Metadata == header.Snapshot!.Metadata, "a delivered snapshot differs from what its chunks announced");
                Check(ack.Status == SnapshotAckStatus.Delivered && ack.Received == total, $"a delivered snapshot was acknowledged as {ack}");
            }
        }
    }

    /// <inheritdoc />
    protected override bool IsDocumentedError(Exception error) => error is RaftFrameException;

    private static byte[] Join(IEnumerable<byte[]> payloads)
    {
        var result = new List<byte>();
        foreach (var payload in payloads)
        {
            result.Add((byte)payload.Length);
            result.Add((byte)(payload.Length >> 8));
            result.AddRange(payload);
        }

        return [.. result];
    }
}
