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
        if (span.Length < HeaderSize || span[0] != Version || span[1] is not ((byte)EnvelopeKind.Command or (byte)EnvelopeKind.Address))
        {
            throw new FormatException($"Log entry of {span.Length} bytes is not a version-{Version} HaCore envelope.");
        }

        var request = new ClientRequestId(new Guid(span.Slice(2, 16)), BinaryPrimitives.ReadUInt64LittleEndian(span[18..]));
        return new EntryEnvelope((EnvelopeKind)span[1], request, BinaryPrimitives.ReadInt64LittleEndian(span[26..]), data[HeaderSize..]);
    }
}

/// <summary>
/// The runtime's own replicated state, beside the user's state machine: client sessions with their
/// recent results (exactly-once), the address book of members, and the last apply timestamp. It is
/// changed only by applying entries, so it is identical on every node, and it travels in snapshots.
/// </summary>
internal sealed class RuntimeState
{
    private const uint Magic = 0x48434F52; // "HCOR"
    private readonly int _resultsPerSession;
    private readonly long _sessionTimeoutMs;
    private ulong _appliedSinceExpiry;

    public RuntimeState(int resultsPerSession, TimeSpan sessionTimeout)
    {
        _resultsPerSession = resultsPerSession;
        _sessionTimeoutMs = (long)sessionTimeout.TotalMilliseconds;
    }

    public SortedDictionary<Guid, Session> Sessions { get; } = [];

    public SortedDictionary<ulong, string> Addresses { get; } = [];

    public long LastTimestamp { get; private set; }

    /// <summary>Returns the monotonic timestamp for an entry stamped <paramref name="stamped"/>.</summary>
    public long Stamp(long stamped)
    {
        LastTimestamp = Math.Max(LastTimestamp, stamped);
        return LastTimestamp;
    }

    /// <summary>The result bytes of an already applied request, or null when it is new. A request older
    /// than what is retained throws, since its result can no longer be given.</summary>
    public byte[]? Duplicate(ClientRequestId request)
    {
        if (!Sessions.TryGetValue(request.Session, out var session) || request.Sequence > session.LastSequence)
        {
            return null;
        }

        return session.Results.TryGetValue(request.Sequence, out var result)
            ? result
            : throw new ProposalRejectedException(
                $"Request {request.Sequence} of session {request.Session} was applied earlier and its result is no longer retained.");
    }

    public void Record(ClientRequestId request, byte[] result, long timestamp)
    {
        if (!Sessions.TryGetValue(request.Session, out var session))
        {
            session = new Session();
            Sessions[request.Session] = session;
        }

        session.LastSequence = Math.Max(session.LastSequence, request.Sequence);
        session.LastActive = timestamp;
        session.Results[request.Sequence] = result;
        while (session.Results.Count > _resultsPerSession)
        {
            session.Results.Remove(session.Results.Keys.First());
        }

        // Expire idle sessions now and then, by log time only, so every replica does the same.
        if (++_appliedSinceExpiry >= 1024)
        {
            _appliedSinceExpiry = 0;
            foreach (var id in Sessions.Where(s => timestamp - s.Value.LastActive > _sessionTimeoutMs).Select(s => s.Key).ToList())
            {
                Sessions.Remove(id);
            }
        }
    }

    public void Write(IBufferWriter<byte> writer)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(LastTimestamp);
            w.Write(_appliedSinceExpiry);
            w.Write(Sessions.Count);
            foreach (var (id, s) in Sessions)
            {
                w.Write(id.ToByteArray());
                w.Write(s.LastSequence);
                w.Write(s.LastActive);
                w.Write(s.Results.Count);
                foreach (var (seq, result) in s.Results)
                {
                    w.Write(seq);
                    w.Write(result.Length);
                    w.Write(result);
                }
            }

            w.Write(Addresses.Count);
            foreach (var (id, address) in Addresses)
            {
                w.Write(id);
                w.Write(address);
            }
        }

        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, (int)buffer.Length);
        writer.Write(length);
        writer.Write(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>Reads the runtime state from the front of a snapshot; returns how many bytes it took.</summary>
    /// <exception cref="FormatException">The snapshot was not written by this runtime, or is truncated.</exception>
    public int Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4)
        {
            throw new FormatException("The snapshot is too short to hold HaCore's runtime state.");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (length < 0 || length > data.Length - 4)
        {
            throw new FormatException($"The snapshot's runtime state claims {length} bytes; only {data.Length - 4} follow.");
        }

        try
        {
            using var r = new BinaryReader(new MemoryStream(data.Slice(4, length).ToArray()), System.Text.Encoding.UTF8);
            if (r.ReadUInt32() != Magic)
            {
                throw new FormatException("The snapshot does not start with HaCore's runtime state.");
            }

            Sessions.Clear();
            Addresses.Clear();
            LastTimestamp = r.ReadInt64();
            _appliedSinceExpiry = r.ReadUInt64();
            var sessions = r.ReadInt32();
            for (var i = 0; i < sessions; i++)
            {
                var id = new Guid(r.ReadBytes(16));
                var s = new Session { LastSequence = r.ReadUInt64(), LastActive = r.ReadInt64() };
                var results = r.ReadInt32();
                for (var j = 0; j < results; j++)
                {
                    var seq = r.ReadUInt64();
                    s.Results[seq] = r.ReadBytes(r.ReadInt32());
                }

                Sessions[id] = s;
            }

            var addresses = r.ReadInt32();
            for (var i = 0; i < addresses; i++)
            {
                var id = r.ReadUInt64();
                Addresses[id] = r.ReadString();
            }

            return 4 + length;
        }
        catch (EndOfStreamException ex)
        {
            throw new FormatException("The snapshot's runtime state is truncated.", ex);
        }
    }

    internal sealed class Session
    {
        public ulong LastSequence { get; set; }

        public long LastActive { get; set; }

        public SortedDictionary<ulong, byte[]> Results { get; } = [];
    }
}
