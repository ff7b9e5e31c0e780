using System.Globalization;
using System.Text;
using HaCore.Raft.Tests.DataDriven;

namespace HaCore.Raft.Tests.Interaction;

/// <summary>
/// Drives a handful of <see cref="RawNode"/>s from a data-driven script (etcd-raft's interaction
/// tests, rebuilt for HaCore): nodes, a message queue the script delivers or drops, crashes and
/// restarts from in-memory durable storage. Each command returns the text the script expects.
/// </summary>
internal sealed class InteractionEnv
{
    private readonly SortedDictionary<ulong, Node> _nodes = [];
    private readonly List<Message> _inFlight = [];
    private readonly HashSet<ulong> _isolated = [];
    private readonly bool _unsafeCommit;

    public InteractionEnv(bool unsafeCommit = false) => _unsafeCommit = unsafeCommit;

    public string Handle(TestCase t)
    {
        var sb = new StringBuilder();
        switch (t.Command)
        {
            case "add-nodes": AddNodes(t, sb); break;
            case "campaign": Raft(t, Id(t, 0)).Campaign(); break;
            case "propose": Propose(t, sb); break;
            case "propose-conf-change": ProposeConfChange(t, sb); break;
            case "tick": Tick(t); break;
            case "tick-all": TickAll(t); break;
            case "tick-election": TickElection(t, sb); break;
            case "process-ready": foreach (var id in Ids(t)) { ProcessReady(id, sb); } break;
            case "deliver-msgs": Deliver(t, sb); break;
            case "stabilize": Stabilize(t, sb); break;
            case "isolate": _isolated.Add(Id(t, 0)); break;
            case "heal": _isolated.Clear(); break;
            case "transfer-leader": Raft(t, t.ScanUInt64("from")).TransferLeadership(t.ScanUInt64("to")); break;
            case "read-index": Raft(t, Id(t, 0)).ReadIndex(t.ScanUInt64("ctx")); break;
            case "compact": Compact(t, sb); break;
            case "crash": Crash(t, sb); break;
            case "restart": Restart(t, sb); break;
            case "status": Status(t, sb); break;
            case "raft-log": RaftLog(t, sb); break;
            case "raft-state": RaftState(sb); break;
            default: throw t.Fail($"unknown command '{t.Command}'");
        }

        return sb.Length == 0 ? "ok" : sb.ToString().TrimEnd();
    }

    // ---- arguments ---------------------------------------------------------------------------

