namespace HaCore.Storage;

/// <summary>What recovery found when the log was opened.</summary>
/// <param name="TornTailFile">The segment whose torn tail was truncated, or null when the tail was clean.</param>
/// <param name="TornTailOffset">The offset of the torn record, or -1.</param>
/// <param name="TornTailReason">Why the tail record was rejected, or null.</param>
/// <param name="SegmentCount">Segments found.</param>
/// <param name="EntryCount">Live entries indexed.</param>
/// <param name="DeletedFiles">Leftover temporary files and superseded segments deleted.</param>
public sealed record RecoveryReport(string? TornTailFile, long TornTailOffset, string? TornTailReason, int SegmentCount, long EntryCount, IReadOnlyList<string> DeletedFiles)
{
    /// <summary>True when a bad record (torn or damaged) was cut off at the tail.</summary>
    public bool TruncatedTornTail => TornTailFile is not null;

    /// <summary>True when the record cut off at the tail had been written whole and was damaged afterwards, so it may have
    /// been acknowledged; the node then keeps out of elections until <see cref="SuspectThroughIndex"/> is re-replicated.</summary>
    public bool DamagedTail { get; init; }

    /// <summary>The last index that the damaged tail may have held, or 0 when nothing acknowledged can have been lost.</summary>
    public ulong SuspectThroughIndex { get; init; }
}
