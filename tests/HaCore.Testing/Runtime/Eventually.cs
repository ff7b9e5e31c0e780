namespace HaCore.Testing.Runtime;

/// <summary>Waits for a condition with a deadline (never a fixed sleep).</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting until {what}.");
            }

            await poll.WaitForNextTickAsync();
        }
    }
}
