using System.Globalization;

namespace HaCore.Testing.History;

/// <summary>A history that breaks the well-formedness rules of HISTORY_FORMAT.md.</summary>
public sealed class InvalidHistoryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidHistoryException()
        : this(["invalid history"])
    {
    }

    /// <summary>Creates the exception.</summary>
    public InvalidHistoryException(string message)
        : this([message])
    {
    }

    /// <summary>Creates the exception.</summary>
    public InvalidHistoryException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    /// <summary>Creates the exception from a list of problems.</summary>
    public InvalidHistoryException(IReadOnlyList<string> errors)
        : base(Describe(errors))
    {
        Errors = errors;
    }

    /// <summary>Every problem found, each naming the event (1-based, equal to the JSONL line without blank lines).</summary>
    public IReadOnlyList<string> Errors { get; }

    private static string Describe(IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        const int Shown = 20;
        var text = "invalid history: " + string.Join("; ", errors.Take(Shown));
        return errors.Count > Shown
            ? text + $"; ... and {(errors.Count - Shown).ToString(CultureInfo.InvariantCulture)} more"
            : text;
    }
}

/// <summary>
/// One client operation: an invoke paired with its completion. Operations whose process never
/// completed them (the history ended first) are treated as <see cref="HistoryEventType.Info"/>.
/// </summary>
public sealed class HistoryOperation
{
    internal HistoryOperation(int id, HistoryEvent invoke, int invokeIndex)
    {
        Id = id;
        Process = invoke.Process;
        F = invoke.F;
        Key = invoke.Key;
        Input = invoke.Value;
        InvokeIndex = invokeIndex;
        Status = HistoryEventType.Info;
    }

    /// <summary>Position of this operation in <see cref="Pair"/>'s result (0-based, in invoke order).</summary>
    public int Id { get; }

    /// <summary>The client.</summary>
    public int Process { get; }

    /// <summary>read, write, cas or append.</summary>
    public HistoryFunction F { get; }

    /// <summary>The key.</summary>
    public string Key { get; }

    /// <summary>The invoke's value (written value, cas pair, appended element).</summary>
    public HistoryValue Input { get; }

    /// <summary>The completion's value (what a read saw), or null when there is no completion.</summary>
    public HistoryValue? Output { get; private set; }

    /// <summary>Ok, Fail or Info (Info also when the history ended before a completion).</summary>
    public HistoryEventType Status { get; private set; }

    /// <summary>0-based index of the invoke event in the history.</summary>
    public int InvokeIndex { get; }

    /// <summary>0-based index of the completion event, or null when there is none.</summary>
    public int? CompleteIndex { get; private set; }

    /// <summary>
    /// Pairs invokes with completions after checking the rules of HISTORY_FORMAT.md.
    /// </summary>
    /// <exception cref="InvalidHistoryException">The history is not well formed.</exception>
    public static IReadOnlyList<HistoryOperation> Pair(IReadOnlyList<HistoryEvent> events)
    {
        var (ops, errors) = PairAndValidate(events);
        if (errors.Count > 0)
        {
            throw new InvalidHistoryException(errors);
        }

        return ops;
    }

    /// <summary>
    /// Checks the well-formedness rules: every completion follows an invoke of the same process with
    /// the same f and key; a process has at most one operation in flight; nothing follows an info of a
    /// process; values have the shape their f needs; a key is not used both as a register and as a list.
    /// </summary>
    /// <returns>The problems found (empty when the history is well formed).</returns>
    public static IReadOnlyList<string> Validate(IReadOnlyList<HistoryEvent> events) => PairAndValidate(events).Errors;

    /// <summary>A short description such as <c>p3 write "a" ok [events 4..9]</c>.</summary>
    public override string ToString()
    {
        var fn = HistoryJson.Name(F);
        var text = F == HistoryFunction.Read
            ? $"p{Process.ToString(CultureInfo.InvariantCulture)} read -> {(Status == HistoryEventType.Ok ? Output?.ToShortString() : "?")}"
            : $"p{Process.ToString(CultureInfo.InvariantCulture)} {fn} {Input}";
        var end = CompleteIndex is { } c ? (c + 1).ToString(CultureInfo.InvariantCulture) : "end";
        return $"{text} {HistoryJson.Name(Status)} [events {(InvokeIndex + 1).ToString(CultureInfo.InvariantCulture)}..{end}]";
    }

