namespace HaCore.Testing.Chaos;

/// <summary>
/// The system clock seen through a fixed offset and a rate: <see cref="GetUtcNow"/> starts <c>offset</c> away from
/// the real time and both it and <see cref="GetTimestamp"/> advance <c>rate</c> times as fast as real time; timers
/// fire after their period divided by the rate. A node process of the chaos tests runs on one of these
/// (tests/HaCore.TestHost <c>--clock-offset-ms</c>, <c>--clock-rate</c>), so its ticks, leases and leader-stamped
/// session times are skewed as a drifting clock would skew them.
/// </summary>
public sealed class SkewedTimeProvider : TimeProvider
{
    private readonly TimeProvider _real;
    private readonly long _start;
    private readonly DateTimeOffset _startUtc;

    /// <summary>Creates the clock.</summary>
    /// <param name="offset">Added to the real wall-clock time.</param>
    /// <param name="rate">Clock speed relative to real time (1 = real time); must be positive.</param>
    /// <param name="real">The real clock; <see cref="TimeProvider.System"/> by default.</param>
    public SkewedTimeProvider(TimeSpan offset, double rate, TimeProvider? real = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        _real = real ?? System;
        Offset = offset;
        Rate = rate;
        _start = _real.GetTimestamp();
        _startUtc = _real.GetUtcNow();
    }

    /// <summary>The offset from real time at start.</summary>
    public TimeSpan Offset { get; }

    /// <summary>The rate relative to real time.</summary>
    public double Rate { get; }

    /// <inheritdoc />
    public override long TimestampFrequency => _real.TimestampFrequency;

    /// <inheritdoc />
    public override long GetTimestamp() => _start + (long)((_real.GetTimestamp() - _start) * Rate);

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() =>
        _startUtc + Offset + TimeSpan.FromSeconds((double)(GetTimestamp() - _start) / TimestampFrequency);

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new ScaledTimer(_real.CreateTimer(callback, state, Scale(dueTime), Scale(period)), this);

    private TimeSpan Scale(TimeSpan span) =>
        span == Timeout.InfiniteTimeSpan || span <= TimeSpan.Zero ? span : TimeSpan.FromTicks(Math.Max(1, (long)(span.Ticks / Rate)));

    private sealed class ScaledTimer(ITimer inner, SkewedTimeProvider clock) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(clock.Scale(dueTime), clock.Scale(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
