using System.Buffers;
using MessagePack;
using MessagePack.Formatters;

namespace HaCore.ContactCenter;

/// <summary>
/// A contact-center contract: a MessagePack object with explicit integer keys (commands, entities, events, results and
/// the snapshot). Keys are positions: a new member takes the next key, so an older reader ignores it and a newer one
/// reads its default from older bytes. Equality, hashing and cloning go through the encoded bytes, so they are
/// structural and deterministic.
/// </summary>
/// <typeparam name="T">The contract type.</typeparam>
public interface IContract<T> : IEquatable<T>
    where T : class, IContract<T>
{
    /// <summary>A deep copy.</summary>
    /// <returns>A new instance equal to this one.</returns>
    T Clone();
}

/// <summary>One kind of <see cref="Command"/>: the message in its oneof. Encoded as [tag, body], the tag being the
/// field number of the protobuf contract these replaced (<see cref="Command.KindOneofCase"/>), so it is stable.</summary>
public interface ICommandKind;

/// <summary>A command kind that addresses one call by its ConnID (EventError echoes it).</summary>
public interface IAddressesCall
{
    /// <summary>The ConnID of the call addressed.</summary>
    ulong ConnId { get; }
}

/// <summary>A command that writes a connector HA record: fenced by the connector's epoch (invariant 12).</summary>
public interface IConnectorRecordCommand
{
    /// <summary>The epoch the connector got from its ConnectorUp (EventConnectorUp.epoch); mandatory.</summary>
    ulong Epoch { get; }
}

/// <summary>The serializer options, the codecs and the byte-based equality, hashing and cloning of the contracts.</summary>
public static class Contract
{
    /// <summary>The options every contact-center encoding uses: the standard resolver and
    /// <see cref="MessagePackSecurity.UntrustedData"/> (log entries and snapshots come from other nodes).</summary>
    public static MessagePackSerializerOptions Options { get; } =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>The codec of the log entries.</summary>
    public static MessagePackCodec<Command> CommandCodec { get; } = new(Options);

    /// <summary>The codec of the results.</summary>
    public static MessagePackCodec<CommandResult> ResultCodec { get; } = new(Options);

    /// <summary>Encodes <paramref name="value"/>.</summary>
    /// <typeparam name="T">The contract type.</typeparam>
    /// <param name="value">The value.</param>
    /// <returns>Its bytes.</returns>
    public static byte[] Serialize<T>(T value) => MessagePackSerializer.Serialize(value, Options);

    /// <summary>Decodes a <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The contract type.</typeparam>
    /// <param name="bytes">The encoding.</param>
    /// <returns>The value.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a valid encoding of <typeparamref name="T"/>.</exception>
    public static T Deserialize<T>(ReadOnlyMemory<byte> bytes) => Deserialize<T>(new ReadOnlySequence<byte>(bytes));

