using System.Buffers;
using MessagePack;

namespace HaCore.Tests;

/// <summary>The MessagePack codec: round trips, contracts that grow, and a clear error on bad bytes.</summary>
public sealed class MessagePackCodecTests
{
    [MessagePackObject]
    public sealed record OrderV1([property: Key(0)] string Sku, [property: Key(1)] int Quantity);

    [MessagePackObject]
    public sealed record OrderV2([property: Key(0)] string Sku, [property: Key(1)] int Quantity, [property: Key(2)] string? Note);

    private static byte[] Encode<T>(T value)
    {
        var writer = new ArrayBufferWriter<byte>();
        MessagePackCodec<T>.Instance.Encode(value, writer);
        return writer.WrittenSpan.ToArray();
    }

    [Fact]
    public void A_contract_round_trips_through_both_decode_overloads()
    {
        var bytes = Encode(new OrderV2("A-1", 3, "gift"));
        Assert.Equal(new OrderV2("A-1", 3, "gift"), MessagePackCodec<OrderV2>.Instance.Decode(bytes.AsSpan()));
        Assert.Equal(new OrderV2("A-1", 3, "gift"), MessagePackCodec<OrderV2>.Instance.Decode(new ReadOnlySequence<byte>(bytes)));
        Assert.Equal("plain", MessagePackCodec<string>.Instance.Decode(Encode("plain").AsSpan()));
    }

    [Fact]
    public void A_node_of_the_previous_contract_reads_the_new_one_and_the_reverse()
    {
        // A newer writer (an added key) read by an older node: the new key is skipped.
        Assert.Equal(new OrderV1("A-1", 3), MessagePackCodec<OrderV1>.Instance.Decode(Encode(new OrderV2("A-1", 3, "gift")).AsSpan()));

        // An older writer read by a newer node: the added member takes its default.
        Assert.Equal(new OrderV2("A-1", 3, null), MessagePackCodec<OrderV2>.Instance.Decode(Encode(new OrderV1("A-1", 3)).AsSpan()));
    }

    [Fact]
    public void Bytes_that_are_not_the_contract_are_refused_with_InvalidDataException()
    {
        var error = Assert.Throws<InvalidDataException>(() => MessagePackCodec<OrderV1>.Instance.Decode(new byte[] { 0xc1, 0x00, 0x13 }.AsSpan()));
        Assert.Contains(nameof(OrderV1), error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => MessagePackCodec<OrderV1>.Instance.Decode(Encode("not an order").AsSpan()));
    }

    [Fact]
    public void Nil_and_bytes_after_the_value_are_refused()
    {
        // Found by fuzzing the contact-center commands: a payload of one nil byte decoded to null.
        var nil = Assert.Throws<InvalidDataException>(() => MessagePackCodec<OrderV1>.Instance.Decode(new byte[] { 0xc0 }.AsSpan()));
        Assert.Contains("nil", nil.Message, StringComparison.Ordinal);
        byte[] trailing = [.. Encode(new OrderV1("A-1", 3)), 0x01];
        var extra = Assert.Throws<InvalidDataException>(() => MessagePackCodec<OrderV1>.Instance.Decode(new ReadOnlySequence<byte>(trailing)));
        Assert.Contains("1 bytes after the value", extra.Message, StringComparison.Ordinal);
    }

    public sealed class NotAContract
    {
        public string Name { get; set; } = "";
    }

    [Fact]
    public void The_default_codec_is_offered_only_for_contracts()
    {
        Assert.Same(MessagePackCodec<OrderV1>.Instance, MessagePackCodec<OrderV1>.ForContract());
        Assert.Same(MessagePackCodec<string>.Instance, MessagePackCodec<string>.ForContract());
        var error = Assert.Throws<ArgumentException>(() => MessagePackCodec<NotAContract>.ForContract());
        Assert.Contains(nameof(NotAContract), error.Message, StringComparison.Ordinal);
        Assert.Contains("[MessagePackObject]", error.Message, StringComparison.Ordinal);
    }
}
