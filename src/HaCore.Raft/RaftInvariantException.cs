using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace HaCore.Raft;

/// <summary>
/// Thrown when one of Raft's invariants is broken: a bug, or storage handing back something other
/// than what was written. The node must stop; the cluster carries on without it.
/// </summary>
public sealed class RaftInvariantException : Exception
{
    /// <summary>Creates the exception with a message naming the broken invariant.</summary>
    public RaftInvariantException(string message)
        : base(message)
    {
    }
}

/// <summary>Assertions that stay on in Release builds (TigerBeetle's rule: crash on a programmer error).</summary>
internal static class RaftAssert
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void That([DoesNotReturnIf(false)] bool condition, string message)
    {
        if (!condition)
        {
            Fail(message);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Fail(string message) => throw new RaftInvariantException(message);
}
