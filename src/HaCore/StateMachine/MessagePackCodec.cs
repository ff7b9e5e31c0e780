using System.Buffers;
using MessagePack;

namespace HaCore;

/// <summary>
/// Encodes commands, results and snapshot parts with MessagePack (MessagePack-CSharp 2.5): for a type marked
/// <c>[MessagePackObject]</c> with explicit <c>[Key(n)]</c> members, or any type the standard resolver handles
/// (strings, numbers, arrays, dictionaries of those). Integer keys keep the format compact and let a contract
/// grow: a new member with a new key is ignored by an older reader and defaults in a newer one.
/// </summary>
/// <typeparam name="T">The type encoded.</typeparam>
/// <remarks>Decoding uses <see cref="MessagePackSecurity.UntrustedData"/> (bounded depth, hash-collision-resistant
/// maps): log entries come from other nodes.</remarks>
public sealed class MessagePackCodec<T> : ICommandCodec<T>
{
    private readonly MessagePackSerializerOptions _options;

    /// <summary>A codec with the standard resolver and the untrusted-data security settings.</summary>
    /// <param name="options">Serializer options; <see cref="MessagePackSerializerOptions.Standard"/> with
    /// <see cref="MessagePackSecurity.UntrustedData"/> when null.</param>
    public MessagePackCodec(MessagePackSerializerOptions? options = null) =>
        _options = options ?? MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>The codec with the default options.</summary>
    public static MessagePackCodec<T> Instance { get; } = new();

    /// <summary>The default codec, after checking that MessagePack can encode <typeparamref name="T"/>.</summary>
    /// <returns><see cref="Instance"/>.</returns>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not a MessagePack contract.</exception>
    public static MessagePackCodec<T> ForContract()
    {
        try
        {
            _ = Instance._options.Resolver.GetFormatterWithVerify<T>();
        }
        catch (Exception ex) when (ex is FormatterNotRegisteredException or TypeInitializationException or MessagePackSerializationException or TypeLoadException)
        {
            throw new ArgumentException(
                $"{typeof(T).FullName} is not a MessagePack contract: mark it [MessagePackObject] with a [Key(n)] on each member, or pass an ICommandCodec<{typeof(T).Name}>. ({ex.GetBaseException().Message})",
                nameof(T),
                ex);
        }

        return Instance;
    }

    /// <inheritdoc />
    public void Encode(T value, IBufferWriter<byte> writer) => MessagePackSerializer.Serialize(writer, value, _options);

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">The bytes are not a valid encoding of <typeparamref name="T"/>, are nil, or
    /// go on after the value.</exception>
    public T Decode(ReadOnlySequence<byte> payload)
    {
        T value;
        SequencePosition end;
        try
        {
            var reader = new MessagePackReader(payload);
            value = MessagePackSerializer.Deserialize<T>(ref reader, _options);
            end = reader.Position;
        }
        catch (MessagePackSerializationException ex)
        {
            throw new InvalidDataException($"Not a valid MessagePack encoding of {typeof(T).Name}: {ex.Message}", ex);
        }

        // A command or result is one whole value: nil (where a value type or an object is expected) and bytes after
        // the value are refused like any other malformed payload.
        if (value is null)
        {
            throw new InvalidDataException($"Not a valid MessagePack encoding of {typeof(T).Name}: nil.");
        }

        if (!end.Equals(payload.End))
        {
            throw new InvalidDataException($"Not a valid MessagePack encoding of {typeof(T).Name}: {payload.Slice(end).Length} bytes after the value.");
        }

        return value;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">The bytes are not a valid encoding of <typeparamref name="T"/>.</exception>
    public T Decode(ReadOnlySpan<byte> payload)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(payload.Length);
        try
        {
            payload.CopyTo(buffer);
            return Decode(new ReadOnlySequence<byte>(buffer, 0, payload.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
