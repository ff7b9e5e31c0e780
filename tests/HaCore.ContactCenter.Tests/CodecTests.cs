using System.Buffers;
using Google.Protobuf;
using Xunit;

namespace HaCore.ContactCenter.Tests;

/// <summary>The command payload codec refuses malformed bytes with one documented exception type.</summary>
public sealed class CodecTests
{
    // Found by fuzzing (tests/HaCore.Fuzz/regressions/cc-command): PartyRinging whose DnId field announces
    // a length near 2^31. Google.Protobuf's limit arithmetic overflows (protocolbuffers/protobuf issue
    // 26856) and it throws IndexOutOfRangeException instead of InvalidProtocolBufferException.
    private static readonly byte[] NestedLengthNear2G = Convert.FromHexString(
        "62370883808080808040120E0A035357311207313030303030301A0A0A03535731120354323022066167656E74302AFFFFFFFF573112025131");

    [Fact]
    public void A_nested_length_near_2_GiB_is_invalid_data_not_an_index_out_of_range()
    {
        var ex = Assert.Throws<InvalidDataException>(() => ProtobufCodec<Command>.Instance.Decode(NestedLengthNear2G));
        Assert.IsType<IndexOutOfRangeException>(ex.InnerException);
        Assert.Contains("Command", ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => ProtobufCodec<Command>.Instance.Decode(new ReadOnlySequence<byte>(NestedLengthNear2G)));
    }

    [Theory]
    [InlineData("9a01ffffffffa7010800f80827a20808")] // DestinationBusy, unknown bytes field: ReadRawBytes
    [InlineData("522e0affffffff57311202543910021252502e0a2b31383831233638723100047f0c090a035357311202543910023128027f0c2b313831")] // CallCreated.DnId string: ReadRawString
    [InlineData("aa01fffffffff7812040030a1012535730fe1a52343118b08a01")]
    public void Lengths_near_2_GiB_that_make_the_parser_slice_out_of_range_are_invalid_data(string hex)
    {
        // Found by afl++ (tests/HaCore.Fuzz/regressions/cc-command/afl-*): the same upstream overflow,
        // surfacing as ArgumentOutOfRangeException when a string or bytes field is sliced.
        var ex = Assert.Throws<InvalidDataException>(() => ProtobufCodec<Command>.Instance.Decode(Convert.FromHexString(hex)));
        Assert.IsType<ArgumentOutOfRangeException>(ex.InnerException);
    }

    [Fact]
    public void A_truncated_command_is_invalid_data()
    {
        var bytes = new Command { SessionId = "desk-1", SessionOpened = new SessionOpened { SessionId = "desk-1", ClientName = "c", LeaseMs = 1000 } }.ToByteArray();
        var ex = Assert.Throws<InvalidDataException>(() => ProtobufCodec<Command>.Instance.Decode(bytes.AsSpan(0, bytes.Length - 3)));
        Assert.IsType<InvalidProtocolBufferException>(ex.InnerException);
    }

    [Fact]
    public void A_snapshot_with_the_same_defect_is_invalid_data()
    {
        Assert.Throws<InvalidDataException>(() => new ContactCenterStateMachine().RestoreSnapshot(new ReadOnlySequence<byte>(NestedLengthNear2G)));
    }
}
