using System.Diagnostics.Metrics;
using static HaCore.Storage.Tests.StorageTestKit;

namespace HaCore.Storage.Tests;

public sealed class StorageMetricsTests
{
    [Fact]
    public void Appends_report_entries_bytes_and_durations()
    {
        long entries = 0;
        long bytes = 0;
        int durations = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == StorageMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "hacore.storage.wal.entries")
            {
                Interlocked.Add(ref entries, value);
            }
            else if (instrument.Name == "hacore.storage.wal.bytes")
            {
                Interlocked.Add(ref bytes, value);
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, _, _, _) => Interlocked.Increment(ref durations));
        listener.Start();

        using var storage = DurableRaftStorage.Open(Options(), Device());
        storage.Append(Entries(1, 1, 10, size: 100));

        // Other tests run in parallel and share the meter: at least our own measurements are seen.
        Assert.True(Interlocked.Read(ref entries) >= 10);
        Assert.True(Interlocked.Read(ref bytes) >= 10 * WalFormat.RecordBytes(100));
        Assert.True(Volatile.Read(ref durations) >= 1);
    }
}
