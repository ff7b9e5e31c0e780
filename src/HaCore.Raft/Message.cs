namespace HaCore.Raft;

/// <summary>The kinds of messages the core exchanges with its peers.</summary>
public enum MessageType : byte
{
    /// <summary>Append entries (and carry the commit index). Leader to follower.</summary>
    Append = 1,

    /// <summary>Answer to <see cref="Append"/>: the match index, or a rejection with a hint.</summary>
    AppendResponse = 2,

    /// <summary>Request a vote in a real election.</summary>
    Vote = 3,

    /// <summary>Answer to <see cref="Vote"/>.</summary>
    VoteResponse = 4,

    /// <summary>Ask whether a vote would be granted, without disturbing anyone's term (thesis §9.6).</summary>
    PreVote = 5,

    /// <summary>Answer to <see cref="PreVote"/>.</summary>
    PreVoteResponse = 6,

    /// <summary>Install a snapshot. Leader to a follower that needs compacted entries.</summary>
    Snapshot = 7,

    /// <summary>Leader liveness and commit propagation; carries a read-index context.</summary>
    Heartbeat = 8,

    /// <summary>Answer to <see cref="Heartbeat"/>.</summary>
    HeartbeatResponse = 9,

    /// <summary>Tells the leadership transfer target to campaign at once.</summary>
    TimeoutNow = 10,

    /// <summary>A follower forwards a read-index request to the leader.</summary>
    ReadIndex = 11,

    /// <summary>The leader answers a forwarded read-index request.</summary>
    ReadIndexResponse = 12,

    /// <summary>A follower forwards a leadership transfer request to the leader.</summary>
    TransferLeader = 13,

    /// <summary>A follower forwards a client's proposal (in <see cref="Message.Entries"/>) to the leader.
    /// No answer: the proposer learns the outcome by applying the entry, or times out and retries.</summary>
    Propose = 14,
}

/// <summary>
/// A message between Raft peers. The fields used depend on <see cref="Type"/>, as in etcd-raft's
/// <c>raftpb.Message</c>.
/// </summary>
public readonly record struct Message
{
    /// <summary>The kind of message.</summary>
    public MessageType Type { get; init; }

    /// <summary>The sender.</summary>
    public ulong From { get; init; }

    /// <summary>The recipient.</summary>
    public ulong To { get; init; }

    /// <summary>The sender's term (for pre-votes: the term it would campaign in).</summary>
    public ulong Term { get; init; }

    /// <summary>For appends: the term of the entry before <see cref="Entries"/>; for votes: the
    /// candidate's last log term; for rejections: the term of the follower's entry at the hint.</summary>
    public ulong LogTerm { get; init; }

    /// <summary>For appends: the index before <see cref="Entries"/>; for votes: the candidate's last
    /// index; for append responses: the follower's match index (or the rejected index).</summary>
    public ulong Index { get; init; }

    /// <summary>Entries to append.</summary>
    public ReadOnlyMemory<Entry> Entries { get; init; }

    /// <summary>The sender's commit index.</summary>
    public ulong Commit { get; init; }

    /// <summary>True when the request is refused.</summary>
    public bool Reject { get; init; }

    /// <summary>For rejected appends: the follower's best guess of where its log can match.</summary>
    public ulong RejectHint { get; init; }

    /// <summary>The snapshot of a <see cref="MessageType.Snapshot"/> message.</summary>
    public Snapshot? Snapshot { get; init; }

    /// <summary>An opaque request id, echoed in the answer (read-index requests, heartbeats).</summary>
    public ulong Context { get; init; }

    /// <summary>For votes: the campaign is a leadership transfer, so stickiness does not apply.</summary>
    public bool Transfer { get; init; }

    /// <summary>The total size of the carried entries, as counted by flow control.</summary>
    public long EntriesSize
    {
        get
        {
            long size = 0;
            foreach (ref readonly var e in Entries.Span)
            {
                size += e.Size;
            }

            return size;
        }
    }

    /// <inheritdoc />
    public override string ToString() => MessageFormatter.Format(this);
}
