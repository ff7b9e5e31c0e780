using System.Threading.RateLimiting;

namespace HaCore.Transport;

/// <summary>
/// At most a number of permits a second, taken one at a time: a token bucket refilled every 100 ms with a tenth
/// of the rate, holding at most that tenth (a burst of 100 ms). <see cref="WaitAsync"/> returns at once while
/// permits are left and otherwise waits for the next refill; it never refuses, so whatever it paces waits and
/// pushes back on its source (the listen backlog, a TCP window) instead of losing work.
/// </summary>
internal sealed class RateGate : IDisposable
{
    private readonly TokenBucketRateLimiter _bucket;

    public RateGate(int perSecond)
    {
        var perPeriod = Math.Max(1, perSecond / 10);
        _bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = perPeriod,
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
            AutoReplenishment = true,
            QueueLimit = 1,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>Takes one permit; true if it had to wait for it.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public async ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
    {
        using (var lease = _bucket.AttemptAcquire(1))
        {
            if (lease.IsAcquired)
            {
                return false;
            }
        }

        using var waited = await _bucket.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public void Dispose() => _bucket.Dispose();
}
