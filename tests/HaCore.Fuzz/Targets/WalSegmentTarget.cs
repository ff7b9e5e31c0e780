using HaCore.Storage;

namespace HaCore.Fuzz.Targets;

/// <summary>
/// A WAL segment file (segment header and records), planted as the only segment of a data directory
/// on a simulated device and recovered by <see cref="DurableRaftStorage.Open"/>; every recovered entry
/// is read back, and a second recovery must agree with the first. Documented errors:
/// <see cref="StorageCorruptionException"/> and <see cref="StorageFormatException"/>.
/// </summary>
public sealed class WalSegmentTarget : FuzzTarget
{
    private static readonly string SegmentPath = Path.Combine(StorageHarness.WalDirectory, WalFormat.SegmentFileName(1));

    /// <inheritdoc />
    public override string Name => "wal-segment";

    /// <inheritdoc />
    public override string Description => "a WAL segment file recovered by DurableRaftStorage.Open (segment header, records, torn-tail handling), opened twice";

    /// <inheritdoc />
    public override IEnumerable<(string Name, byte[] Data)> GenerateSeeds()
    {
        var device = StorageHarness.WriteRealDirectory(withSnapshot: false);
        var segment = StorageHarness.TrimZeros(device.ReadAllBytes(SegmentPath), WalFormat.RecordHeaderBytes);
        yield return ("entries-and-hard-state", [Checksums.FixFlag, .. segment]);
        yield return ("entries-raw", [0, .. segment]);
        yield return ("torn-tail", [Checksums.FixFlag, .. segment[..(segment.Length - WalFormat.RecordHeaderBytes - 13)]]);
        yield return ("header-only", [Checksums.FixFlag, .. segment[..WalFormat.SegmentHeaderBytes]]);
    }

    /// <inheritdoc />
    protected override void Execute(ReadOnlySpan<byte> input)
    {
        var (fix, data) = Checksums.Split(input);
        if (fix)
        {
            Checksums.FixSegment(data, StorageHarness.Options.MaxRecordBytes);
        }

        StorageHarness.OpenTwice(StorageHarness.Plant(SegmentPath, data));
    }

    /// <inheritdoc />
    protected override bool IsDocumentedError(Exception error) => error is StorageCorruptionException or StorageFormatException;
}
