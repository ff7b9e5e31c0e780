using System.Text;

namespace HaCore.Testing.History;

/// <summary>
/// Thread-safe, append-only recorder of client history events. Events are kept in memory in the
/// order <see cref="Record"/> was called (that order is the history's real-time order), and, when a
/// file path is given, also streamed to that file as JSON Lines (flushed by <see cref="Flush"/> and
/// <see cref="Dispose"/>). If a clock is given, events without a time are stamped under the lock, so
/// times are monotonic in history order.
/// </summary>
public sealed class HistoryRecorder : IDisposable
{
    private readonly object _gate = new();
    private readonly List<HistoryEvent> _events = [];
    private readonly Func<long>? _clock;
    private StreamWriter? _writer;

    /// <summary>Creates a recorder.</summary>
    /// <param name="filePath">When not null, every event is also appended to this JSONL file (created or replaced).</param>
    /// <param name="clock">When not null, stamps <see cref="HistoryEvent.Time"/> on events recorded without one.</param>
    public HistoryRecorder(string? filePath = null, Func<long>? clock = null)
    {
        _clock = clock;
        FilePath = filePath;
        if (filePath is not null)
        {
            _writer = new StreamWriter(filePath, append: false, new UTF8Encoding(false));
        }
    }

    /// <summary>The JSONL file this recorder streams to, or null.</summary>
    public string? FilePath { get; }

    /// <summary>Number of events recorded so far.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _events.Count;
            }
        }
    }

    /// <summary>Appends an event and returns it (with its time stamped if a clock was given).</summary>
    public HistoryEvent Record(HistoryEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        lock (_gate)
        {
            if (e.Time is null && _clock is not null)
            {
                e = e with { Time = _clock() };
            }

            _events.Add(e);
            if (_writer is not null)
            {
                _writer.Write(HistoryJson.ToJsonLine(e));
                _writer.Write('\n');
            }

            return e;
        }
    }

    /// <summary>Records an invoke.</summary>
    public HistoryEvent Invoke(int process, HistoryFunction f, string key, HistoryValue? value = null) =>
        Record(HistoryEvent.Invoke(process, f, key, value));

    /// <summary>Records an ok completion.</summary>
    public HistoryEvent Ok(int process, HistoryFunction f, string key, HistoryValue? value = null) =>
        Record(HistoryEvent.Ok(process, f, key, value));

    /// <summary>Records a fail completion.</summary>
    public HistoryEvent Fail(int process, HistoryFunction f, string key, HistoryValue? value = null) =>
        Record(HistoryEvent.Fail(process, f, key, value));

    /// <summary>Records an info completion.</summary>
    public HistoryEvent Info(int process, HistoryFunction f, string key, HistoryValue? value = null) =>
        Record(HistoryEvent.Info(process, f, key, value));

    /// <summary>A copy of the events recorded so far, in order.</summary>
    public IReadOnlyList<HistoryEvent> Snapshot()
    {
        lock (_gate)
        {
            return _events.ToArray();
        }
    }

    /// <summary>Writes all events recorded so far to <paramref name="path"/> as JSON Lines.</summary>
    public void WriteJsonLines(string path) => HistoryJson.WriteFile(path, Snapshot());

    /// <summary>Flushes the streamed file, if any.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            _writer?.Flush();
        }
    }

    /// <summary>Flushes and closes the streamed file, if any. Recording afterwards only keeps events in memory.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _writer?.Dispose();
            _writer = null;
        }
    }
}