    /// <summary>Decodes a <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The contract type.</typeparam>
    /// <param name="bytes">The encoding.</param>
    /// <returns>The value.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a valid encoding of <typeparamref name="T"/>, or
    /// have bytes after it.</exception>
    public static T Deserialize<T>(ReadOnlySequence<byte> bytes)
    {
        try
        {
            var reader = new MessagePackReader(bytes);
            T value = MessagePackSerializer.Deserialize<T>(ref reader, Options);
            SequencePosition end = reader.Position;
            if (value is null)
            {
                throw new InvalidDataException($"Not a valid MessagePack encoding of {typeof(T).Name}: nil.");
            }

            if (!end.Equals(bytes.End))
            {
                throw new InvalidDataException($"Not a valid MessagePack encoding of {typeof(T).Name}: {bytes.Slice(end).Length} bytes after it.");
            }

            return value;
        }
        catch (MessagePackSerializationException ex)
        {
            throw new InvalidDataException($"Not a valid MessagePack encoding of {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    /// <summary>The encoded size of a user-data pair, in bytes, counted without encoding it (the limits check it on
    /// every attach and update).</summary>
    /// <param name="pair">The pair.</param>
    /// <returns>The number of bytes its encoding takes.</returns>
    public static int SizeOf(KvPair pair)
    {
        ArgumentNullException.ThrowIfNull(pair);
        return 1 + StringSize(pair.Key) + (pair.Value is { } value ? ValueSize(value) : 1);
    }

    private static int ValueSize(KvValue value) => 1 + 1 + value.ValueCase switch
    {
        KvValue.ValueOneofCase.Str => StringSize(value.Str),
        KvValue.ValueOneofCase.Int => IntegerSize(value.Int),
        KvValue.ValueOneofCase.Binary => BinaryHeaderSize(value.Binary.Length) + value.Binary.Length,
        KvValue.ValueOneofCase.List => value.List is { } list ? 1 + ArrayHeaderSize(list.Pairs.Count) + list.Pairs.Sum(SizeOf) : 1,
        _ => 1,
    };

    // MessagePack's header sizes (fixstr/str8/16/32, bin8/16/32, fixarray/array16/32, and the shortest integer form).
    private static int StringSize(string text)
    {
        int bytes = System.Text.Encoding.UTF8.GetByteCount(text);
        return (bytes <= 31 ? 1 : bytes <= byte.MaxValue ? 2 : bytes <= ushort.MaxValue ? 3 : 5) + bytes;
    }

    private static int BinaryHeaderSize(int length) => length <= byte.MaxValue ? 2 : length <= ushort.MaxValue ? 3 : 5;

    private static int ArrayHeaderSize(int count) => count <= 15 ? 1 : count <= ushort.MaxValue ? 3 : 5;

    private static int IntegerSize(long value) => value switch
    {
        >= -32 and <= 127 => 1,
        >= sbyte.MinValue and <= byte.MaxValue => 2,
        >= short.MinValue and <= ushort.MaxValue => 3,
        >= int.MinValue and <= uint.MaxValue => 5,
        _ => 9,
    };

    /// <summary>The encoded size of <paramref name="value"/>, in bytes.</summary>
    /// <typeparam name="T">The contract type.</typeparam>
    /// <param name="value">The value.</param>
    /// <returns>The number of bytes its encoding takes.</returns>
    public static int SizeOf<T>(T value)
    {
        var counter = new CountingWriter();
        MessagePackSerializer.Serialize(counter, value, Options);
        return counter.Count;
    }

    // A decoded list must not hold nil where a contract or string belongs: Apply would fail on it on every replica.
    internal static MessagePackSerializationException NilItem(string list) => new($"{list} holds a nil item.");

    internal static ReadOnlyMemory<byte> ReadBytes(ref MessagePackReader reader) =>
        reader.ReadBytes() is { } bytes ? bytes.ToArray() : ReadOnlyMemory<byte>.Empty;

    internal static T Clone<T>(T value) => MessagePackSerializer.Deserialize<T>(Serialize(value), Options);

    internal static bool Equal<T>(T self, T? other)
        where T : class =>
        other is not null && (ReferenceEquals(self, other) || Serialize(self).AsSpan().SequenceEqual(Serialize(other)));

    internal static int HashCode<T>(T value)
    {
        // FNV-1a over the encoding: deterministic across processes (string hash codes are not).
        uint hash = 2166136261;
        foreach (byte b in Serialize(value))
        {
            hash = (hash ^ b) * 16777619;
        }

        return (int)hash;
    }

    internal static string ToJson<T>(T value) => MessagePackSerializer.SerializeToJson(value, Options);

    private sealed class CountingWriter : IBufferWriter<byte>
    {
        private byte[] _scratch = new byte[256];

        public int Count { get; private set; }

        public void Advance(int count) => Count += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => Scratch(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => Scratch(sizeHint);

        private byte[] Scratch(int sizeHint)
        {
            if (_scratch.Length < sizeHint)
            {
                _scratch = new byte[sizeHint];
            }

            return _scratch;
        }
    }
}

/// <summary>Encodes a <see cref="KvValue"/> as a two-element array, [case, value], with the case numbers of the
/// protobuf contract it replaced (1 string, 2 integer, 3 binary, 4 list; 0 and nil for an unset value).</summary>
internal sealed class KvValueFormatter : IMessagePackFormatter<KvValue?>
{
    public static readonly KvValueFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, KvValue? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write((int)value.ValueCase);
        switch (value.ValueCase)
        {
            case KvValue.ValueOneofCase.Str:
                writer.Write(value.Str);
                break;
            case KvValue.ValueOneofCase.Int:
                writer.Write(value.Int);
                break;
            case KvValue.ValueOneofCase.Binary:
                writer.Write(value.Binary.Span);
                break;
            case KvValue.ValueOneofCase.List:
                KvListFormatter.Instance.Serialize(ref writer, value.List!, options);
                break;
            default:
                writer.WriteNil();
                break;
        }
    }

    public KvValue? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        if (count < 2)
        {
            throw new MessagePackSerializationException($"A KvValue is an array of 2, not {count}.");
        }

        options.Security.DepthStep(ref reader);
        try
        {
            var value = new KvValue();
            int kind = reader.ReadInt32();
            switch ((KvValue.ValueOneofCase)kind)
            {
                case KvValue.ValueOneofCase.Str:
                    value.Str = reader.ReadString() ?? "";
                    break;
                case KvValue.ValueOneofCase.Int:
                    value.Int = reader.ReadInt64();
                    break;
                case KvValue.ValueOneofCase.Binary:
                    value.Binary = Contract.ReadBytes(ref reader);
                    break;
                case KvValue.ValueOneofCase.List:
                    value.List = KvListFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case KvValue.ValueOneofCase.None:
                    reader.Skip();
                    break;
                default:
                    throw new MessagePackSerializationException($"Unknown KvValue case {kind}.");
            }

            for (int i = 2; i < count; i++)
            {
                reader.Skip();
            }

            return value;
        }
        finally
        {
            reader.Depth--;
        }
    }
}
