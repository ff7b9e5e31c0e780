using System.Text;

namespace HaCore.Raft.Tests.Unit;

public sealed class Crc32CTests
{
    [Fact]
    public void Matches_the_standard_check_value()
    {
        // The CRC-32C check value of "123456789" (RFC 3720, iSCSI).
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void Chunked_updates_equal_one_pass_for_every_split()
    {
        var data = new byte[37];
        new Random(5).NextBytes(data);
        uint whole = Crc32C.Compute(data);
        for (int split = 0; split <= data.Length; split++)
        {
            uint crc = Crc32C.Update(Crc32C.Update(Crc32C.Seed, data.AsSpan(0, split)), data.AsSpan(split));
            Assert.Equal(whole, Crc32C.Finish(crc));
        }
    }
}
