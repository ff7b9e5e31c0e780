using System.Buffers.Binary;
using HaCore.Storage;

namespace HaCore.Testing.Storage;

/// <summary>The last record of a node's WAL on a simulated disk, for tests that damage it.</summary>
/// <param name="Path">The newest segment.</param>
/// <param name="Offset">Where the record starts.</param>
/// <param name="Size">Its size, footer included.</param>
/// <param name="Type">Its record type (1 and 2 are entries, 3 a hard state, 4 the bootstrap membership).</param>
/// <param name="Index">The entry index it holds (0 for other types).</param>
public readonly record struct WalRecordInfo(string Path, long Offset, int Size, byte Type, ulong Index)
{
    /// <summary>True for an entry record.</summary>
    public bool IsEntry => Type is 1 or 2;

    /// <summary>The last record of the newest segment in <paramref name="walDirectory"/>, or null when there is none.</summary>
    public static WalRecordInfo? Last(SimulatedStorageDevice device, string walDirectory)
    {
        ArgumentNullException.ThrowIfNull(device);
        var name = device.ListFiles(walDirectory).Where(n => n.EndsWith(WalFormat.SegmentExtension, StringComparison.Ordinal)).Max(StringComparer.Ordinal);
        if (name is null)
        {
            return null;
        }

        var path = walDirectory + "/" + name;
        var bytes = device.ReadAllBytes(path);
        long pos = WalFormat.SegmentHeaderBytes;
        WalRecordInfo? last = null;
        while (pos + WalFormat.RecordHeaderBytes <= bytes.Length && !WalFormat.IsEndMarker(bytes.AsSpan((int)pos)))
        {
            var span = bytes.AsSpan((int)pos);
            int size = WalFormat.RecordBytes((int)BinaryPrimitives.ReadUInt32LittleEndian(span));
            if (pos + size > bytes.Length)
            {
                break;
            }

            last = new WalRecordInfo(path, pos, size, (byte)WalFormat.TypeOf(span), WalFormat.IndexOf(span));
            pos += size;
        }

        return last;
    }

    /// <summary>Flips one bit of the record's data (never its footer), as a latent sector error after its fsync would.</summary>
    /// <param name="device">The disk.</param>
    /// <param name="next">Returns a number in [0, n) for n: which byte and which bit.</param>
    public void Rot(SimulatedStorageDevice device, Func<int, int> next)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(next);
        device.FlipBit(Path, Offset + next(Size - WalFormat.RecordFooterBytes), next(8));
    }
}
