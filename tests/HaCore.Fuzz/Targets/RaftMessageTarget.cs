using HaCore.Raft;
using HaCore.Transport;

namespace HaCore.Fuzz.Targets;

/// <summary>
/// One message body, sealed into a valid frame (length, header, checksum) and decoded with
/// <see cref="RaftMessageCodec.Decode"/>. An accepted message must re-encode, and its encoding must decode to
/// the same encoding (nothing lost or changed). Documented error: <see cref="RaftFrameException"/>.
/// </summary>
public sealed class RaftMessageTarget : FuzzTarget
{
    /// <summary>The frame limit the decoder is given.</summary>
    public const int MaxFrameBytes = 1 << 20;

    /// <inheritdoc />
    public override string Name => "raft-message";

    /// <inheritdoc />
    public override string Description => "one Raft message body, sealed into a frame: RaftMessageCodec.Decode, then a re-encode round trip";

    /// <inheritdoc />
    public override IEnumerable<(string Name, byte[] Data)> GenerateSeeds() =>
        TransportSeeds.Messages().Select(m => (m.Name, TransportSeeds.Payload(TransportSeeds.Frame(m.Message))));

    /// <inheritdoc />
    protected override void Execute(ReadOnlySpan<byte> input)
    {
        if (input.Length > MaxFrameBytes - RaftMessageCodec.FrameOverheadBytes)
        {
            return;
        }

        var frame = new byte[input.Length + RaftMessageCodec.FrameOverheadBytes];
        input.CopyTo(frame.AsSpan(RaftMessageCodec.HeaderBytes));
        RaftMessageCodec.SealFrame(frame, FrameKind.Message, input.Length);
        var message = RaftMessageCodec.Decode(frame, MaxFrameBytes);
        var again = TransportSeeds.Frame(message);
        var decodedAgain = RaftMessageCodec.Decode(again, MaxFrameBytes);
        Check(TransportSeeds.Frame(decodedAgain).AsSpan().SequenceEqual(again), "a decoded message does not survive re-encoding");
        Check(message.Entries.Length == decodedAgain.Entries.Length && (message.Snapshot is null) == (decodedAgain.Snapshot is null), "re-encoding lost entries or the snapshot");
    }

    /// <inheritdoc />
    protected override bool IsDocumentedError(Exception error) => error is RaftFrameException;
}
