using System.Buffers;
using Google.Protobuf;

namespace HaCore.ContactCenter;

/// <summary>The protobuf codec of a contact-center message (commands, results, events).</summary>
/// <typeparam name="T">The message type.</typeparam>
public sealed class ProtobufCodec<T> : ICommandCodec<T>
    where T : IMessage<T>, new()
{
    private static readonly MessageParser<T> Parser = new(() => new T());

    /// <summary>The shared instance (the codec is stateless).</summary>
    public static ProtobufCodec<T> Instance { get; } = new();

    /// <inheritdoc />
    public void Encode(T value, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(value);
        value.WriteTo(writer);
    }

    /// <inheritdoc />
    public T Decode(ReadOnlySequence<byte> payload) => Parser.ParseFrom(payload);

    /// <inheritdoc />
    public T Decode(ReadOnlySpan<byte> payload) => Parser.ParseFrom(payload);
}
