namespace HaCore.Testing.WholeNode;

/// <summary>
/// One node's wall clock in the whole-node simulator: simulated milliseconds, scaled by a drift rate and
/// shifted by a skew. Only <see cref="GetUtcNow"/> is simulated; the driver delivers ticks itself.
/// </summary>
public sealed class SimClock : TimeProvider
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly Func<long> _now;

    /// <summary>Creates a clock reading the simulator's time through <paramref name="now"/>.</summary>
    public SimClock(Func<long> now) => _now = now;

    /// <summary>Offset from true time, in milliseconds.</summary>
    public long SkewMs { get; set; }

    /// <summary>Rate error: 0.01 runs 1 % fast.</summary>
    public double Drift { get; set; }

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow()
    {
        var t = _now();
        return Epoch.AddMilliseconds((t * (1 + Drift)) + SkewMs);
    }
}
