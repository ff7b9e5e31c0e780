using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace HaCore.LoadTest;

/// <summary>
/// The node host's log (<c>--log FILE</c>): HaCore's events at Information and above (snapshots, role changes, loop
/// stalls), each with its UTC time, and once a second a probe line with this process's GC counts, GC pause time and
/// allocations in that second, and the last gen0/gen1 collection's promoted bytes and pause, so that a latency spike in the driver's per-second
/// samples can be matched with what the node was doing then.
/// </summary>
internal sealed class NodeLogFile : ILoggerFactory, ILoggerProvider
{
    private readonly StreamWriter _writer;
    private readonly Lock _gate = new();
    private readonly Timer _probe;
    private readonly AllocationSampler? _sampler;
    private (int G0, int G1, int G2, TimeSpan Pause, long Allocated) _last;
    private int _probes;

    public NodeLogFile(string path)
    {
        _writer = new StreamWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        _last = Now();
        // HACORE_LOADTEST_ALLOCATIONS=1: the runtime's allocation samples (one per ~100 KB) by type, every 5 s.
        _sampler = Environment.GetEnvironmentVariable("HACORE_LOADTEST_ALLOCATIONS") == "1" ? new AllocationSampler() : null;
        _probe = new Timer(_ => Probe(), null, 1000, 1000);
    }

    private static (int, int, int, TimeSpan, long) Now() =>
        (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes());

    private void Probe()
    {
        var now = Now();
        var (g0, g1, g2, pause, allocated) = now;
        var ephemeral = GC.GetGCMemoryInfo(GCKind.Ephemeral);
        Write(string.Create(CultureInfo.InvariantCulture,
            $"probe gc0 {g0 - _last.G0} gc1 {g1 - _last.G1} gc2 {g2 - _last.G2} pause {(pause - _last.Pause).TotalMilliseconds:F1} ms alloc {(allocated - _last.Allocated) / 1e6:F1} MB " +
            $"heap {GC.GetTotalMemory(false) / 1e6:F0} MB threads {ThreadPool.ThreadCount} queued {ThreadPool.PendingWorkItemCount} " +
            $"last-ephemeral-gc gen{ephemeral.Generation} promoted {ephemeral.PromotedBytes / 1e6:F1} MB pause {ephemeral.PauseDurations[0].TotalMilliseconds:F1} ms"));
        _last = now;
        if (_sampler is not null && ++_probes % 5 == 0)
        {
            Write("allocations by type (sampled, MB): " + _sampler.TakeTop(12));
        }
    }

    private void Write(string line)
    {
        lock (_gate)
        {
            _writer.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
        }
    }

    public ILogger CreateLogger(string categoryName) => new FileLogger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
        _probe.Dispose();
        _sampler?.Dispose();
        lock (_gate)
        {
            _writer.Dispose();
        }
    }

    private sealed class FileLogger(NodeLogFile file) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                file.Write($"{logLevel} {eventId.Id} {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception.Message)}");
            }
        }
    }
}

/// <summary>GC AllocationTick events (one per ~100 KB allocated) summed by type.</summary>
internal sealed class AllocationSampler : EventListener
{
    private ConcurrentDictionary<string, long> _bytes = new();

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1); // GC
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is not { } names || e.Payload is not { } payload)
        {
            return;
        }

        var type = names.IndexOf("TypeName") is var t and >= 0 ? payload[t] as string ?? "?" : "?";
        var amount = names.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(payload[a], CultureInfo.InvariantCulture) : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, v) => v + amount);
    }

    public string TakeTop(int n)
    {
        var taken = Interlocked.Exchange(ref _bytes, new ConcurrentDictionary<string, long>());
        return string.Join(", ", taken.OrderByDescending(kv => kv.Value).Take(n).Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value / 1e6:F1}")));
    }
}