    private static (List<HistoryOperation> Ops, List<string> Errors) PairAndValidate(IReadOnlyList<HistoryEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var ops = new List<HistoryOperation>();
        var errors = new List<string>();
        var inFlight = new Dictionary<int, HistoryOperation>();
        var crashedAt = new Dictionary<int, int>();
        var keyKinds = new Dictionary<string, (bool Register, bool List, int FirstRegister, int FirstList)>(StringComparer.Ordinal);

        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var where = "event " + (i + 1).ToString(CultureInfo.InvariantCulture);
            if (e is null)
            {
                errors.Add($"{where}: null event");
                continue;
            }

            var p = e.Process.ToString(CultureInfo.InvariantCulture);
            if (crashedAt.TryGetValue(e.Process, out var infoIndex))
            {
                errors.Add($"{where}: process {p} has an event ({HistoryJson.Name(e.Type)} {HistoryJson.Name(e.F)}) after its info at event {(infoIndex + 1).ToString(CultureInfo.InvariantCulture)}");
                continue;
            }

            if (e.Type == HistoryEventType.Invoke)
            {
                if (inFlight.TryGetValue(e.Process, out var pending))
                {
                    errors.Add($"{where}: process {p} invokes {HistoryJson.Name(e.F)} while its {HistoryJson.Name(pending.F)} invoked at event {(pending.InvokeIndex + 1).ToString(CultureInfo.InvariantCulture)} is still in flight");
                    continue;
                }

                CheckInvokeValue(e, where, errors);
                var op = new HistoryOperation(ops.Count, e, i);
                ops.Add(op);
                inFlight[e.Process] = op;
                NoteKeyKind(e, i, where, isList: e.F == HistoryFunction.Append, isRegister: e.F is HistoryFunction.Write or HistoryFunction.Cas);
                continue;
            }

            if (!inFlight.Remove(e.Process, out var invoked))
            {
                errors.Add($"{where}: {HistoryJson.Name(e.Type)} {HistoryJson.Name(e.F)} of process {p} on key {HistoryValue.Quote(e.Key)} has no invoke in flight");
                continue;
            }

            if (invoked.F != e.F || !string.Equals(invoked.Key, e.Key, StringComparison.Ordinal))
            {
                errors.Add($"{where}: {HistoryJson.Name(e.Type)} {HistoryJson.Name(e.F)} key {HistoryValue.Quote(e.Key)} of process {p} does not match its invoke at event {(invoked.InvokeIndex + 1).ToString(CultureInfo.InvariantCulture)} ({HistoryJson.Name(invoked.F)} key {HistoryValue.Quote(invoked.Key)})");
                continue;
            }

            invoked.Status = e.Type;
            invoked.Output = e.Value;
            invoked.CompleteIndex = i;
            if (e.Type == HistoryEventType.Info)
            {
                crashedAt[e.Process] = i;
            }

            if (e.Type == HistoryEventType.Ok && e.F == HistoryFunction.Read)
            {
                switch (e.Value.Kind)
                {
                    case HistoryValueKind.List:
                        NoteKeyKind(e, i, where, isList: true, isRegister: false);
                        break;
                    case HistoryValueKind.String:
                        NoteKeyKind(e, i, where, isList: false, isRegister: true);
                        break;
                    default:
                        break;
                }
            }
        }

        return (ops, errors);

        void NoteKeyKind(HistoryEvent e, int index, string where, bool isList, bool isRegister)
        {
            if (!isList && !isRegister)
            {
                return;
            }

            keyKinds.TryGetValue(e.Key, out var k);
            if (isList && !k.List)
            {
                k.List = true;
                k.FirstList = index;
                if (k.Register)
                {
                    errors.Add($"{where}: key {HistoryValue.Quote(e.Key)} is used as a list here but as a register at event {(k.FirstRegister + 1).ToString(CultureInfo.InvariantCulture)}");
                }
            }

            if (isRegister && !k.Register)
            {
                k.Register = true;
                k.FirstRegister = index;
                if (k.List)
                {
                    errors.Add($"{where}: key {HistoryValue.Quote(e.Key)} is used as a register here but as a list at event {(k.FirstList + 1).ToString(CultureInfo.InvariantCulture)}");
                }
            }

            keyKinds[e.Key] = k;
        }
    }

    private static void CheckInvokeValue(HistoryEvent e, string where, List<string> errors)
    {
        switch (e.F)
        {
            case HistoryFunction.Write when e.Value.Kind == HistoryValueKind.List:
                errors.Add($"{where}: write value must be a string or null, got {e.Value}");
                break;
            case HistoryFunction.Cas when e.Value.Kind != HistoryValueKind.List || e.Value.Items.Count != 2:
                errors.Add($"{where}: cas value must be [expected, new], got {e.Value}");
                break;
            case HistoryFunction.Append when e.Value.Kind != HistoryValueKind.String:
                errors.Add($"{where}: append value must be a string, got {e.Value}");
                break;
            default:
                break;
        }
    }
}
