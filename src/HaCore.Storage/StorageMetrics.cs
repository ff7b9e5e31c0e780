using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace HaCore.Storage;

/// <summary>The <c>HaCore.Storage</c> meter: appends, bytes, fsync latency, segments, torn and damaged tails; every
/// measurement is tagged <c>hacore.node_id</c>.</summary>
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

    /// <summary>The tag every measurement carries: <c>hacore.node_id</c>, the store's <see cref="StorageOptions.NodeId"/>
    /// (0 when the store was opened without one).</summary>
    internal static KeyValuePair<string, object?> NodeTag(StorageOptions options) => new("hacore.node_id", options.NodeId);

    internal static void RecordAppend(StorageOptions options, int entries, long bytes, long startedTimestamp)
    {
        var tag = NodeTag(options);
        Appends.Add(1, tag);
        Entries.Add(entries, tag);
        Bytes.Add(bytes, tag);
        AppendDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalMilliseconds, tag);
    }
}
