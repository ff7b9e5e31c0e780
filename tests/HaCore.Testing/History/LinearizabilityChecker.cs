using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace HaCore.Testing.History;

/// <summary>The verdict of a linearizability check.</summary>
public enum LinearizabilityOutcome
{
    /// <summary>Every key has a linearization.</summary>
    Linearizable,

    /// <summary>Some key has none (see <see cref="LinearizabilityResult.Key"/>).</summary>
    NotLinearizable,

    /// <summary>The search budget ran out before a verdict (and no key was found non-linearizable).</summary>
    Unknown,
}

/// <summary>Limits for <see cref="LinearizabilityChecker"/>.</summary>
public sealed class LinearizabilityCheckerOptions
{
    /// <summary>Search steps allowed for one key before the verdict becomes <see cref="LinearizabilityOutcome.Unknown"/>.</summary>
    public long MaxStepsPerKey { get; init; } = 20_000_000;

    /// <summary>Optional wall-clock limit for the whole check; exceeding it gives <see cref="LinearizabilityOutcome.Unknown"/>.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>How many operations of the longest linearizable prefix the explanation lists (the last ones).</summary>
    public int PrefixOperationsShown { get; init; } = 10;
}

/// <summary>The result of <see cref="LinearizabilityChecker.Check(IReadOnlyList{HistoryEvent})"/>.</summary>
public sealed class LinearizabilityResult
{
    internal LinearizabilityResult(
        LinearizabilityOutcome outcome,
        string? key,
        string explanation,
        HistoryOperation? unplaceable,
        IReadOnlyList<HistoryOperation> longestPrefix,
        long steps,
        int keys,
        int operations)
    {
        Outcome = outcome;
        Key = key;
        Explanation = explanation;
        UnplaceableOperation = unplaceable;
        LongestLinearizablePrefix = longestPrefix;
        Steps = steps;
        KeyCount = keys;
        OperationCount = operations;
    }

    /// <summary>Linearizable, not, or unknown (budget exceeded).</summary>
    public LinearizabilityOutcome Outcome { get; }

    /// <summary>True when <see cref="Outcome"/> is <see cref="LinearizabilityOutcome.Linearizable"/>.</summary>
    public bool IsLinearizable => Outcome == LinearizabilityOutcome.Linearizable;

    /// <summary>The key that failed (or whose budget ran out); null when linearizable.</summary>
    public string? Key { get; }

    /// <summary>A short human-readable explanation of the verdict.</summary>
    public string Explanation { get; }

    /// <summary>For a non-linearizable key: the operation that could not be placed after the longest prefix.</summary>
    public HistoryOperation? UnplaceableOperation { get; }

    /// <summary>For a non-linearizable key: the longest linearizable prefix found, in linearization order.</summary>
    public IReadOnlyList<HistoryOperation> LongestLinearizablePrefix { get; }

    /// <summary>Search steps used over all keys.</summary>
    public long Steps { get; }

    /// <summary>Number of keys checked.</summary>
    public int KeyCount { get; }

    /// <summary>Number of operations (invokes) in the history.</summary>
    public int OperationCount { get; }

    /// <inheritdoc />
    public override string ToString() => Explanation;
}

/// <summary>
/// Judges whether a client history (HISTORY_FORMAT.md) is linearizable. Keys are independent, so the
/// history is split by key (P-compositionality) and each key is searched with the Wing–Gong / Lowe
/// algorithm, memoizing (set of linearized operations, model state) pairs, as Porcupine and Knossos do.
/// Keys with <c>append</c> operations (or reads returning lists) are lists; other keys are registers
/// (read, write, cas). The initial state of every key is null / the empty list.
/// <c>ok</c> operations take effect between invoke and completion; <c>fail</c> operations never take
/// effect; <c>info</c> (and never-completed) writes, cas and appends take effect at some point after
/// their invoke, or not at all; reads without an <c>ok</c> carry no information and are ignored.
/// </summary>
public sealed class LinearizabilityChecker
{
    /// <summary>Creates a checker.</summary>
    public LinearizabilityChecker(LinearizabilityCheckerOptions? options = null)
    {
        Options = options ?? new LinearizabilityCheckerOptions();
    }

    /// <summary>The limits in use.</summary>
    public LinearizabilityCheckerOptions Options { get; }

