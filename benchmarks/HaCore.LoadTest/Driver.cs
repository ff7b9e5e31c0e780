using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;

namespace HaCore.LoadTest;

/// <summary>Read consistency as the load test names it: linearizable, or HaCore's lease read / etcd's serializable read.</summary>
internal enum ReadMode
{
    Linearizable = 0,
    Lease = 1,
}

/// <summary>What every system under test offers the driver: one put and one get, each honouring the token.</summary>
internal interface IKvClient : IAsyncDisposable
{
    /// <summary>Writes <paramref name="value"/> at <paramref name="key"/>; returns once the system acknowledged it.</summary>
    ValueTask PutAsync(int key, byte[] value, CancellationToken ct);

    /// <summary>Reads <paramref name="key"/>; returns the value's length, or -1 when it has none.</summary>
    ValueTask<int> GetAsync(int key, ReadMode mode, CancellationToken ct);

    /// <summary>Redirects and retries the client did on its own (not errors: they ended in a success or an error counted once).</summary>
    long Retries { get; }
}

/// <summary>The operation mix of a step.</summary>
internal sealed record Workload(double ReadFraction, ReadMode ReadMode, int Keys, int ValueBytes)
{
    public static Workload ForProfile(string profile, int keys, int valueBytes) => profile switch
    {
        "write" or "failover" => new Workload(0, ReadMode.Linearizable, keys, valueBytes),
        "read-linearizable" => new Workload(1, ReadMode.Linearizable, keys, valueBytes),
        "read-lease" => new Workload(1, ReadMode.Lease, keys, valueBytes),
        "mixed" => new Workload(0.9, ReadMode.Linearizable, keys, valueBytes),
        _ => throw new ArgumentException($"unknown profile {profile} (write, read-linearizable, read-lease, mixed, failover)"),
    };
}

/// <summary>One second of a measured step.</summary>
internal sealed record Sample(double T, long Ops, long Errors, double P50Us, double P99Us, double MaxUs);

/// <summary>Latency histogram as (value µs, count) pairs, so it can cross a process boundary and be merged.</summary>
internal sealed record HistogramData(long[][] Buckets)
{
    public static HistogramData From(HistogramBase h) =>
        new([.. h.RecordedValues().Select(v => new[] { v.ValueIteratedTo, v.CountAddedInThisIterationStep })]);

    public LongHistogram ToHistogram()
    {
        var h = Stats.NewHistogram();
        foreach (var b in Buckets)
        {
            h.RecordValueWithCount(Math.Min(b[0], h.HighestTrackableValue), b[1]);
        }

        return h;
    }
}

/// <summary>What one closed-loop run measured in the process that generated the load.</summary>
internal sealed class DriverResult
{
    public double Seconds { get; set; }
    public long Ops { get; set; }
    public long Writes { get; set; }
    public long Reads { get; set; }
    public long Retries { get; set; }
    public Dictionary<string, long> Errors { get; set; } = [];
    public HistogramData Latency { get; set; } = new([]);
    public List<Sample> Samples { get; set; } = [];
    public long AllocatedBytes { get; set; }
    public int Gen0 { get; set; }
    public int Gen1 { get; set; }
    public int Gen2 { get; set; }
    public long ProcessCpuTicks { get; set; }
}

/// <summary>Settings of one closed-loop run.</summary>
/// <param name="Until">When set, the measured seconds as of now (read at every sample; failover moves it past its last kill).</param>
internal sealed record DriverSpec(Workload Workload, int Clients, double WarmupSeconds, double Seconds, TimeSpan OpDeadline, ulong Seed, double SampleSeconds = 1, Func<double>? Until = null);

/// <summary>
/// The closed-loop driver every system shares: <c>Clients</c> callers, each issuing one operation, waiting for its
/// outcome (or its deadline), and issuing the next. Warmup operations are not counted. Latency in microseconds.
/// </summary>
internal static class ClosedLoopDriver
{
    /// <summary>Runs the load; <paramref name="onMeasureStart"/> is called when the warmup ends, <paramref name="onMeasureEnd"/> when the
    /// measured time is over, <paramref name="onSecond"/> each measured second.</summary>
    /// <param name="onWriteAcked">Called with (start, end) Stopwatch timestamps of every acknowledged write, warmup included (failover uses it).</param>
    public static async Task<DriverResult> RunAsync(
        IKvClient client, DriverSpec spec, Action? onMeasureStart, Action? onMeasureEnd, Action<Sample>? onSecond, Action<long, long>? onWriteAcked, CancellationToken ct)
    {
        var value = new byte[spec.Workload.ValueBytes];
        new Random((int)spec.Seed).NextBytes(value);
        var errors = new ConcurrentDictionary<string, long>();
        var histLock = new Lock();
        var total = Stats.NewHistogram();
        var second = Stats.NewHistogram();
        long secondErrors = 0;
        long ops = 0, writes = 0, reads = 0;
        var measuring = 0; // 0 warmup, 1 measuring, 2 done
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);

