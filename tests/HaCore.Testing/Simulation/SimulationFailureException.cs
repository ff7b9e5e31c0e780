namespace HaCore.Testing.Simulation;

/// <summary>A safety or liveness check failed in a simulated run. The message names the seed that replays it.</summary>
public sealed class SimulationFailureException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="seed">The failing seed.</param>
    /// <param name="time">Simulated time of the failure.</param>
    /// <param name="message">What failed.</param>
    /// <param name="inner">The exception behind it, if any.</param>
    /// <param name="replayVariable">The environment variable that replays one seed of this simulator.</param>
    public SimulationFailureException(ulong seed, long time, string message, Exception? inner = null, string replayVariable = "HACORE_SIM_SEED")
        : base($"seed {seed} (replay with {replayVariable}={seed}) at t={time}: {message}", inner)
    {
        Seed = seed;
        Time = time;
    }

    /// <summary>The seed of the failing run.</summary>
    public ulong Seed { get; }

    /// <summary>The simulated time of the failure.</summary>
    public long Time { get; }
}
