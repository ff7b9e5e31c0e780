using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace HaCore.Storage;

/// <summary>CRC-32C (Castagnoli) over spans, with the hardware instruction through <see cref="BitOperations.Crc32C(uint, ulong)"/>.</summary>
internal static class Crc32C
{
    /// <summary>The initial state; <see cref="Finish"/> inverts it back.</summary>
    public const uint Seed = 0xFFFFFFFF;

    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Update(Seed, data));

    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (var w in words)
        {
            crc = BitOperations.Crc32C(crc, BitConverter.IsLittleEndian ? w : BinaryPrimitives.ReverseEndianness(w));
        }

        foreach (var b in data[(words.Length * 8)..])
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }

    public static uint Update(uint crc, ulong value) => BitOperations.Crc32C(crc, value);

    public static uint Finish(uint crc) => ~crc;
}
