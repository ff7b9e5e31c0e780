using HaCore.Raft;
using HaCore.Transport;

namespace HaCore.Fuzz.Targets;

/// <summary>
/// A connection's inbound byte stream after the handshake, as <c>TcpRaftTransport</c> receives it: the
/// frame reader, then per frame kind the message codec, the snapshot-chunk decoder and assembler, or the
/// ack decoder. Documented errors: <see cref="RaftFrameException"/>, and <see cref="EndOfStreamException"/>
/// for a stream that ends inside a frame. (Hello frames are the handshake's and are not fuzzed here.)
/// </summary>
public sealed class TransportFramesTarget : FuzzTarget
{
    /// <summary>The frame limit the target reads with (the reader refuses longer length prefixes before reading).</summary>
    public const int MaxFrameBytes = 64 << 10;

    /// <inheritdoc />
    public override string Name => "transport-frames";

    /// <inheritdoc />
    public override string Description => "inbound frame stream: FrameReader, RaftMessageCodec, snapshot chunks into SnapshotAssembler, acks";

    /// <inheritdoc />
    public override IEnumerable<(string Name, byte[] Data)> GenerateSeeds()
    {
        var frames = TransportSeeds.Messages().Select(m => TransportSeeds.Frame(m.Message)).ToList();
        yield return ("messages", [Checksums.FixFlag, .. TransportSeeds.Concat(frames)]);
        yield return ("messages-raw", [0, .. TransportSeeds.Concat(frames.Take(3))]);
        var snapshot = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        yield return ("snapshot-chunks", [Checksums.FixFlag, .. TransportSeeds.Concat(TransportSeeds.ChunkFrames(snapshot, 128))]);
        yield return ("ack", [Checksums.FixFlag, .. TransportSeeds.AckFrame(new SnapshotAck(20, 3, 128, SnapshotAckStatus.Progress))]);
    }

    /// <inheritdoc />
    protected override void Execute(ReadOnlySpan<byte> input)
    {
        var (fix, data) = Checksums.Split(input);
        if (fix)
        {
            Checksums.FixFrames(data);
        }

        var assembler = new SnapshotAssembler(new RecordingReceiver());
        using var reader = new FrameReader(new MemoryStream(data, writable: false), MaxFrameBytes);
        while (reader.ReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult() is { } frame)
        {
            Check(frame.Length <= MaxFrameBytes, $"a frame of {frame.Length} bytes passed the {MaxFrameBytes}-byte limit");
            switch (frame.Kind)
            {
                case FrameKind.Message:
                    RaftMessageCodec.ReadMessageBody(frame.Payload.ToArray());
                    break;
                case FrameKind.SnapshotChunk:
                    var ack = assembler.OnChunk(TransportSeeds.Sender, frame.Payload);
                    var ackFrame = TransportSeeds.AckFrame(ack);
                    Check(ControlFrames.DecodeAck(TransportSeeds.Payload(ackFrame)) == ack, $"the ack {ack} does not survive encoding");
                    break;
                case FrameKind.SnapshotAck:
                    ControlFrames.DecodeAck(frame.Payload.Span);
                    break;
                default:
                    break;
            }
        }
    }

    /// <inheritdoc />
    protected override bool IsDocumentedError(Exception error) => error is RaftFrameException or EndOfStreamException;
}
