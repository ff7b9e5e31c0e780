namespace HaCore.Testing.Simulation;

/// <summary>How a client operation ended.</summary>
public enum ClientOutcome
{
    /// <summary>It took effect (or, for a read, returned its value).</summary>
    Ok,

    /// <summary>It certainly did not take effect.</summary>
    Fail,

    /// <summary>Unknown: timed out or its node crashed.</summary>
    Info,
}

/// <summary>One line of a client history (../shared/HISTORY_FORMAT.md).</summary>
/// <param name="Process">The client process id.</param>
/// <param name="Type">invoke, ok, fail or info.</param>
/// <param name="F">read, write or cas.</param>
/// <param name="Key">The register.</param>
/// <param name="Value">The written value, [expected, new] for cas, or the value read.</param>
/// <param name="Time">Simulated time.</param>
public sealed record SimHistoryEvent(int Process, string Type, string F, string Key, object? Value, long Time);
