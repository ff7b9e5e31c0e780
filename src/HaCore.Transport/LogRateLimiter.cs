namespace HaCore.Transport;

/// <summary>
/// Lets at most <c>limit</c> events per window through, so that a flood of refused connections cannot
/// fill the log; counts what it holds back and hands the count to the first event of a later window.
/// Thread-safe.
/// </summary>
internal sealed class LogRateLimiter
{
    private readonly Lock _gate = new();
    private readonly int _limit;
    private readonly long _windowMs;
    private readonly Func<long> _nowMs;
    private long _windowStart = long.MinValue;
    private int _inWindow;
    private long _suppressed;

    public LogRateLimiter(int limit, TimeSpan window, Func<long>? nowMs = null)
    {
        _limit = limit;
        _windowMs = (long)window.TotalMilliseconds;
        _nowMs = nowMs ?? (() => Environment.TickCount64);
    }

    /// <summary>True when this event may be logged; <paramref name="suppressedBefore"/> is how many were
    /// held back since the last one that was.</summary>
    public bool TryAcquire(out long suppressedBefore)
    {
        lock (_gate)
        {
            var now = _nowMs();
            if (_windowStart == long.MinValue || now - _windowStart >= _windowMs)
            {
                _windowStart = now;
                _inWindow = 0;
            }

            if (_inWindow < _limit)
            {
                _inWindow++;
                suppressedBefore = _suppressed;
                _suppressed = 0;
                return true;
            }

            _suppressed++;
            suppressedBefore = 0;
            return false;
        }
    }
}
