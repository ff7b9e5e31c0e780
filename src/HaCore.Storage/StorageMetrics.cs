using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace HaCore.Storage;

/// <summary>The <c>HaCore.Storage</c> meter: appends, bytes, fsync latency, segments, torn tails.</summary>
public static class StorageMetrics
{
    /// <summary>The meter name, for OpenTelemetry's <c>AddMeter</c>.</summary>
    public const string MeterName = "HaCore.Storage";

    private static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> Appends = Meter.CreateCounter<long>("hacore.storage.wal.appends", "{append}", "Group-commit appends (each one fsync).");

    internal static readonly Counter<long> Entries = Meter.CreateCounter<long>("hacore.storage.wal.entries", "{entry}", "Entries appended.");

    internal static readonly Counter<long> Bytes = Meter.CreateCounter<long>("hacore.storage.wal.bytes", "By", "Record bytes appended.");

    internal static readonly Histogram<double> AppendDuration = Meter.CreateHistogram<double>("hacore.storage.wal.append.duration", "ms", "Time to make an append durable (write and fsync).");

    internal static readonly Counter<long> SegmentsCreated = Meter.CreateCounter<long>("hacore.storage.wal.segments.created", "{segment}", "Segments created.");

    internal static readonly Counter<long> DamagedTails = Meter.CreateCounter<long>("hacore.storage.wal.damaged_tails", "{record}", "Final records found damaged after they were written (possibly acknowledged) on open.");

    internal static readonly Counter<long> TornTails = Meter.CreateCounter<long>("hacore.storage.wal.torn_tails", "{record}", "Torn records truncated at the tail on open.");

    internal static void RecordAppend(int entries, long bytes, long startedTimestamp)
    {
        Appends.Add(1);
        Entries.Add(entries);
        Bytes.Add(bytes);
        AppendDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalMilliseconds);
    }
}
