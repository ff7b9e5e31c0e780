using HaCore.Raft;

namespace HaCore.Testing.WholeNode;

/// <summary>The nemesis of the whole-node simulator: everything drawn from the run's seed.</summary>
public sealed partial class WholeNodeSimulator
{
    /// <summary>
    /// Faults aimed at the leader's most dangerous moments, decided after the nodes processed this millisecond
    /// (so what they just sent is still in flight and dies with the cut).
    /// </summary>
    private void InjectLeaderFaults()
    {
        foreach (var node in _nodes.Values)
        {
            var status = node.Status;
            var wasLeaderTerm = _leaderSeen.GetValueOrDefault(node.Id);
            var lastCommit = _commitSeen.GetValueOrDefault(node.Id);
            if (status is { Role: RaftRole.Leader })
            {
                _leaderSeen[node.Id] = status.Term;
                _commitSeen[node.Id] = status.CommitIndex;
                var isolate = wasLeaderTerm != status.Term
                    ? Chance(_options.IsolateNewLeaderChance)
                    : status.CommitIndex > lastCommit
                        && Chance(CommittedOlderTerms(node, lastCommit, status) ? _options.IsolateOlderTermCommitChance : _options.IsolateCommittingLeaderChance);
                if (isolate)
                {
                    Stats.Partitions++;
                    Trace($"partition: leader {node.Id} of term {status.Term} isolated at {(wasLeaderTerm != status.Term ? "its election" : $"commit {status.CommitIndex}")}");
                    Network.Partition([node.Id], _nodes.Keys.ToList());
                }
            }
            else
            {
                _leaderSeen.Remove(node.Id);
                _commitSeen.Remove(node.Id);
            }
        }
    }

    /// <summary>True when the leader's commit index just moved over an entry of an earlier term than its own.</summary>
    private static bool CommittedOlderTerms(SimWholeNode node, ulong lastCommit, NodeStatus status)
    {
        for (var i = lastCommit + 1; i <= status.CommitIndex; i++)
        {
            var term = node.Core!.LogTermAt(i);
            if (term != 0 && term < status.Term)
            {
                return true;
            }
        }

        return false;
    }

    private readonly Dictionary<ulong, ulong> _leaderSeen = [];
    private readonly Dictionary<ulong, ulong> _commitSeen = [];

    private TaskCompletionSource? _membershipChange;
    private ConfChange _membershipPending;
    private ulong _membershipProposer;
    private readonly HashSet<ulong> _everMember = [];

    /// <summary>
    /// The operator: one membership change at a time, proposed on the leader. A node that never was a member is
    /// added as a learner (it starts empty), a learner is promoted, a spare joins while the cluster is at its
    /// size, and above that size a random voter (the leader included) is removed. A node that was a member and is
    /// no longer one in the leader's configuration is retired: stopped for good, its id never reused.
    /// </summary>
    /// <param name="converging">During convergence only a node left halfway through joining is added, at once.</param>
    private void MembershipStep(bool converging = false)
    {
        FinishMembershipChange();
        if (_membershipChange is not null || (converging ? _now % 50 != 0 : !Chance(_options.MembershipRate)))
        {
            return;
        }

        if (Leader is not { Core: { } core, Status: { } status } leader)
        {
            return;
        }

        var members = status.Members;
        var joining = Members.FirstOrDefault(n => !members.Contains(n.Id) && !_everMember.Contains(n.Id));
        ConfChange change;
        if (joining is not null)
        {
            change = new ConfChange(ConfChangeType.AddLearner, joining.Id);
        }
        else if (converging)
        {
            return;
        }
        else if (members.Learners.Length > 0)
        {
            change = new ConfChange(ConfChangeType.AddVoter, members.Learners[0]);
        }
        else if (members.Voters.Length <= _options.Voters && _spares.Count > 0)
        {
            var node = AddNode(_spares.Dequeue());
            StartNode(node);
            change = new ConfChange(ConfChangeType.AddLearner, node.Id);
        }
        else if (members.Voters.Length > _options.Voters)
        {
            change = new ConfChange(ConfChangeType.Remove, members.Voters[_random.Next(members.Voters.Length)]);
            _removing.Add(change.NodeId);
        }
        else
        {
            return;
        }

        Stats.MembershipChanges++;
        Trace($"membership: {change} proposed on leader {leader.Id} (members {members})");
        _membershipPending = change;
        _membershipProposer = leader.Id;
        _membershipChange = new TaskCompletionSource();
        var done = _membershipChange;
        Guard(leader, () => core.ChangeMembership(change, done));
    }

