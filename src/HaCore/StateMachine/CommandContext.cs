namespace HaCore;

/// <summary>
/// The position of a committed entry and the time the leader stamped on it when it was proposed.
/// It is the only source of time a state machine may use.
/// </summary>
/// <param name="Index">The Raft log index of the entry.</param>
/// <param name="Term">The Raft term of the entry.</param>
/// <param name="TimestampUnixMs">Leader wall-clock time at proposal, in milliseconds since the Unix epoch.</param>
public readonly record struct CommandContext(ulong Index, ulong Term, long TimestampUnixMs);
