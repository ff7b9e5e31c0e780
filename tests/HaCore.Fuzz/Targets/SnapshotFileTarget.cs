using System.Buffers.Binary;
using HaCore.Storage;

namespace HaCore.Fuzz.Targets;

/// <summary>
/// A snapshot file, planted under the name its header claims (so the name check passes) in a data
/// directory without a log, opened by <see cref="DurableRaftStorage.Open"/> (which verifies the newest
/// snapshot in full) and read back; a second open must agree. Documented errors:
/// <see cref="StorageCorruptionException"/> and <see cref="StorageFormatException"/>.
/// </summary>
public sealed class SnapshotFileTarget : FuzzTarget
{
    /// <inheritdoc />
    public override string Name => "snapshot-file";

    /// <inheritdoc />
    public override string Description => "a snapshot file verified and loaded by DurableRaftStorage.Open and TryGetSnapshot, opened twice";

    /// <inheritdoc />
    public override IEnumerable<(string Name, byte[] Data)> GenerateSeeds()
    {
        var device = StorageHarness.WriteRealDirectory(withSnapshot: true);
        var name = device.ListFiles(StorageHarness.SnapDirectory).Single(n => n.EndsWith(".snap", StringComparison.Ordinal));
        var file = device.ReadAllBytes(Path.Combine(StorageHarness.SnapDirectory, name));
        yield return ("snapshot", [Checksums.FixFlag, .. file]);
        yield return ("snapshot-raw", [0, .. file]);
    }

    /// <inheritdoc />
    protected override void Execute(ReadOnlySpan<byte> input)
    {
        var (fix, data) = Checksums.Split(input);
        if (fix)
        {
            Checksums.FixSnapshot(data);
        }

        ulong index = data.Length >= 40 ? BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(24)) : 1;
        ulong term = data.Length >= 40 ? BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(32)) : 1;
        var path = Path.Combine(StorageHarness.SnapDirectory, SnapshotFormat.FileName(index, term));
        StorageHarness.OpenTwice(StorageHarness.Plant(path, data));
    }

    /// <inheritdoc />
    protected override bool IsDocumentedError(Exception error) => error is StorageCorruptionException or StorageFormatException;
}