    /// <summary>Notes the outcome of the change in flight, and retires nodes that left the membership.</summary>
    private void FinishMembershipChange()
    {
        if (_membershipChange is { Task.IsCompleted: true } done)
        {
            Trace($"membership: {_membershipPending} {(done.Task.IsCompletedSuccessfully ? "applied" : "failed: " + done.Task.Exception!.InnerException!.Message)}");
            if (done.Task.IsCompletedSuccessfully)
            {
                Stats.MembershipApplied++;
                Stats.LeaderRemovals += _membershipPending.Type == ConfChangeType.Remove && _membershipPending.NodeId == _membershipProposer ? 1 : 0;
            }

            _membershipChange = null;
        }

        // The configuration of the newest leader, once it has applied all it knows committed.
        if (Leader is not { Status: { } status }
            || status.AppliedIndex < status.CommitIndex)
        {
            return;
        }

        foreach (var id in status.Members.Voters.Concat(status.Members.Learners))
        {
            _everMember.Add(id);
        }

        foreach (var node in Members.Where(n => _removing.Contains(n.Id) && !status.Members.Contains(n.Id)).ToList())
        {
            Trace($"membership: node {node.Id} left the configuration and is retired");
            node.Crash();
            node.Retired = true;
        }
    }

    private readonly HashSet<ulong> _removing = [];

    private void InjectFaults()
    {
        var alive = _nodes.Values.Where(n => n.Alive).ToList();
        var ids = _nodes.Keys.ToList();
        if (alive.Count > 0 && Chance(_options.CrashRate))
        {
            var victim = alive[_random.Next(alive.Count)];
            Stats.Crashes++;
            Trace($"power cut of node {victim.Id}");
            victim.Crash();
            if (Stats.Rots == 0 && Chance(_options.RotFinalRecordChance) && victim.RotFinalWalRecord(n => _random.Next(n)) is { } rotted)
            {
                Stats.Rots++;
                Trace($"node {victim.Id}: final WAL record rotted ({rotted})");
            }
        }

        if (alive.Count > 0 && Chance(_options.DeviceCrashRate))
        {
            var victim = alive[_random.Next(alive.Count)];
            var after = _random.Next(40);
            Trace($"node {victim.Id} will crash after {after} more device operations");
            victim.Device.ArmCrash(after);
        }

        MembershipStep();
        foreach (var node in Members.Where(n => !n.Alive))
        {
            if (Chance(_options.RestartRate))
            {
                StartNode(node);
            }
        }

        if (Chance(_options.PartitionRate))
        {
            Stats.Partitions++;
            var a = ids[_random.Next(ids.Count)];
            if (_random.Next(2) == 0)
            {
                Trace($"partition: node {a} isolated both ways");
                Network.Partition([a], ids);
            }
            else
            {
                var b = ids[_random.Next(ids.Count)];
                if (a != b)
                {
                    Trace($"partition: link {a}->{b} cut one way");
                    Network.BlockOneWay(a, b);
                }
            }
        }

        if (Network.HasPartitions && Chance(_options.HealRate))
        {
            if (_random.Next(2) == 0)
            {
                Trace("partitions healed");
                Network.Heal();
            }
            else
            {
                // One node rejoins while the other cuts stay: a deposed node can come back before a newer one.
                var back = ids[_random.Next(ids.Count)];
                Trace($"partitions of node {back} healed");
                Network.HealNode(back);
            }
        }

        if (alive.Count > 0 && Chance(_options.PauseRate))
        {
            var victim = alive[_random.Next(alive.Count)];
            if (victim.PausedUntil == 0)
            {
                var ms = (1 + _random.Next(4)) * _options.TickMs * _options.ElectionTicks;
                victim.PausedUntil = _now + ms;
                Stats.Pauses++;
                Trace($"node {victim.Id} paused for {ms} ms");
            }
        }

        if (Chance(_options.TransferRate) && alive.FirstOrDefault(n => n.Status?.Role == RaftRole.Leader) is { Core: { } core } leader)
        {
            var target = ids[_random.Next(ids.Count)];
            if (target != leader.Id)
            {
                Stats.Transfers++;
                Trace($"leader {leader.Id} asked to transfer to {target}");
                Guard(leader, () => core.TransferLeadership(target));
            }
        }
    }

    private bool Chance(double p) => p > 0 && _random.NextDouble() < p;
}
