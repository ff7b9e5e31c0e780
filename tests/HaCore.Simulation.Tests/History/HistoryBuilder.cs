using HaCore.Testing.History;

namespace HaCore.Simulation.Tests.History;

/// <summary>
/// Concise hand-written histories: <c>.Write(1, "x", "a")</c> invokes, <c>.Ok(1)</c> completes
/// process 1's operation (a read's result is the value passed to <c>Ok</c>).
/// </summary>
internal sealed class HistoryBuilder
{
    private readonly List<HistoryEvent> _events = [];
    private readonly Dictionary<int, HistoryEvent> _pending = [];

    public IReadOnlyList<HistoryEvent> Events => _events;

    public HistoryBuilder Write(int p, string key, string? value) => Invoke(p, HistoryFunction.Write, key, value);

    public HistoryBuilder Read(int p, string key) => Invoke(p, HistoryFunction.Read, key, HistoryValue.Null);

    public HistoryBuilder Cas(int p, string key, string? expected, string? newValue) =>
        Invoke(p, HistoryFunction.Cas, key, HistoryValue.CasPair(expected, newValue));

    public HistoryBuilder Append(int p, string key, string element) => Invoke(p, HistoryFunction.Append, key, element);

    /// <summary>Completes process <paramref name="p"/>'s operation with ok; for a read, <paramref name="seen"/> is what it saw.</summary>
    public HistoryBuilder Ok(int p, string? seen = null) => Complete(p, HistoryEventType.Ok, seen is null ? null : HistoryValue.Of(seen));

    /// <summary>Completes a read of a list key with ok, seeing <paramref name="items"/>.</summary>
    public HistoryBuilder OkList(int p, params string[] items) => Complete(p, HistoryEventType.Ok, HistoryValue.ListOf(items));

    public HistoryBuilder Fail(int p) => Complete(p, HistoryEventType.Fail, null);

    public HistoryBuilder Info(int p) => Complete(p, HistoryEventType.Info, null);

    /// <summary>Write invoked and completed ok by <paramref name="p"/> with nothing in between.</summary>
    public HistoryBuilder WriteOk(int p, string key, string? value) => Write(p, key, value).Ok(p);

    /// <summary>Read invoked and completed ok by <paramref name="p"/> with nothing in between.</summary>
    public HistoryBuilder ReadOk(int p, string key, string? seen) => Read(p, key).Ok(p, seen);

    private HistoryBuilder Invoke(int p, HistoryFunction f, string key, HistoryValue value)
    {
        var e = HistoryEvent.Invoke(p, f, key, value);
        _pending[p] = e;
        _events.Add(e);
        return this;
    }

    private HistoryBuilder Complete(int p, HistoryEventType type, HistoryValue? seen)
    {
        var invoke = _pending[p];
        _pending.Remove(p);
        var value = invoke.F == HistoryFunction.Read
            ? (type == HistoryEventType.Ok ? seen ?? HistoryValue.Null : HistoryValue.Null)
            : invoke.Value;
        _events.Add(new HistoryEvent(p, type, invoke.F, invoke.Key, value));
        return this;
    }
}
