using System.Buffers;
using System.Buffers.Binary;

namespace HaCore.LoadTest;

/// <summary>One write: key index (0 .. keys-1) and its value (256 bytes by default).</summary>
internal readonly record struct KvPut(int Key, byte[] Value);

/// <summary>Binary codec of <see cref="KvPut"/>: key (int32 LE), then the value bytes.</summary>
internal sealed class KvPutCodec : ICommandCodec<KvPut>
{
    public static KvPutCodec Instance { get; } = new();

    public void Encode(KvPut value, IBufferWriter<byte> writer)
    {
        var span = writer.GetSpan(4 + value.Value.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span, value.Key);
        value.Value.CopyTo(span[4..]);
        writer.Advance(4 + value.Value.Length);
    }

    public KvPut Decode(ReadOnlySequence<byte> payload)
    {
        if (payload.IsSingleSegment)
        {
            return Decode(payload.FirstSpan);
        }

        var bytes = payload.ToArray();
        return Decode(bytes);
    }

    public KvPut Decode(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4)
        {
            throw new InvalidDataException($"A KvPut needs at least 4 bytes, got {payload.Length}.");
        }

        return new KvPut(BinaryPrimitives.ReadInt32LittleEndian(payload), payload[4..].ToArray());
    }
}

/// <summary>Results: the log index the write was applied at (int64 LE).</summary>
internal sealed class Int64Codec : ICommandCodec<long>
{
    public static Int64Codec Instance { get; } = new();

    public void Encode(long value, IBufferWriter<byte> writer)
    {
        BinaryPrimitives.WriteInt64LittleEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }

    public long Decode(ReadOnlySequence<byte> payload) => payload.IsSingleSegment ? Decode(payload.FirstSpan) : Decode(payload.ToArray());

    public long Decode(ReadOnlySpan<byte> payload) => BinaryPrimitives.ReadInt64LittleEndian(payload);
}

/// <summary>
/// The key-value state machine of the load test: a fixed array of <c>keys</c> slots, each holding the last value
/// written to it (or nothing). Deterministic: the snapshot is the slots in key order.
/// </summary>
internal sealed class KvStore(int keys) : IStateMachine<KvPut, long>
{
    private byte[]?[] _values = new byte[]?[keys];

    public int Keys => _values.Length;

    public byte[]? Get(int key) => (uint)key < (uint)_values.Length ? _values[key] : null;

    public long Apply(in CommandContext context, KvPut command)
    {
        if ((uint)command.Key >= (uint)_values.Length)
        {
            return -1; // rejected identically on every replica
        }

        _values[command.Key] = command.Value;
        return (long)context.Index;
    }

    public void WriteSnapshot(IBufferWriter<byte> writer)
    {
        var head = writer.GetSpan(4);
        BinaryPrimitives.WriteInt32LittleEndian(head, _values.Length);
        writer.Advance(4);
        foreach (var value in _values)
        {
            var length = value?.Length ?? -1;
            var span = writer.GetSpan(4 + Math.Max(0, length));
            BinaryPrimitives.WriteInt32LittleEndian(span, length);
            value?.CopyTo(span[4..]);
            writer.Advance(4 + Math.Max(0, length));
        }
    }

    public void RestoreSnapshot(ReadOnlySequence<byte> snapshot)
    {
        var reader = new SequenceReader<byte>(snapshot);
        if (!reader.TryReadLittleEndian(out int count) || count < 0)
        {
            throw new InvalidDataException("A KvStore snapshot starts with its slot count.");
        }

        var values = new byte[]?[count];
        for (var i = 0; i < count; i++)
        {
            if (!reader.TryReadLittleEndian(out int length))
            {
                throw new InvalidDataException($"The KvStore snapshot ends at slot {i} of {count}.");
            }

            if (length >= 0)
            {
                var value = new byte[length];
                if (!reader.TryCopyTo(value))
                {
                    throw new InvalidDataException($"The KvStore snapshot ends inside slot {i}.");
                }

                reader.Advance(length);
                values[i] = value;
            }
        }

        _values = values;
    }
}

/// <summary>
/// Client sessions for proposals: each proposal takes a session that has nothing in flight (a new one when none is
/// free) and gives it back when it completes, so no session ever has more than one request outstanding. (One
/// session for every caller would overrun HaCoreNodeOptions.ResultsPerSession, the window of a session's requests
/// that may be in flight at once, and its oldest requests would fail with RequestExpiredException.) At most as many
/// sessions as concurrent proposals exist.
/// </summary>
internal sealed class SessionPool
{
    private readonly System.Collections.Concurrent.ConcurrentBag<Session> _free = [];

    public ClientRequestId Next(out Session session)
    {
        if (!_free.TryTake(out session!))
        {
            session = new Session(Guid.NewGuid());
        }

        return new ClientRequestId(session.Id, ++session.Sequence);
    }

    public void Return(Session session) => _free.Add(session);

    internal sealed class Session(Guid id)
    {
        public Guid Id { get; } = id;
        public ulong Sequence { get; set; }
    }
}
