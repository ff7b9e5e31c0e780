using HaCore.Raft;

namespace HaCore.Testing.Simulation;

/// <summary>The fault and operator events of a run: crashes, restarts, partitions, membership, transfers.</summary>
public sealed partial class ClusterSimulator
{
    private void InjectFaults()
    {
        var r = _random;
        if (r.NextDouble() < _options.CrashRate)
        {
            var alive = _nodes.Values.Where(n => n.Alive).ToList();

            // Keep a majority of the voters running most of the time, so the run makes progress.
            var down = _membership.Voters.Count(id => !_nodes[id].Alive);
            if (alive.Count > 0 && down < (_membership.Voters.Length - 1) / 2 + (r.Next(4) == 0 ? 1 : 0))
            {
                CrashNode(alive[r.Next(alive.Count)]);
            }
        }

        if (r.NextDouble() < _options.RestartRate)
        {
            var dead = _nodes.Values.Where(n => !n.Alive).ToList();
            if (dead.Count > 0)
            {
                RestartNode(dead[r.Next(dead.Count)]);
            }
        }

        if (r.NextDouble() < _options.PartitionRate)
        {
            var ids = _nodes.Keys.ToList();
            Stats.Partitions++;
            if (r.Next(3) == 0)
            {
                var a = ids[r.Next(ids.Count)];
                var b = ids[r.Next(ids.Count)];
                if (a != b)
                {
                    Network.BlockOneWay(a, b);
                }
            }
            else
            {
                var group = ids.Where(_ => r.Next(2) == 0).ToList();
                Network.Partition(group, ids);
            }
        }

        if (Network.HasPartitions && r.NextDouble() < _options.HealRate)
        {
            Network.Heal();
        }

        if (r.NextDouble() < _options.MembershipRate)
        {
            ProposeMembershipChange();
        }

        if (r.NextDouble() < _options.TransferRate)
        {
            var leader = CurrentLeader();
            if (leader?.Raft is { } raft)
            {
                var others = _membership.Voters.Where(id => id != leader.Id).ToList();
                if (others.Count > 0)
                {
                    raft.TransferLeadership(others[r.Next(others.Count)]);
                    Stats.Transfers++;
                }
            }
        }
    }

    private void ProposeMembershipChange()
    {
        var leader = CurrentLeader();
        if (leader?.Raft is not { } raft)
        {
            return;
        }

        ConfChange change;
        var config = raft.ConfState;
        if (config.Learners.Length > 0)
        {
            change = new ConfChange(ConfChangeType.AddVoter, config.Learners[0]);
        }
        else if (config.Voters.Length < 5 && _spareIds.Count > 0 && _random.Next(2) == 0)
        {
            change = new ConfChange(ConfChangeType.AddLearner, _spareIds.Peek());
        }
        else if (config.Voters.Length > 3)
        {
            // Sometimes the leader removes itself.
            change = new ConfChange(ConfChangeType.Remove, config.Voters[_random.Next(config.Voters.Length)]);
        }
        else
        {
            return;
        }

        var result = raft.ProposeConfChange(change);
        if (result.IsAccepted && change.Type == ConfChangeType.AddLearner)
        {
            _spareIds.Dequeue();
        }
    }
}
