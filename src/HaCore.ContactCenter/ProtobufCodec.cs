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
    /// <exception cref="InvalidDataException">The payload is not a valid <typeparamref name="T"/>; the inner exception is the parser's.</exception>
    public T Decode(ReadOnlySequence<byte> payload)
    {
        try
        {
            return Parser.ParseFrom(payload);
        }
        catch (Exception ex) when (ProtobufParsing.IsMalformedInput(ex))
        {
            throw ProtobufParsing.Malformed(typeof(T).Name, ex);
        }
    }

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">The payload is not a valid <typeparamref name="T"/>; the inner exception is the parser's.</exception>
    public T Decode(ReadOnlySpan<byte> payload)
    {
        try
        {
            return Parser.ParseFrom(payload);
        }
        catch (Exception ex) when (ProtobufParsing.IsMalformedInput(ex))
        {
            throw ProtobufParsing.Malformed(typeof(T).Name, ex);
        }
    }
}

/// <summary>How the contact-center code reports protobuf input that cannot be parsed: one exception type.</summary>
internal static class ProtobufParsing
{
    /// <summary>
    /// True for what Google.Protobuf throws on malformed input: <see cref="InvalidProtocolBufferException"/>;
    /// and, for a nested length near 2^31 whose limit arithmetic overflows, <see cref="IndexOutOfRangeException"/>
    /// (reading a varint or fixed field) or <see cref="ArgumentOutOfRangeException"/> (slicing a string or
    /// bytes field). Google.Protobuf 3.25.1 and later; protocolbuffers/protobuf issue 26856; found by fuzzing.
    /// The parser only reads the payload span, so these cannot come from anywhere else.
    /// </summary>
    public static bool IsMalformedInput(Exception error) =>
        error is InvalidProtocolBufferException or IndexOutOfRangeException or ArgumentOutOfRangeException;

    public static InvalidDataException Malformed(string what, Exception inner) =>
        new($"The payload is not a valid {what} message: {inner.Message}", inner);
}
