namespace HaCore.Raft;

/// <summary>
/// The state a node must make durable before any message that depends on it leaves the node:
/// the current term, the vote cast in it, and the commit index.
/// </summary>
/// <param name="Term">The current term.</param>
/// <param name="Vote">The node voted for in <paramref name="Term"/>, or 0.</param>
/// <param name="Commit">The highest index known to be committed.</param>
public readonly record struct HardState(ulong Term, ulong Vote, ulong Commit)
{
    /// <summary>The empty hard state of a brand-new node.</summary>
    public static HardState Empty => default;

    /// <summary>True when this is <see cref="Empty"/>.</summary>
    public bool IsEmpty => Term == 0 && Vote == 0 && Commit == 0;
}
