namespace HaCore.Raft;

/// <summary>The role a node plays in its current term.</summary>
public enum RaftRole : byte
{
    /// <summary>Follows a leader (or waits for one).</summary>
    Follower = 0,

    /// <summary>Asks for pre-votes without bumping its term.</summary>
    PreCandidate = 1,

    /// <summary>Campaigns in a real election.</summary>
    Candidate = 2,

    /// <summary>Leads the cluster in the current term.</summary>
    Leader = 3,
}

/// <summary>The outcome of <see cref="RawNode.Propose"/> and <see cref="RawNode.ProposeConfChange"/>.</summary>
public enum ProposeStatus : byte
{
    /// <summary>Appended to the leader's log at <see cref="ProposeResult.Index"/>; not yet committed.</summary>
    Accepted = 0,

    /// <summary>This node is not the leader; <see cref="ProposeResult.LeaderHint"/> names the leader if known.</summary>
    NotLeader = 1,

    /// <summary>A leadership transfer is in progress; retry on the new leader.</summary>
    LeadershipTransferInProgress = 2,

    /// <summary>Too many uncommitted bytes (<see cref="RaftOptions.MaxUncommittedEntriesSize"/>): backpressure.</summary>
    UncommittedLimitExceeded = 3,

    /// <summary>A membership change is still pending, or the leader has not committed an entry of its term yet.</summary>
    ConfChangeInProgress = 4,

    /// <summary>The membership change is not valid for the current membership.</summary>
    InvalidConfChange = 5,

    /// <summary>This node is not a voter of the cluster (it was removed, or is a learner).</summary>
    NotMember = 6,

    /// <summary>Forwarded to the leader named by <see cref="ProposeResult.LeaderHint"/>. Whether it is
    /// appended is learned by applying it (identify it by its payload) or by a timeout.</summary>
    Forwarded = 7,
}

/// <summary>The result of a proposal: a status and, when accepted, the entry's position.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Index">The entry's index when accepted.</param>
/// <param name="Term">The entry's term when accepted.</param>
/// <param name="LeaderHint">The leader this node knows of, or 0.</param>
public readonly record struct ProposeResult(ProposeStatus Status, ulong Index, ulong Term, ulong LeaderHint)
{
    /// <summary>True when the entry was appended.</summary>
    public bool IsAccepted => Status == ProposeStatus.Accepted;
}

/// <summary>A confirmed read: once the host has applied <see cref="Index"/>, the read identified by
/// <see cref="Context"/> may be served linearizably.</summary>
/// <param name="Index">The commit index at the time the read was confirmed.</param>
/// <param name="Context">The request id the host passed to <see cref="RawNode.ReadIndex"/>.</param>
public readonly record struct ReadState(ulong Index, ulong Context);
