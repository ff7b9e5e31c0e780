using System.Buffers;

namespace HaCore;

/// <summary>
/// A deterministic state machine replicated by HaCore: every node applies the same committed
/// commands in the same order and must reach the same state.
/// </summary>
/// <typeparam name="TCommand">The command type carried by a log entry.</typeparam>
/// <typeparam name="TResult">The result handed back to the proposer once the entry is applied.</typeparam>
/// <remarks>
/// Implementations must not read a clock, draw random numbers, perform I/O or depend on hash or
/// dictionary iteration order: time enters only through <see cref="CommandContext.TimestampUnixMs"/>.
/// A command that is invalid in the current state is rejected through the result, identically on
/// every replica; an exception from <see cref="Apply"/> means a bug and stops the node.
/// </remarks>
public interface IStateMachine<TCommand, TResult>
{
    /// <summary>Applies one committed command and returns its result.</summary>
    /// <param name="context">The log position and the leader's timestamp of the entry.</param>
    /// <param name="command">The decoded command.</param>
    /// <returns>The result, which the node returns to the proposer.</returns>
    TResult Apply(in CommandContext context, TCommand command);

    /// <summary>Writes the whole state in a canonical form.</summary>
    /// <param name="writer">The destination of the snapshot bytes.</param>
    void WriteSnapshot(IBufferWriter<byte> writer);

    /// <summary>Replaces the whole state with the one in <paramref name="snapshot"/>.</summary>
    /// <param name="snapshot">Bytes produced by <see cref="WriteSnapshot"/>.</param>
    void RestoreSnapshot(ReadOnlySequence<byte> snapshot);
}
