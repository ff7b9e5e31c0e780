using System.Buffers;
using System.Buffers.Binary;

namespace HaCore;

/// <summary>What a normal log entry written by the runtime carries.</summary>
internal enum EnvelopeKind : byte
{
    /// <summary>A client command: the state machine applies it.</summary>
    Command = 1,

    /// <summary>The network address of a node about to join (replicated so every node can reach it).</summary>
    Address = 2,

    /// <summary>The leader's clock (its timestamp; no request, no payload): the time that drives session expiry.</summary>
    Clock = 3,
}

/// <summary>
/// The runtime's header in front of each command entry: format version, kind, the client request id
/// (for exactly-once) and the timestamp of the node that accepted it (kept monotonic at apply).
/// Layout (little-endian): version u8, kind u8, session 16 bytes, sequence u64, timestamp i64, payload.
/// </summary>
internal readonly record struct EntryEnvelope(EnvelopeKind Kind, ClientRequestId Request, long TimestampUnixMs, ReadOnlyMemory<byte> Payload)
{
    public const byte Version = 1;
    public const int HeaderSize = 1 + 1 + 16 + 8 + 8;

    public static byte[] Encode(EnvelopeKind kind, ClientRequestId request, long timestamp, ReadOnlySpan<byte> payload)
    {
        var buffer = new byte[HeaderSize + payload.Length];
        var span = buffer.AsSpan();
        span[0] = Version;
        span[1] = (byte)kind;
        request.Session.TryWriteBytes(span.Slice(2, 16));
        BinaryPrimitives.WriteUInt64LittleEndian(span[18..], request.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(span[26..], timestamp);
        payload.CopyTo(span[HeaderSize..]);
        return buffer;
    }

    /// <exception cref="FormatException">The entry was not written by this runtime version.</exception>
    public static EntryEnvelope Decode(ReadOnlyMemory<byte> data)
    {
        var span = data.Span;
        if (span.Length < HeaderSize || span[0] != Version || span[1] is not ((byte)EnvelopeKind.Command or (byte)EnvelopeKind.Address or (byte)EnvelopeKind.Clock))
        {
            throw new FormatException($"Log entry of {span.Length} bytes is not a version-{Version} HaCore envelope.");
        }

        var request = new ClientRequestId(new Guid(span.Slice(2, 16)), BinaryPrimitives.ReadUInt64LittleEndian(span[18..]));
        return new EntryEnvelope((EnvelopeKind)span[1], request, BinaryPrimitives.ReadInt64LittleEndian(span[26..]), data[HeaderSize..]);
    }
}
