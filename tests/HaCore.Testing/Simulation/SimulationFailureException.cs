namespace HaCore.Testing.Simulation;

/// <summary>A safety or liveness check failed in a simulated run. The message names the seed that replays it.</summary>
public sealed class SimulationFailureException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SimulationFailureException(ulong seed, long time, string message, Exception? inner = null)
        : base($"seed {seed} (replay with HACORE_SIM_SEED={seed}) at t={time}: {message}", inner)
    {
        Seed = seed;
        Time = time;
    }

    /// <summary>The seed of the failing run.</summary>
    public ulong Seed { get; }

    /// <summary>The simulated time of the failure.</summary>
    public long Time { get; }
}
