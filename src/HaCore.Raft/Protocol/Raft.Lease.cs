using HaCore.Raft.Tracker;

namespace HaCore.Raft.Protocol;

/// <summary>
/// The leader's lease for lease-based reads, in ticks: it starts when a heartbeat round was sent (never when it
/// was acknowledged) and ends before any follower that acknowledged that round can vote for another node.
/// </summary>
/// <remarks>
/// Why it holds: a follower that answered round <c>r</c> received it after the leader sent it at tick
/// <c>s</c>, reset its election timer then, and ignores non-transfer votes for the next
/// <see cref="RaftOptions.ElectionTick"/> ticks (leader stickiness), of which the first may come at once. A quorum
/// that answered <c>r</c> therefore elects nobody within <c>ElectionTick - 1</c> ticks of <c>s</c>, so the leader
/// serves lease reads while fewer than <c>ElectionTick - 1 - LeaseDriftTicks</c> of its ticks have passed since
/// <c>s</c>. <see cref="RaftOptions.LeaseDriftTicks"/> absorbs the clock-rate difference between nodes. A node
/// that restarts forgets its timer, so it ignores votes for its first <see cref="RaftOptions.VoteGuardTicksAfterStart"/>
/// ticks. A transfer bypasses stickiness: once a leader has sent TimeoutNow in a term (which may arrive late), it
/// holds no lease for the rest of that term.
/// </remarks>
internal sealed partial class RaftCore
{
    private const int LeaseRounds = 256;
    private readonly ulong[] _roundSentAt = new ulong[LeaseRounds];
    private readonly Dictionary<ulong, ulong> _ackedRound = [];
    private ulong _ticks;
    private ulong _leaseRound;
    private bool _leaseForfeited;

    /// <summary>True when a lease-based read may be answered now without a heartbeat round.</summary>
    internal bool HoldsLease()
    {
        if (!_options.CheckQuorum || _leaseForfeited || LeadTransferee != None || Role != RaftRole.Leader)
        {
            return false;
        }

        // The round that a quorum of voters (the leader counting for its latest) has answered.
        Span<ulong> rounds = stackalloc ulong[Tracker.VoterIds.Length];
        var n = 0;
        foreach (var id in Tracker.VoterIds)
        {
            rounds[n++] = id == Id ? _leaseRound : _ackedRound.GetValueOrDefault(id);
        }

        rounds.Sort();
        var quorumRound = rounds[n - MajorityQuorum.Size(n)];
        if (quorumRound == 0 || _leaseRound - quorumRound >= LeaseRounds)
        {
            return false;
        }

        var sentAt = _roundSentAt[quorumRound % LeaseRounds];
        var lease = _options.UnsafeLeaseMultiplier <= 1
            ? (ulong)_options.ElectionTick
            : ((ulong)_options.ElectionTick - 1 - (ulong)_options.LeaseDriftTicks) * (ulong)_options.UnsafeLeaseMultiplier + 1 + (ulong)_options.LeaseDriftTicks;
        return _ticks + 1 + (ulong)_options.LeaseDriftTicks < sentAt + lease;
    }

    /// <summary>Numbers a heartbeat round and records the tick it leaves at.</summary>
    private ulong NextLeaseRound()
    {
        _leaseRound++;
        _roundSentAt[_leaseRound % LeaseRounds] = _ticks;
        return _leaseRound;
    }

    private void OnHeartbeatAnswered(ulong from, ulong round)
    {
        if (round == 0 || round > _leaseRound || _leaseRound - round >= LeaseRounds)
        {
            return;
        }

        if (!_ackedRound.TryGetValue(from, out var acked) || acked < round)
        {
            _ackedRound[from] = round;
        }
    }

    /// <summary>A new term of leadership: no round is answered yet.</summary>
    private void ResetLease()
    {
        _leaseRound = 0;
        _ackedRound.Clear();
        _leaseForfeited = false;
    }

    /// <summary>A TimeoutNow went out: the transferee may win at any later time, stickiness or not.</summary>
    private void ForfeitLease() => _leaseForfeited = true;
}