        async Task Caller(int index)
        {
            var rng = new Random(unchecked((int)spec.Seed * 31 + index));
            var deadline = new CancellationTokenSource();
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var isRead = spec.Workload.ReadFraction > 0 && rng.NextDouble() < spec.Workload.ReadFraction;
                    var key = rng.Next(spec.Workload.Keys);
                    if (!deadline.TryReset())
                    {
                        deadline.Dispose();
                        deadline = new CancellationTokenSource();
                    }

                    deadline.CancelAfter(spec.OpDeadline);
                    using var reg = stop.Token.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), deadline);
                    var start = Stopwatch.GetTimestamp();
                    string? error = null;
                    try
                    {
                        if (isRead)
                        {
                            await client.GetAsync(key, spec.Workload.ReadMode, deadline.Token).ConfigureAwait(false);
                        }
                        else
                        {
                            await client.PutAsync(key, value, deadline.Token).ConfigureAwait(false);
                        }
                    }
                    catch (Exception ex)
                    {
                        if (stop.IsCancellationRequested)
                        {
                            break; // the run ended under this operation: neither a success nor an error
                        }

                        error = ex is OperationCanceledException ? "deadline" : Stats.ErrorName(ex);
                    }

                    var end = Stopwatch.GetTimestamp();
                    if (error is null && !isRead)
                    {
                        onWriteAcked?.Invoke(start, end);
                    }

                    if (Volatile.Read(ref measuring) != 1)
                    {
                        if (error is not null)
                        {
                            await Task.Delay(10, CancellationToken.None).ConfigureAwait(false); // no hot loop on a dead system
                        }

                        continue;
                    }

                    if (error is not null)
                    {
                        errors.AddOrUpdate(error, 1, (_, n) => n + 1);
                        Interlocked.Increment(ref secondErrors);
                        await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
                        continue;
                    }

                    var us = Math.Max(1, (long)Stopwatch.GetElapsedTime(start, end).TotalMicroseconds);
                    lock (histLock)
                    {
                        second.RecordValue(Math.Min(us, second.HighestTrackableValue));
                    }

                    Interlocked.Increment(ref ops);
                    Interlocked.Increment(ref isRead ? ref reads : ref writes);
                }
            }
            finally
            {
                deadline.Dispose();
            }
        }

        var callers = Enumerable.Range(0, spec.Clients).Select(i => Task.Run(() => Caller(i), CancellationToken.None)).ToArray();
        var result = new DriverResult();
        try
        {
            if (spec.WarmupSeconds > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(spec.WarmupSeconds), ct).ConfigureAwait(false);
            }

            onMeasureStart?.Invoke();
            var alloc0 = GC.GetTotalAllocatedBytes(false);
            int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
            var cpu0 = ProcStats.ProcessTicks(Environment.ProcessId);
            var started = Stopwatch.GetTimestamp();
            lock (histLock)
            {
                second.Reset();
            }

            Volatile.Write(ref measuring, 1);
            var lastOps = 0L;
            var nextSecond = spec.SampleSeconds;
            while (true)
            {
                var seconds = spec.Until?.Invoke() ?? spec.Seconds;
                var target = Math.Min(nextSecond, seconds);
                double elapsed;
                while ((elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds) < target)
                {
                    await Task.Delay(TimeSpan.FromSeconds(Math.Max(0.001, target - elapsed)), ct).ConfigureAwait(false);
                }

                var done = elapsed >= (spec.Until?.Invoke() ?? spec.Seconds);
                if (done)
                {
                    Volatile.Write(ref measuring, 2);
                    onMeasureEnd?.Invoke();
                }

                Sample sample;
                lock (histLock)
                {
                    var n = Interlocked.Read(ref ops);
                    sample = new Sample(Math.Round(elapsed, 3), n - lastOps, Interlocked.Exchange(ref secondErrors, 0),
                        second.TotalCount > 0 ? second.GetValueAtPercentile(50) : 0,
                        second.TotalCount > 0 ? second.GetValueAtPercentile(99) : 0,
                        second.TotalCount > 0 ? second.GetMaxValue() : 0);
                    lastOps = n;
                    total.Add(second);
                    second.Reset();
                }

                result.Samples.Add(sample);
                onSecond?.Invoke(sample);
                if (done)
                {
                    break;
                }

                nextSecond += spec.SampleSeconds;
            }

            result.Seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            result.AllocatedBytes = GC.GetTotalAllocatedBytes(false) - alloc0;
            result.Gen0 = GC.CollectionCount(0) - g0;
            result.Gen1 = GC.CollectionCount(1) - g1;
            result.Gen2 = GC.CollectionCount(2) - g2;
            result.ProcessCpuTicks = ProcStats.ProcessTicks(Environment.ProcessId) - cpu0;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            // Every caller's operation has a deadline, so this ends within it.
            await Task.WhenAll(callers).WaitAsync(spec.OpDeadline + TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
        }

        lock (histLock)
        {
            result.Ops = Interlocked.Read(ref ops);
            result.Writes = Interlocked.Read(ref writes);
            result.Reads = Interlocked.Read(ref reads);
            result.Latency = HistogramData.From(total);
        }

        result.Errors = new Dictionary<string, long>(errors);
        result.Retries = client.Retries;
        return result;
    }

    /// <summary>Writes every key once (so that reads find values), <paramref name="concurrency"/> at a time.</summary>
    public static async Task PreloadAsync(IKvClient client, int keys, int valueBytes, int concurrency, TimeSpan opDeadline, CancellationToken ct)
    {
        var value = new byte[valueBytes];
        new Random(7).NextBytes(value);
        var next = -1;
        async Task Worker()
        {
            int key;
            while ((key = Interlocked.Increment(ref next)) < keys)
            {
                for (var attempt = 0; ; attempt++)
                {
                    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    deadline.CancelAfter(opDeadline);
                    try
                    {
                        await client.PutAsync(key, value, deadline.Token).ConfigureAwait(false);
                        break;
                    }
                    catch (Exception) when (attempt < 3 && !ct.IsCancellationRequested)
                    {
                        await Task.Delay(100, ct).ConfigureAwait(false);
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker, ct))).ConfigureAwait(false);
    }
}
