using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace HaCore.Raft;

/// <summary>
/// CRC-32C (Castagnoli) over spans, with the hardware instruction through <see cref="BitOperations.Crc32C(uint, ulong)"/>,
/// 8 bytes at a time. Shared by the write-ahead log records and the transport frames. Pure: no state.
/// </summary>
public static class Crc32C
{
    /// <summary>The initial state; <see cref="Finish"/> inverts it back.</summary>
    public const uint Seed = 0xFFFFFFFF;

    /// <summary>The CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Update(Seed, data));

    /// <summary>Folds <paramref name="data"/> into a running state that started at <see cref="Seed"/>.</summary>
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

    /// <summary>Folds 8 bytes (as a little-endian value) into a running state.</summary>
    public static uint Update(uint crc, ulong value) => BitOperations.Crc32C(crc, value);

    /// <summary>Turns a running state into the checksum.</summary>
    public static uint Finish(uint crc) => ~crc;
}
