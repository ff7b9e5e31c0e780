using HaCore.Raft;

namespace HaCore.Testing.WholeNode;

/// <summary>The nemesis of the whole-node simulator: everything drawn from the run's seed.</summary>
public sealed partial class WholeNodeSimulator
{
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
        }

        if (alive.Count > 0 && Chance(_options.DeviceCrashRate))
        {
            var victim = alive[_random.Next(alive.Count)];
            var after = _random.Next(40);
            Trace($"node {victim.Id} will crash after {after} more device operations");
            victim.Device.ArmCrash(after);
        }

        foreach (var node in _nodes.Values.Where(n => !n.Alive))
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
            Trace("partitions healed");
            Network.Heal();
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
