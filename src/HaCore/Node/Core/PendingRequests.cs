namespace HaCore;

/// <summary>A proposal waiting for its outcome: the encoded entry, who waits for it, and until when.</summary>
/// <param name="Request">The client request id; a retry carries the same one.</param>
/// <param name="Data">The entry as it goes into the log (envelope and command).</param>
/// <param name="Done">Completed with the result bytes, or with the error.</param>
/// <param name="ProposedAt">When this node took it, for the commit-latency metric.</param>
/// <param name="Deadline">When it fails with <see cref="TimeoutException"/> if nothing else happened first.</param>
internal sealed record PendingProposal(
    ClientRequestId Request, byte[] Data, TaskCompletionSource<byte[]> Done, DateTimeOffset ProposedAt, DateTimeOffset Deadline);

/// <summary>A read waiting to run: the query (bound to its caller), how to fail it, and its deadline.</summary>
/// <typeparam name="TStateMachine">The state machine the query reads.</typeparam>
/// <param name="Run">Runs the query against the state at the given applied index and completes the caller.</param>
/// <param name="Fail">Fails the caller.</param>
/// <param name="Consistency">The consistency asked for.</param>
/// <param name="Deadline">When it fails with <see cref="TimeoutException"/> if it has not run.</param>
internal sealed record PendingRead<TStateMachine>(
    Action<TStateMachine, ulong> Run, Action<Exception> Fail, ReadConsistency Consistency, DateTimeOffset Deadline);
