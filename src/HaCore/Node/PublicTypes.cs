using HaCore.Raft;

namespace HaCore;

/// <summary>How fresh a read must be.</summary>
public enum ReadConsistency
{
    /// <summary>Linearizable through ReadIndex: the leader confirms it still leads with a heartbeat round. The default.</summary>
    Linearizable = 0,

    /// <summary>Linearizable under the leader's lease, without a round trip; needs check-quorum and bounded clock drift.</summary>
    Lease = 1,

    /// <summary>This node's state as it is, served even without a quorum; the result carries the applied index.</summary>
    Stale = 2,
}

/// <summary>The value a read returned and the applied index it was read at.</summary>
/// <typeparam name="TView">The query's result.</typeparam>
/// <param name="Value">What the query returned.</param>
/// <param name="AppliedIndex">The log index the state machine had applied when the query ran.</param>
public readonly record struct ReadResult<TView>(TView Value, ulong AppliedIndex);

/// <summary>Identifies a client request for exactly-once execution: retrying the same (session, sequence)
/// on any node returns the first result and never applies the command twice.</summary>
/// <param name="Session">The client's session id.</param>
/// <param name="Sequence">The request's number within the session (non-zero, increasing).</param>
public readonly record struct ClientRequestId(Guid Session, ulong Sequence);

/// <summary>A committed command, its result, and its position in the log; what subscribers receive.</summary>
/// <typeparam name="TCommand">The command type.</typeparam>
/// <typeparam name="TResult">The result type.</typeparam>
/// <param name="Index">The log index: the position to resume from is <c>Index + 1</c>.</param>
/// <param name="Context">The apply context (index, term, timestamp).</param>
/// <param name="Request">The client request that proposed it.</param>
/// <param name="Command">The command.</param>
/// <param name="Result">What the state machine returned.</param>
public sealed record AppliedCommand<TCommand, TResult>(ulong Index, CommandContext Context, ClientRequestId Request, TCommand Command, TResult Result);

/// <summary>A point-in-time view of a node.</summary>
/// <param name="NodeId">This node.</param>
/// <param name="Role">Its Raft role.</param>
/// <param name="Term">The current term.</param>
/// <param name="Leader">The leader it knows, or 0.</param>
/// <param name="CommitIndex">Highest committed index known here.</param>
/// <param name="AppliedIndex">Highest index applied here.</param>
/// <param name="Members">The membership in force.</param>
/// <param name="Faulted">The node stopped on an error (see the log).</param>
public sealed record NodeStatus(ulong NodeId, RaftRole Role, ulong Term, ulong Leader, ulong CommitIndex, ulong AppliedIndex, ConfState Members, bool Faulted)
{
    /// <summary>Committed entries not yet applied here: how far this node's state trails what it knows is committed.</summary>
    public ulong ApplyLag => CommitIndex - Math.Min(CommitIndex, AppliedIndex);

    /// <summary>Why this node refuses leadership (its state machine's <see cref="ILeadershipGate"/>), or
    /// <see langword="null"/> when it may lead.</summary>
    public string? LeadershipRefusal { get; init; }
}

/// <summary>Base type of HaCore's exceptions.</summary>
public class HaCoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HaCoreException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>This node is not the leader (and the request needs one); <see cref="LeaderHint"/> names the leader if known.</summary>
public sealed class NotLeaderException : HaCoreException
{
    /// <summary>Creates the exception.</summary>
    public NotLeaderException(ulong leaderHint, string message)
        : base(message) => LeaderHint = leaderHint;

    /// <summary>The leader this node knows, or 0.</summary>
    public ulong LeaderHint { get; }
}

/// <summary>No quorum is reachable: writes and linearizable reads fail fast; stale reads still work. For a
/// write whose outcome is unknown, retrying with the same <see cref="ClientRequestId"/> is safe.</summary>
public sealed class NoQuorumException(string message) : HaCoreException(message);

/// <summary>Raft refused the proposal before it entered the log (backpressure, leadership transfer, invalid change).</summary>
public sealed class ProposalRejectedException(string message) : HaCoreException(message);

/// <summary>A subscriber asked for a position this node no longer retains, or fell too far behind.</summary>
public sealed class EventPositionUnavailableException(string message) : HaCoreException(message);

/// <summary>
/// Whether the request was applied can no longer be told: it is older than its session's window of retained
/// results, or its session expired. Retrying it cannot help; the client starts a new session.
/// </summary>
public sealed class RequestExpiredException(string message) : HaCoreException(message);
