using Microsoft.Extensions.Logging;

namespace HaCore.Storage;

/// <summary>Source-generated log messages of HaCore.Storage; event ids 2000–2999.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Opened storage in {Directory}: log {FirstIndex}..{LastIndex}, snapshot {SnapshotIndex}, {SegmentCount} segments, hard state {HardState}, in {ElapsedMs} ms")]
    public static partial void Opened(ILogger logger, string directory, ulong firstIndex, ulong lastIndex, ulong snapshotIndex, int segmentCount, string hardState, long elapsedMs);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Truncated a torn record at the tail of {File} at offset {Offset}: {Reason}. Records after index {LastIndex} were never acknowledged (no fsync completed for them) and are dropped")]
    public static partial void TornTailTruncated(ILogger logger, string file, long offset, string reason, ulong lastIndex);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Error, Message = "The final record of {File} at offset {Offset} was written whole and damaged afterwards ({Reason}): it may have been acknowledged. It is cut off (the log ends at index {LastIndex}), and this node keeps out of elections until a leader has re-replicated the log through index {SuspectThrough}")]
    public static partial void DamagedTailCut(ILogger logger, string file, long offset, string reason, ulong lastIndex, ulong suspectThrough);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Information, Message = "The log holds entries from a leader through index {SuspectThrough} again: the range a damaged record may have held is repaired, and this node takes part in elections again")]
    public static partial void SuspectRangeRepaired(ILogger logger, ulong suspectThrough);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "Created segment {File} starting at index {FirstIndex}")]
    public static partial void SegmentCreated(ILogger logger, string file, ulong firstIndex);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "Deleted segment {File} ({Reason})")]
    public static partial void SegmentDeleted(ILogger logger, string file, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Truncated the log after index {Index} (conflicting suffix of {Count} entries)")]
    public static partial void ConflictTruncated(ILogger logger, ulong index, ulong count);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "Saved snapshot {Index}/{Term} ({Bytes} bytes) as {File}")]
    public static partial void SnapshotSaved(ILogger logger, ulong index, ulong term, long bytes, string file);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Installed snapshot {Index}/{Term}; the log now starts at {FirstIndex}")]
    public static partial void SnapshotInstalled(ILogger logger, ulong index, ulong term, ulong firstIndex);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Information, Message = "Deleted leftover temporary file {File} from an interrupted write")]
    public static partial void TempFileDeleted(ILogger logger, string file);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Debug, Message = "Deleted the spare segment {File} prepared ahead before the last stop; it is prepared again when needed")]
    public static partial void SpareSegmentDeleted(ILogger logger, string file);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Debug, Message = "Compacted the log up to index {Index}; it now starts at {FirstIndex}")]
    public static partial void Compacted(ILogger logger, ulong index, ulong firstIndex);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Debug, Message = "Deleted snapshot {File} (keeping the newest {Keep})")]
    public static partial void SnapshotDeleted(ILogger logger, string file, int keep);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "Preparing the next segment ahead failed; the next rollover will create it inline")]
    public static partial void SparePreparationFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "Ignoring unexpected file {File} in {Directory}")]
    public static partial void UnknownFile(ILogger logger, string file, string directory);
}