    private static ulong Id(TestCase t, int position)
    {
        var positional = t.Positional;
        if (positional.Count <= position || !ulong.TryParse(positional[position], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            throw t.Fail($"expected a node id as argument {position + 1}");
        }

        return id;
    }

    private IEnumerable<ulong> Ids(TestCase t)
    {
        var positional = t.Positional;
        return positional.Count == 0
            ? _nodes.Keys.ToArray()
            : positional.Select(p => ulong.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
    }

    private RawNode Raft(TestCase t, ulong id) =>
        _nodes.TryGetValue(id, out var node) && node.Raft is { } raft ? raft : throw t.Fail($"node {id} is not running");

    // ---- commands ----------------------------------------------------------------------------

    private void AddNodes(TestCase t, StringBuilder sb)
    {
        var count = (int)Id(t, 0);
        var first = (_nodes.Count == 0 ? 0 : _nodes.Keys.Max()) + 1;
        var ids = Enumerable.Range(0, count).Select(i => first + (ulong)i).ToArray();
        var voters = t.HasArg("voters") ? t.ScanUInt64s("voters").ToArray() : ids;
        var empty = t.ScanString("empty", "false") == "true";
        foreach (var id in ids)
        {
            var options = new RaftOptions
            {
                Id = id,
                ElectionTick = 10,
                HeartbeatTick = 1,
                PreVote = t.ScanString("prevote", "true") == "true",
                CheckQuorum = t.ScanString("checkquorum", "true") == "true",
                ReadOnlyOption = t.ScanString("lease", "false") == "true" ? ReadOnlyOption.LeaseBased : ReadOnlyOption.Safe,
                MaxSizePerMessage = (long)t.ScanUInt64("max-msg-size", 1 << 20),
                MaxInflightMessages = (int)t.ScanUInt64("max-inflight", 256),
                MaxInflightBytes = 0,
                MaxUncommittedEntriesSize = (long)t.ScanUInt64("max-uncommitted", 0),
                RandomSeed = 42,
                UnsafeCommitOlderTerms = _unsafeCommit,
            };
            var node = new Node(options);
            if (!empty)
            {
                RaftBootstrap.Bootstrap(node.Storage, voters);
            }

            node.Start();
            _nodes[id] = node;

            // Apply the bootstrap membership right away, so that scripts start from a formed cluster.
            ProcessReady(id, new StringBuilder());
            sb.Append(CultureInfo.InvariantCulture, $"node {id}: {(empty ? "empty, waiting to join" : $"bootstrapped with voters ({string.Join(",", voters)})")}\n");
        }
    }

    private void Propose(TestCase t, StringBuilder sb)
    {
        var positional = t.Positional;
        if (positional.Count < 2)
        {
            throw t.Fail("usage: propose <id> <data>");
        }

        var result = Raft(t, Id(t, 0)).Propose(Encoding.UTF8.GetBytes(positional[1]));
        Describe(result, sb);
    }

    private void ProposeConfChange(TestCase t, StringBuilder sb)
    {
        var positional = t.Positional;
        if (positional.Count < 3)
        {
            throw t.Fail("usage: propose-conf-change <id> add-learner|add-voter|remove <node>");
        }

        var type = positional[1] switch
        {
            "add-learner" => ConfChangeType.AddLearner,
            "add-voter" => ConfChangeType.AddVoter,
            "remove" => ConfChangeType.Remove,
            _ => throw t.Fail($"unknown change '{positional[1]}'"),
        };
        var result = Raft(t, Id(t, 0)).ProposeConfChange(new ConfChange(type, ulong.Parse(positional[2], CultureInfo.InvariantCulture)));
        Describe(result, sb);
    }

    private static void Describe(ProposeResult result, StringBuilder sb) =>
        sb.Append(result.IsAccepted
            ? string.Create(CultureInfo.InvariantCulture, $"accepted at {result.Term}/{result.Index}")
            : string.Create(CultureInfo.InvariantCulture, $"refused: {result.Status} (leader hint {result.LeaderHint})"));

    private void Tick(TestCase t)
    {
        var raft = Raft(t, Id(t, 0));
        var n = t.Positional.Count > 1 ? int.Parse(t.Positional[1], CultureInfo.InvariantCulture) : 1;
        for (var i = 0; i < n; i++)
        {
            raft.Tick();
        }
    }

    private void TickAll(TestCase t)
    {
        // Time passes for every running node alike.
        var n = (int)Id(t, 0);
        for (var i = 0; i < n; i++)
        {
            foreach (var node in _nodes.Values)
            {
                node.Raft?.Tick();
            }
        }
    }

    private void TickElection(TestCase t, StringBuilder sb)
    {
        var raft = Raft(t, Id(t, 0));
        for (var i = 0; i < 40 && raft.Role == RaftRole.Follower; i++)
        {
            raft.Tick();
        }

        sb.Append(CultureInfo.InvariantCulture, $"{raft.Id} is {raft.Role} at term {raft.Term}");
    }

    private bool ProcessReady(ulong id, StringBuilder sb)
    {
        var node = _nodes[id];
        if (node.Raft is not { } raft || !raft.HasReady)
        {
            return false;
        }

        var ready = raft.GetReady();
        sb.Append(CultureInfo.InvariantCulture, $"> {id} handling Ready\n");
        if (ready.SoftState is { } soft)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  State:{soft.Role} Lead:{soft.Leader}\n");
        }

        if (ready.HardState is { } hard)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  HardState Term:{hard.Term} Vote:{hard.Vote} Commit:{hard.Commit}\n");
        }

        AppendEntries(sb, "Entries", ready.Entries.Span);
        if (ready.Snapshot is { } snapshot)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  Snapshot: {snapshot}\n");
            node.Storage.ApplySnapshot(snapshot);
        }

