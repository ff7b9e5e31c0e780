using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;

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
    /// <summary>Throws when <paramref name="condition"/> is false. The message is only formatted then,
    /// so assertions on the hot path cost a branch and nothing else.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void That(
        [DoesNotReturnIf(false)] bool condition,
        [InterpolatedStringHandlerArgument(nameof(condition))] ref AssertMessageHandler message)
    {
        if (!condition)
        {
            Fail(message.ToStringAndClear());
        }
    }

    /// <summary>Throws when <paramref name="condition"/> is false, with a constant message.</summary>
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

/// <summary>Formats an assertion message only when the assertion fails.</summary>
[InterpolatedStringHandler]
internal ref struct AssertMessageHandler
{
    private StringBuilder? _builder;

    public AssertMessageHandler(int literalLength, int formattedCount, bool condition, out bool shouldAppend)
    {
        _ = formattedCount;
        _builder = condition ? null : new StringBuilder(literalLength);
        shouldAppend = !condition;
    }

    public readonly void AppendLiteral(string value) => _builder?.Append(value);

    public readonly void AppendFormatted<T>(T value) => _builder?.Append(value);

    public string ToStringAndClear()
    {
        var text = _builder?.ToString() ?? string.Empty;
        _builder = null;
        return text;
    }
}
