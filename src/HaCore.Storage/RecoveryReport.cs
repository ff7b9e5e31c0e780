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
    /// <summary>True when a torn record was truncated at the tail.</summary>
    public bool TruncatedTornTail => TornTailFile is not null;
}
