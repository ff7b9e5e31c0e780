using HaCore.Raft;

namespace HaCore.Testing.Simulation;

/// <summary>
/// A simulated network: per-message random delay (which reorders), loss, duplication, bounded
/// per-link capacity, and symmetric or one-way partitions. Messages are copied on send, since a
/// Ready's memory is only valid until Advance.
/// </summary>
public sealed class SimNetwork
{
    private readonly SimulationOptions _options;
    private readonly DeterministicRandom _random;
    private readonly PriorityQueue<Message, (long Time, long Seq)> _inFlight = new();
    private readonly Dictionary<(ulong From, ulong To), int> _perLink = [];
    private readonly HashSet<(ulong From, ulong To)> _blocked = [];
    private readonly List<(ulong Leader, ulong Follower, bool Delivered)> _snapshotReports = [];
    private long _seq;

    internal SimNetwork(SimulationOptions options, DeterministicRandom random)
    {
        _options = options;
        _random = random;
    }

    /// <summary>Messages sent, delivered, dropped (loss, partition or capacity) and duplicated.</summary>
    public long Sent { get; private set; }

    /// <inheritdoc cref="Sent"/>
    public long Delivered { get; private set; }

    /// <inheritdoc cref="Sent"/>
    public long Dropped { get; private set; }

    /// <inheritdoc cref="Sent"/>
    public long Duplicated { get; private set; }

    /// <summary>True when messages from <paramref name="from"/> to <paramref name="to"/> are blocked.</summary>
    public bool IsBlocked(ulong from, ulong to) => _blocked.Contains((from, to));

    /// <summary>Blocks one direction.</summary>
    public void BlockOneWay(ulong from, ulong to) => _blocked.Add((from, to));

    /// <summary>Isolates <paramref name="group"/> from everyone else in both directions.</summary>
    public void Partition(IReadOnlyCollection<ulong> group, IEnumerable<ulong> all)
    {
        foreach (var a in group)
        {
            foreach (var b in all)
            {
                if (!group.Contains(b))
                {
                    _blocked.Add((a, b));
                    _blocked.Add((b, a));
                }
            }
        }
    }

    /// <summary>Removes every cut to or from <paramref name="node"/>.</summary>
    public void HealNode(ulong node) => _blocked.RemoveWhere(link => link.Item1 == node || link.Item2 == node);

    /// <summary>Removes all partitions.</summary>
    public void Heal() => _blocked.Clear();

    /// <summary>True when any link is blocked.</summary>
    public bool HasPartitions => _blocked.Count > 0;

    /// <summary>Outcomes of snapshot sends, which a real transport reports back to the leader.</summary>
    internal List<(ulong Leader, ulong Follower, bool Delivered)> SnapshotReports => _snapshotReports;

    internal void Send(in Message message, long now)
    {
        Sent++;
        if (_blocked.Contains((message.From, message.To)) || _random.NextDouble() < _options.DropRate)
        {
            Drop(message);
            return;
        }

        var copy = message with { Entries = message.Entries.ToArray() };
        Enqueue(copy, now);
        if (_random.NextDouble() < _options.DuplicateRate)
        {
            Duplicated++;
            Enqueue(copy, now);
        }
    }

    private void Enqueue(in Message message, long now)
    {
        var link = (message.From, message.To);
        _perLink.TryGetValue(link, out var count);
        if (count >= _options.LinkCapacity)
        {
            Drop(message);
            return;
        }

        _perLink[link] = count + 1;
        var delay = _options.MinDelay + _random.Next(_options.MaxDelay - _options.MinDelay + 1);
        _inFlight.Enqueue(message, (now + delay, _seq++));
    }

    private void Drop(in Message message)
    {
        Dropped++;
        if (message.Type == MessageType.Snapshot)
        {
            _snapshotReports.Add((message.From, message.To, false));
        }
    }

    /// <summary>Removes and returns the messages due at or before <paramref name="now"/>, in delivery order.</summary>
    internal IEnumerable<Message> Due(long now)
    {
        while (_inFlight.TryPeek(out var m, out var key) && key.Time <= now)
        {
            _inFlight.Dequeue();
            var link = (m.From, m.To);
            _perLink[link]--;
            if (_blocked.Contains(link))
            {
                // A partition that started while the message was in flight also eats it.
                Drop(m);
                continue;
            }

            Delivered++;
            if (m.Type == MessageType.Snapshot)
            {
                _snapshotReports.Add((m.From, m.To, true));
            }

            yield return m;
        }
    }
}