    /// <summary>Reads a JSONL history file and checks it.</summary>
    /// <exception cref="HistoryFormatException">A line of the file is malformed.</exception>
    /// <exception cref="InvalidHistoryException">The history breaks the format's rules.</exception>
    public LinearizabilityResult CheckFile(string path) => Check(HistoryJson.ReadFile(path));

    /// <summary>Checks a history given as events in real-time order.</summary>
    /// <exception cref="InvalidHistoryException">The history breaks the format's rules.</exception>
    public LinearizabilityResult Check(IReadOnlyList<HistoryEvent> history) => Check(HistoryOperation.Pair(history));

    /// <summary>Checks already paired operations (from <see cref="HistoryOperation.Pair"/>).</summary>
    public LinearizabilityResult Check(IReadOnlyList<HistoryOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var clock = Stopwatch.StartNew();
        var byKey = new Dictionary<string, List<HistoryOperation>>(StringComparer.Ordinal);
        var keyOrder = new List<string>();
        foreach (var op in operations)
        {
            if (!byKey.TryGetValue(op.Key, out var list))
            {
                list = [];
                byKey.Add(op.Key, list);
                keyOrder.Add(op.Key);
            }

            list.Add(op);
        }

        long steps = 0;
        LinearizabilityResult? unknown = null;
        foreach (var key in keyOrder)
        {
            var search = new KeySearch(key, byKey[key], Options, clock);
            var outcome = search.Run();
            steps += search.Steps;
            if (outcome == LinearizabilityOutcome.NotLinearizable)
            {
                return new LinearizabilityResult(
                    outcome, key, search.Explain(), search.Unplaceable, search.BestPrefix(), steps, keyOrder.Count, operations.Count);
            }

            if (outcome == LinearizabilityOutcome.Unknown && unknown is null)
            {
                unknown = new LinearizabilityResult(outcome, key, search.Explain(), null, [], 0, 0, 0);
            }
        }

        if (unknown is not null)
        {
            return new LinearizabilityResult(
                LinearizabilityOutcome.Unknown, unknown.Key, unknown.Explanation, null, [], steps, keyOrder.Count, operations.Count);
        }

        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"linearizable: {operations.Count} operations on {keyOrder.Count} keys ({steps} search steps, {clock.ElapsedMilliseconds} ms)");
        return new LinearizabilityResult(LinearizabilityOutcome.Linearizable, null, text, null, [], steps, keyOrder.Count, operations.Count);
    }

    private enum OpKind
    {
        Read,
        Write,
        Cas,
        Append,
    }

    /// <summary>The WGL search for one key.</summary>
    private sealed class KeySearch
    {
        private readonly string _key;
        private readonly List<HistoryOperation> _all;
        private readonly LinearizabilityCheckerOptions _options;
        private readonly Stopwatch _clock;
        private readonly bool _isList;

        // Value interning (register values and list elements): 0 is null.
        private readonly Dictionary<string, int> _valueIds = new(StringComparer.Ordinal);
        private readonly List<string?> _values = [null];

        // List states are nodes of a trie of appended elements: node 0 is the empty list.
        private readonly Dictionary<long, int> _trieChildren = [];
        private readonly List<(int Parent, int Element, int Depth)> _trieNodes = [(-1, 0, 0)];

        private HistoryOperation[] _ops = [];
        private OpKind[] _kind = [];
        private int[] _a = [];
        private int[] _b = [];

        private (HistoryOperation Shorter, HistoryOperation Longer)? _conflict;
        private Frame? _bestFrame;
        private int _bestDepth = -1;

        public KeySearch(string key, List<HistoryOperation> all, LinearizabilityCheckerOptions options, Stopwatch clock)
        {
            _key = key;
            _all = all;
            _options = options;
            _clock = clock;
            _isList = all.Exists(o => o.F == HistoryFunction.Append
                || (o.F == HistoryFunction.Read && o.Status == HistoryEventType.Ok && o.Output is { Kind: HistoryValueKind.List }));
        }

        public long Steps { get; private set; }

        public HistoryOperation? Unplaceable { get; private set; }

        private LinearizabilityOutcome Outcome { get; set; }

        public LinearizabilityOutcome Run()
        {
            Outcome = Search();
            return Outcome;
        }

        public IReadOnlyList<HistoryOperation> BestPrefix()
        {
            var prefix = new List<HistoryOperation>();
            for (var f = _bestFrame; f is not null; f = f.Parent)
            {
                prefix.Add(_ops[f.Entry.Op]);
            }

            prefix.Reverse();
            return prefix;
        }

        public string Explain()
        {
            var ic = CultureInfo.InvariantCulture;
            var model = _isList ? "list" : "register";
            if (Outcome == LinearizabilityOutcome.Unknown)
            {
                return string.Create(
                    ic,
                    $"unknown: the search budget ran out on key {HistoryValue.Quote(_key)} ({_all.Count} operations, {Steps} steps; MaxStepsPerKey={_options.MaxStepsPerKey}, TimeLimit={_options.TimeLimit?.ToString() ?? "none"})");
            }

            var sb = new StringBuilder();
            sb.Append(ic, $"not linearizable: key {HistoryValue.Quote(_key)} ({model}, {_ops.Length} operations that count) has no linearization.");
            if (_conflict is var (shorter, longer))
            {
                sb.Append(ic, $"\nTwo reads saw lists that are not prefixes of one another (a list only grows): {shorter}; {longer}");
                return sb.ToString();
            }

            var prefix = BestPrefix();
            sb.Append(ic, $"\nLongest linearizable prefix: {prefix.Count} operations");
            var shown = Math.Max(0, _options.PrefixOperationsShown);
            if (prefix.Count > 0 && shown > 0)
            {
                sb.Append(prefix.Count > shown ? string.Create(ic, $" (last {shown}): ... ") : ": ");
                sb.AppendJoin("; ", prefix.Skip(Math.Max(0, prefix.Count - shown)));
            }

            sb.Append(ic, $"\nState after it: {DescribeState(_bestFrame?.StateAfter ?? 0)}");
            if (Unplaceable is not null)
            {
                sb.Append(ic, $"\nCould not place: {Unplaceable}");
            }

            return sb.ToString();
        }

        private string DescribeState(int state)
        {
            if (!_isList)
            {
                return HistoryValue.Of(_values[state]).ToString();
            }

            var items = new List<string?>();
            for (var n = state; n > 0; n = _trieNodes[n].Parent)
            {
                items.Add(_values[_trieNodes[n].Element]);
            }

            items.Reverse();
            return HistoryValue.ListOf(items).ToShortString();
        }

        private int Depth(int node) => _trieNodes[node].Depth;

        private bool IsPrefix(int shorter, int longer)
        {
            var ds = Depth(shorter);
            var dl = Depth(longer);
            for (; dl > ds; dl--)
            {
                longer = _trieNodes[longer].Parent;
            }

            return longer == shorter;
        }

        private int ValueId(string? value)
        {
            if (value is null)
            {
                return 0;
            }

            if (!_valueIds.TryGetValue(value, out var id))
            {
                id = _values.Count;
                _values.Add(value);
                _valueIds.Add(value, id);
            }

            return id;
        }

        private int Child(int node, int element)
        {
            var k = ((long)node << 32) | (uint)element;
            if (!_trieChildren.TryGetValue(k, out var child))
            {
                child = _trieNodes.Count;
                _trieNodes.Add((node, element, _trieNodes[node].Depth + 1));
                _trieChildren.Add(k, child);
            }

            return child;
        }

        private int ListNode(int[] items)
        {
            var node = 0;
            foreach (var item in items)
            {
                node = Child(node, item);
            }

            return node;
        }

        private bool Step(int state, int op, out int next)
        {
            switch (_kind[op])
            {
                case OpKind.Read:
                    next = state;
                    return state == _a[op];
                case OpKind.Write:
                    next = _b[op];
                    return true;
                case OpKind.Cas:
                    next = _b[op];
                    return state == _a[op];
                default:
                    next = Child(state, _a[op]);
                    return true;
            }
        }

        private LinearizabilityOutcome Search()
        {
            // Operations that count: ok ones (must be placed) and info/pending updates (may be placed).
            var candidates = new List<HistoryOperation>();
            foreach (var o in _all)
            {
                if (o.Status == HistoryEventType.Fail)
                {
                    continue;
                }

                if (o.F == HistoryFunction.Read && o.Status != HistoryEventType.Ok)
                {
                    continue;
                }

                candidates.Add(o);
            }

            // Intern every value once: ids[i] is a read's value (register) or items (list), a write's
            // or append's value, or a cas's [expected, new].
            var candidateIds = new int[candidates.Count][];
            for (var i = 0; i < candidates.Count; i++)
            {
                var o = candidates[i];
                candidateIds[i] = o.F switch
                {
                    HistoryFunction.Read when _isList => (o.Output ?? HistoryValue.Null).Items.Select(ValueId).ToArray(),
                    HistoryFunction.Read => [ValueId((o.Output ?? HistoryValue.Null).Text)],
                    HistoryFunction.Cas => [ValueId(o.Input.Items.Count > 0 ? o.Input.Items[0] : null), ValueId(o.Input.Items.Count > 1 ? o.Input.Items[1] : null)],
                    _ => [ValueId(o.Input.Text)],
                };
            }

            var keep = KeepObservable(candidates, candidateIds);
            _ops = keep.Select(i => candidates[i]).ToArray();
            var ids = keep.Select(i => candidateIds[i]).ToArray();
            var n = _ops.Length;
            _kind = new OpKind[n];
            _a = new int[n];
            _b = new int[n];
            var returnTime = ReturnTimes(ids);
            var required = 0;
            for (var i = 0; i < n; i++)
            {
                var o = _ops[i];
                if (o.Status == HistoryEventType.Ok)
                {
                    required++;
                }

                switch (o.F)
                {
                    case HistoryFunction.Read:
                        _kind[i] = OpKind.Read;
                        _a[i] = _isList ? ListNode(ids[i]) : ids[i][0];
                        break;
                    case HistoryFunction.Write:
                        _kind[i] = OpKind.Write;
                        _b[i] = ids[i][0];
                        break;
                    case HistoryFunction.Cas:
                        _kind[i] = OpKind.Cas;
                        _a[i] = ids[i][0];
                        _b[i] = ids[i][1];
                        break;
                    default:
                        _kind[i] = OpKind.Append;
                        _a[i] = ids[i][0];
                        break;
                }
            }

            if (required == 0)
            {
                return LinearizabilityOutcome.Linearizable;
            }

            // Lists only grow, so the lists seen by ok reads must be prefixes of one another, and while
            // an ok read is still to be placed, every state must be a prefix of the longest one.
            HashSet<int>? chain = null;
            var pendingReads = 0;
            if (_isList)
            {
                var reads = Enumerable.Range(0, n).Where(i => _kind[i] == OpKind.Read).OrderBy(i => Depth(_a[i])).ToList();
                pendingReads = reads.Count;
                for (var r = 1; r < reads.Count; r++)
                {
                    if (!IsPrefix(_a[reads[r - 1]], _a[reads[r]]))
                    {
                        _conflict = (_ops[reads[r - 1]], _ops[reads[r]]);
                        Unplaceable = _ops[reads[r]];
                        return LinearizabilityOutcome.NotLinearizable;
                    }
                }

                chain = [];
                for (var node = reads.Count > 0 ? _a[reads[^1]] : 0; node >= 0; node = _trieNodes[node].Parent)
                {
                    chain.Add(node);
                }
            }

            // Call and return entries in history order; returns of optional info operations at +infinity.
            var entries = new List<(long Time, Entry Entry)>(2 * n);
            for (var i = 0; i < n; i++)
            {
                var call = new Entry(i, isCall: true, infinite: false);
                var infinite = returnTime[i] < 0;
                var ret = new Entry(i, isCall: false, infinite: infinite);
                call.Match = ret;
                entries.Add(((2L * _ops[i].InvokeIndex) + 1, call));
                entries.Add((infinite ? (long.MaxValue / 2) + i : returnTime[i], ret));
            }

            entries.Sort((x, y) => x.Time.CompareTo(y.Time));
            var head = new Entry(-1, isCall: false, infinite: false);
            var prev = head;
            foreach (var (_, e) in entries)
            {
                prev.Next = e;
                e.Prev = prev;
                prev = e;
            }

            // Zobrist keys make the hash of the linearized set incremental.
            var zobrist = new ulong[n];
            var seed = 0x9E3779B97F4A7C15UL;
            for (var i = 0; i < n; i++)
            {
                zobrist[i] = SplitMix64(ref seed);
            }

            var bits = new ulong[(n + 63) / 64];
            ulong setHash = 0;
            var cache = new HashSet<CacheEntry>(CacheEntryComparer.Instance);
            var probe = new CacheEntry(bits, 0, 0);

            var state = 0;
            Frame? stack = null;
            var depth = 0;
            _bestFrame = null;
            _bestDepth = 0;
            var entry = head.Next;
            var maxSteps = _options.MaxStepsPerKey;
            var timeLimit = _options.TimeLimit;

            while (true)
            {
                Steps++;
                if (Steps > maxSteps)
                {
                    return LinearizabilityOutcome.Unknown;
                }

                if (timeLimit is { } limit && (Steps & 1023) == 0 && _clock.Elapsed > limit)
                {
                    return LinearizabilityOutcome.Unknown;
                }

                if (entry is null || (!entry.IsCall && entry.Infinite))
                {
                    // Every ok operation is linearized; the remaining info ones took no effect.
                    return LinearizabilityOutcome.Linearizable;
                }

                if (entry.IsCall)
                {
                    var op = entry.Op;
                    if (Step(state, op, out var next) && (pendingReads == 0 || chain is null || chain.Contains(next)))
                    {
                        bits[op >> 6] |= 1UL << (op & 63);
                        setHash ^= zobrist[op];
                        probe.Hash = setHash ^ Mix((ulong)next);
                        probe.State = next;
                        if (!cache.Contains(probe))
                        {
                            cache.Add(new CacheEntry((ulong[])bits.Clone(), next, probe.Hash));
                            stack = new Frame(entry, state, next, stack);
                            if (_kind[op] == OpKind.Read)
                            {
                                pendingReads--;
                            }

                            depth++;
                            if (depth > _bestDepth)
                            {
                                _bestDepth = depth;
                                _bestFrame = stack;
                                Unplaceable = null;
                            }

                            state = next;
                            Lift(entry);
                            entry = head.Next;
                            continue;
                        }

                        bits[op >> 6] &= ~(1UL << (op & 63));
                        setHash ^= zobrist[op];
                    }

                    entry = entry.Next;
                }
                else
                {
                    // An ok operation reached its return without being linearized: backtrack.
                    if (ReferenceEquals(stack, _bestFrame) && Unplaceable is null)
                    {
                        Unplaceable = _ops[entry.Op];
                    }

                    // A read placed where it matched the state never needs to be tried later: a
                    // linearization that places it later can place it there instead (it is already
                    // invoked and changes nothing). So a failure after such a read is a failure
                    // before it, and backtracking continues past reads.
                    while (true)
                    {
                        if (stack is null)
                        {
                            return LinearizabilityOutcome.NotLinearizable;
                        }

                        var top = stack;
                        stack = top.Parent;
                        depth--;
                        state = top.StateBefore;
                        var op = top.Entry.Op;
                        bits[op >> 6] &= ~(1UL << (op & 63));
                        setHash ^= zobrist[op];
                        Unlift(top.Entry);
                        entry = top.Entry.Next;
                        if (_kind[op] != OpKind.Read)
                        {
                            break;
                        }

                        pendingReads++;
                    }
                }
            }
        }

        /// <summary>
        /// Keeps ok operations and drops info updates whose effect nothing could observe: an info write
        /// or cas whose new value no ok read returns and no cas expects, an info append whose element no
        /// ok read contains. Such an operation can always be placed after every operation that could
        /// see it, so the history is linearizable with it exactly when it is linearizable without it;
        /// dropping them keeps unresolved timeouts from multiplying the search space.
        /// </summary>
        /// <returns>Indices of the operations kept, in order.</returns>
        private List<int> KeepObservable(List<HistoryOperation> ops, int[][] ids)
        {
            var readObserved = new bool[_values.Count];
            for (var i = 0; i < ops.Count; i++)
            {
                if (ops[i].F == HistoryFunction.Read)
                {
                    foreach (var id in ids[i])
                    {
                        readObserved[id] = true;
                    }
                }
            }

            var alive = Enumerable.Repeat(true, ops.Count).ToArray();
            var changed = true;
            while (changed)
            {
                changed = false;
                var casExpected = new bool[_values.Count];
                for (var i = 0; i < ops.Count; i++)
                {
                    if (alive[i] && ops[i].F == HistoryFunction.Cas)
                    {
                        casExpected[ids[i][0]] = true;
                    }
                }

                for (var i = 0; i < ops.Count; i++)
                {
                    if (alive[i] && ops[i].Status != HistoryEventType.Ok)
                    {
                        var produced = NewValueId(ops[i], ids[i]);
                        if (!readObserved[produced] && !casExpected[produced])
                        {
                            alive[i] = false;
                            changed = true;
                        }
                    }
                }
            }

            return Enumerable.Range(0, ops.Count).Where(i => alive[i]).ToList();
        }

        /// <summary>
        /// Return times on a doubled scale (event i is at 2i+1): an ok operation returns at its
        /// completion; an info update is optional (-1, return at +infinity), except when it is the only
        /// operation that produces its (non-null) value or element and an ok operation observes that
        /// value: then it certainly took effect, before the first observer's completion, so it must be
        /// linearized just before that completion. Resolving such timeouts keeps the search narrow.
        /// </summary>
        private long[] ReturnTimes(int[][] ids)
        {
            var n = _ops.Length;
            var times = new long[n];
            var producers = new int[_values.Count];
            var firstObserved = Enumerable.Repeat(int.MaxValue, _values.Count).ToArray();
            for (var i = 0; i < n; i++)
            {
                var o = _ops[i];
                if (o.F != HistoryFunction.Read)
                {
                    producers[NewValueId(o, ids[i])]++;
                }

                if (o.Status != HistoryEventType.Ok)
                {
                    times[i] = -1;
                    continue;
                }

                var completed = o.CompleteIndex!.Value;
                times[i] = (2L * completed) + 1;
                if (o.F == HistoryFunction.Read)
                {
                    foreach (var id in ids[i])
                    {
                        firstObserved[id] = Math.Min(firstObserved[id], completed);
                    }
                }
                else if (o.F == HistoryFunction.Cas)
                {
                    firstObserved[ids[i][0]] = Math.Min(firstObserved[ids[i][0]], completed);
                }
            }

            for (var i = 0; i < n; i++)
            {
                var o = _ops[i];
                if (times[i] < 0 && o.F != HistoryFunction.Read)
                {
                    var v = NewValueId(o, ids[i]);
                    if (v != 0 && producers[v] == 1 && firstObserved[v] != int.MaxValue && firstObserved[v] > o.InvokeIndex)
                    {
                        times[i] = 2L * firstObserved[v];
                    }
                }
            }

            return times;
        }

        private static int NewValueId(HistoryOperation o, int[] ids) => o.F == HistoryFunction.Cas ? ids[1] : ids[0];

        private static void Lift(Entry call)
        {
            call.Prev!.Next = call.Next;
            call.Next!.Prev = call.Prev;
            var ret = call.Match!;
            ret.Prev!.Next = ret.Next;
            if (ret.Next is not null)
            {
                ret.Next.Prev = ret.Prev;
            }
        }

        private static void Unlift(Entry call)
        {
            var ret = call.Match!;
            ret.Prev!.Next = ret;
            if (ret.Next is not null)
            {
                ret.Next.Prev = ret;
            }

            call.Prev!.Next = call;
            call.Next!.Prev = call;
        }

        private static ulong SplitMix64(ref ulong x)
        {
            x += 0x9E3779B97F4A7C15UL;
            var z = x;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        private static ulong Mix(ulong x)
        {
            var s = x;
            return SplitMix64(ref s);
        }
    }

    private sealed class Entry(int op, bool isCall, bool infinite)
    {
        public int Op { get; } = op;

        public bool IsCall { get; } = isCall;

        public bool Infinite { get; } = infinite;

        public Entry? Match { get; set; }

        public Entry? Prev { get; set; }

        public Entry? Next { get; set; }
    }

    private sealed class Frame(Entry entry, int stateBefore, int stateAfter, Frame? parent)
    {
        public Entry Entry { get; } = entry;

        public int StateBefore { get; } = stateBefore;

        public int StateAfter { get; } = stateAfter;

        public Frame? Parent { get; } = parent;
    }

    private sealed class CacheEntry(ulong[] bits, int state, ulong hash)
    {
        public ulong[] Bits { get; } = bits;

        public int State { get; set; } = state;

        public ulong Hash { get; set; } = hash;
    }

    private sealed class CacheEntryComparer : IEqualityComparer<CacheEntry>
    {
        public static readonly CacheEntryComparer Instance = new();

        public bool Equals(CacheEntry? x, CacheEntry? y) =>
            x is not null && y is not null && x.Hash == y.Hash && x.State == y.State && x.Bits.AsSpan().SequenceEqual(y.Bits);

        public int GetHashCode(CacheEntry obj) => (int)(obj.Hash ^ (obj.Hash >> 32));
    }
}