        AppendEntries(sb, "CommittedEntries", ready.CommittedEntries.Span);
        AppendMessages(sb, "Messages", ready.Messages);
        AppendMessages(sb, "MessagesAfterPersist", ready.MessagesAfterPersist);
        foreach (var rs in ready.ReadStates)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  ReadState Index:{rs.Index} Context:{rs.Context}\n");
        }

        foreach (var ctx in ready.RejectedReads)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  RejectedRead Context:{ctx}\n");
        }

        foreach (ref readonly var m in ready.Messages)
        {
            _inFlight.Add(m with { Entries = m.Entries.ToArray() });
        }

        node.Storage.Append(ready.Entries.Span);
        if (ready.HardState is { } h)
        {
            node.Storage.SetHardState(h);
        }

        foreach (ref readonly var m in ready.MessagesAfterPersist)
        {
            _inFlight.Add(m with { Entries = m.Entries.ToArray() });
        }

        foreach (ref readonly var e in ready.CommittedEntries.Span)
        {
            node.Applied.Add(e);
        }

        raft.Advance();
        return true;
    }

    private static void AppendEntries(StringBuilder sb, string title, ReadOnlySpan<Entry> entries)
    {
        if (entries.IsEmpty)
        {
            return;
        }

        sb.Append("  ").Append(title).Append(":\n");
        foreach (ref readonly var e in entries)
        {
            sb.Append("  ").Append(FormatEntry(e)).Append('\n');
        }
    }

    private static string FormatEntry(in Entry e)
    {
        var payload = e.Type == EntryType.ConfChange
            ? ConfChange.Decode(e.Data.Span).ToString()
            : e.Data.IsEmpty ? "empty" : Encoding.UTF8.GetString(e.Data.Span);
        return string.Create(CultureInfo.InvariantCulture, $"{e.Term}/{e.Index} {(e.Type == EntryType.ConfChange ? "conf " : string.Empty)}{payload}");
    }

    private static void AppendMessages(StringBuilder sb, string title, ReadOnlySpan<Message> messages)
    {
        if (messages.IsEmpty)
        {
            return;
        }

        sb.Append("  ").Append(title).Append(":\n");
        foreach (ref readonly var m in messages)
        {
            sb.Append("  ").Append(FormatMessage(m)).Append('\n');
        }
    }

    private static string FormatMessage(in Message m)
    {
        var text = MessageFormatter.Format(m);
        if (m.Entries.IsEmpty)
        {
            return text;
        }

        // Show payloads rather than sizes, so scripts read as stories.
        var cut = text.IndexOf(" Entries:[", StringComparison.Ordinal);
        var entries = new StringBuilder();
        foreach (var e in m.Entries.Span)
        {
            entries.Append(entries.Length == 0 ? string.Empty : ", ").Append(FormatEntry(e));
        }

        return $"{text[..cut]} Entries:[{entries}]";
    }

    private bool Deliver(TestCase t, StringBuilder sb)
    {
        var targets = t.Positional.Count == 0 ? null : Ids(t).ToHashSet();
        var drop = t.HasArg("drop") ? t.ScanUInt64s("drop").ToHashSet() : [];
        return DeliverTo(targets, drop, sb);
    }

    private bool DeliverTo(HashSet<ulong>? targets, HashSet<ulong> drop, StringBuilder sb)
    {
        var batch = _inFlight.Where(m => targets is null || targets.Contains(m.To)).ToList();
        if (batch.Count == 0)
        {
            return false;
        }

        _inFlight.RemoveAll(m => targets is null || targets.Contains(m.To));
        foreach (var group in batch.GroupBy(m => m.To).OrderBy(g => g.Key))
        {
            foreach (var m in group)
            {
                var node = _nodes[m.To];
                if (drop.Contains(m.To) || _isolated.Contains(m.To) || _isolated.Contains(m.From) || node.Raft is null)
                {
                    sb.Append("dropped: ").Append(FormatMessage(m)).Append('\n');
                    if (m.Type == MessageType.Snapshot && _nodes[m.From].Raft is { } sender)
                    {
                        sender.ReportSnapshot(m.To, succeeded: false);
                    }

                    continue;
                }

                sb.Append(FormatMessage(m)).Append('\n');
                node.Raft.Step(m);
                if (m.Type == MessageType.Snapshot && _nodes[m.From].Raft is { } leader)
                {
                    leader.ReportSnapshot(m.To, succeeded: true);
                }
            }
        }

        return true;
    }

    private void Stabilize(TestCase t, StringBuilder sb)
    {
        var ids = Ids(t).ToArray();
        var targets = t.Positional.Count == 0 ? null : ids.ToHashSet();
        for (var round = 0; round < 1000; round++)
        {
            var any = false;
            foreach (var id in ids)
            {
                any |= ProcessReady(id, sb);
            }

            any |= DeliverTo(targets, [], sb);
            if (!any)
            {
                return;
            }
        }

        throw t.Fail("did not stabilize in 1000 rounds");
    }

    private void Compact(TestCase t, StringBuilder sb)
    {
        var id = Id(t, 0);
        var index = ulong.Parse(t.Positional[1], CultureInfo.InvariantCulture);
        var node = _nodes[id];
        var raft = Raft(t, id);
        var snapshot = node.Storage.CreateSnapshot(index, raft.ConfState, Encoding.UTF8.GetBytes($"state@{index}"));
        node.Storage.Compact(index);
        sb.Append(CultureInfo.InvariantCulture, $"{id}: {snapshot}; log now [{node.Storage.FirstIndex}, {node.Storage.LastIndex}]");
    }

    private void Crash(TestCase t, StringBuilder sb)
    {
        var id = Id(t, 0);
        _nodes[id].Raft = null;
        var lost = _inFlight.RemoveAll(m => m.From == id || m.To == id);
        sb.Append(CultureInfo.InvariantCulture, $"{id} crashed ({lost} queued messages to or from it lost)");
    }

    private void Restart(TestCase t, StringBuilder sb)
    {
        // A restarted node replays its committed entries first, as a host does at startup.
        var id = Id(t, 0);
        _nodes[id].Start();
        ProcessReady(id, sb);
    }

    private void Status(TestCase t, StringBuilder sb)
    {
        var status = Raft(t, Id(t, 0)).GetStatus();
        if (status.Progress is null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{status.Id} is {status.Role}, not leader");
            return;
        }

        foreach (var (id, pr) in status.Progress.OrderBy(p => p.Key))
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"{id}: {pr.State} match={pr.Match} next={pr.Next}{(pr.IsLearner ? " learner" : string.Empty)}{(pr.IsPaused ? " paused" : string.Empty)}\n");
        }
    }

    private void RaftLog(TestCase t, StringBuilder sb)
    {
        var id = Id(t, 0);
        var storage = _nodes[id].Storage;
        if (storage.LastIndex < storage.FirstIndex)
        {
            sb.Append(CultureInfo.InvariantCulture, $"log is empty: first index {storage.FirstIndex}, last index {storage.LastIndex}");
            return;
        }

        for (var i = storage.FirstIndex; i <= storage.LastIndex;)
        {
            storage.TryGetEntries(i, storage.LastIndex + 1, long.MaxValue, out var entries);
            foreach (var e in entries.Span)
            {
                sb.Append(FormatEntry(e)).Append('\n');
            }

            i += (ulong)entries.Length;
        }
    }

    private void RaftState(StringBuilder sb)
    {
        foreach (var (id, node) in _nodes)
        {
            if (node.Raft is not { } raft)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{id}: crashed\n");
                continue;
            }

            var status = raft.GetStatus();
            sb.Append(CultureInfo.InvariantCulture,
                $"{id}: {status.Role} term={status.Term} lead={status.Leader} commit={status.Commit} applied={status.Applied} last={status.LastIndex} {status.ConfState}\n");
        }
    }

    private sealed class Node(RaftOptions options)
    {
        public MemoryRaftStorage Storage { get; } = new();

        public RawNode? Raft { get; set; }

        public List<Entry> Applied { get; } = [];

        public void Start() => Raft = new RawNode(options, Storage);
    }
}
