using System.Buffers.Binary;

namespace HaCore.LoadTest;

/// <summary>
/// The binary client protocol of the node host (hacore-network). Every frame is a 4-byte little-endian length of
/// what follows, an 8-byte request id, a 1-byte op or status, and a body. A connection carries many requests at
/// once; answers come in completion order, matched by request id.
/// Requests: PUT = key (int32), value (the rest); GET = key (int32), consistency (1 byte: 0 linearizable, 1 lease).
/// Answers: OK (PUT: empty; GET: value length int32, -1 for none, then the value); NOT_LEADER = leader id (uint64,
/// 0 when unknown); ERROR = error code (1 byte) and a UTF-8 message.
/// </summary>
internal static class Wire
{
    public const byte OpPut = 1;
    public const byte OpGet = 2;
    public const byte StatusOk = 0;
    public const byte StatusNotLeader = 1;
    public const byte StatusError = 2;
    public const byte ErrorTimeout = 1;
    public const byte ErrorNoQuorum = 2;
    public const byte ErrorRejected = 3;
    public const byte ErrorOther = 4;
    public const int HeaderBytes = 4 + 8 + 1;
    public const int MaxFrameBytes = 1 << 20;

    /// <summary>Writes the header of a frame whose body is <paramref name="bodyLength"/> bytes.</summary>
    public static void WriteHeader(Span<byte> destination, int bodyLength, ulong id, byte kind)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, 8 + 1 + bodyLength);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[4..], id);
        destination[12] = kind;
    }

    /// <summary>Reads one frame: (id, kind, body). The body is a fresh array (small frames).</summary>
    /// <exception cref="EndOfStreamException">The stream ended (cleanly between frames, or inside one).</exception>
    /// <exception cref="InvalidDataException">A length out of bounds.</exception>
    public static async ValueTask<(ulong Id, byte Kind, byte[] Body)> ReadFrameAsync(Stream stream, byte[] header, CancellationToken ct)
    {
        await stream.ReadExactlyAsync(header.AsMemory(0, HeaderBytes), ct).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 9 || length > MaxFrameBytes)
        {
            throw new InvalidDataException($"Frame length {length} is out of bounds (9 .. {MaxFrameBytes}).");
        }

        var id = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(4));
        var kind = header[12];
        var body = length == 9 ? [] : new byte[length - 9];
        if (body.Length > 0)
        {
            await stream.ReadExactlyAsync(body, ct).ConfigureAwait(false);
        }

        return (id, kind, body);
    }
}
