using System.Text;

namespace HaCore.Testing.History;

/// <summary>The <c>type</c> field of a history event (see HISTORY_FORMAT.md).</summary>
public enum HistoryEventType
{
    /// <summary>The client sent the operation.</summary>
    Invoke,

    /// <summary>The operation completed and took effect (for a read: it saw the value).</summary>
    Ok,

    /// <summary>The operation certainly did not take effect.</summary>
    Fail,

    /// <summary>Unknown outcome (timeout, crash); the process issues nothing more.</summary>
    Info,
}

/// <summary>The <c>f</c> field of a history event.</summary>
public enum HistoryFunction
{
    /// <summary>Read a register, or a whole list for list keys.</summary>
    Read,

    /// <summary>Write a register.</summary>
    Write,

    /// <summary>Compare-and-set a register: value is <c>[expected, new]</c>.</summary>
    Cas,

    /// <summary>Append an element to a list key.</summary>
    Append,
}

/// <summary>The shape of a <see cref="HistoryValue"/>.</summary>
public enum HistoryValueKind
{
    /// <summary>JSON <c>null</c> (absent register, read invoke).</summary>
    Null,

    /// <summary>A JSON string.</summary>
    String,

    /// <summary>A JSON array of strings (or nulls): a cas pair or a list read.</summary>
    List,
}

/// <summary>
/// The <c>value</c> field of a history event: null, a string, or a list of strings
/// (a cas <c>[expected, new]</c> pair or the result of reading a list key). Immutable, value equality.
/// </summary>
public sealed class HistoryValue : IEquatable<HistoryValue>
{
    private static readonly string?[] NoItems = [];

    private HistoryValue(HistoryValueKind kind, string? text, string?[] items)
    {
        Kind = kind;
        Text = text;
        ItemsArray = items;
    }

    /// <summary>The JSON <c>null</c> value.</summary>
    public static HistoryValue Null { get; } = new(HistoryValueKind.Null, null, NoItems);

    /// <summary>Which shape this value has.</summary>
    public HistoryValueKind Kind { get; }

    /// <summary>The string for <see cref="HistoryValueKind.String"/>, otherwise <c>null</c>.</summary>
    public string? Text { get; }

    /// <summary>The items for <see cref="HistoryValueKind.List"/>, otherwise empty.</summary>
    public IReadOnlyList<string?> Items => ItemsArray;

    /// <summary>True for the JSON null value.</summary>
    public bool IsNull => Kind == HistoryValueKind.Null;

    private string?[] ItemsArray { get; }

    /// <summary>A string value, or <see cref="Null"/> when <paramref name="value"/> is null.</summary>
    public static HistoryValue Of(string? value) =>
        value is null ? Null : new HistoryValue(HistoryValueKind.String, value, NoItems);

    /// <summary>A list value (for example the result of reading a list key).</summary>
    public static HistoryValue ListOf(params IEnumerable<string?> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return new HistoryValue(HistoryValueKind.List, null, items.ToArray());
    }

    /// <summary>The value of a cas: <c>[expected, new]</c>.</summary>
    public static HistoryValue CasPair(string? expected, string? newValue) =>
        new(HistoryValueKind.List, null, [expected, newValue]);

    /// <summary>Converts a string (or null) to a value.</summary>
    public static implicit operator HistoryValue(string? value) => Of(value);

    /// <summary>Value equality.</summary>
    public static bool operator ==(HistoryValue? left, HistoryValue? right) =>
        left is null ? right is null : left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(HistoryValue? left, HistoryValue? right) => !(left == right);

    /// <inheritdoc />
    public bool Equals(HistoryValue? other)
    {
        if (other is null)
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        return Kind == other.Kind
            && string.Equals(Text, other.Text, StringComparison.Ordinal)
            && ItemsArray.AsSpan().SequenceEqual(other.ItemsArray);
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as HistoryValue);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Kind);
        hash.Add(Text, StringComparer.Ordinal);
        foreach (var item in ItemsArray)
        {
            hash.Add(item, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    /// <summary>JSON-like rendering: <c>null</c>, <c>"x"</c> or <c>["a", "b"]</c>.</summary>
    public override string ToString()
    {
        return Kind switch
        {
            HistoryValueKind.Null => "null",
            HistoryValueKind.String => Quote(Text),
            _ => "[" + string.Join(", ", ItemsArray.Select(Quote)) + "]",
        };
    }

    /// <summary>Like <see cref="ToString"/>, but a long list shows only its first and last items.</summary>
    public string ToShortString(int maxItems = 12)
    {
        if (Kind != HistoryValueKind.List || ItemsArray.Length <= maxItems || maxItems < 2)
        {
            return ToString();
        }

        var head = maxItems / 2;
        var tail = maxItems - head;
        var omitted = ItemsArray.Length - head - tail;
        return "[" + string.Join(", ", ItemsArray.Take(head).Select(Quote))
            + $", ...{omitted.ToString(System.Globalization.CultureInfo.InvariantCulture)} more..., "
            + string.Join(", ", ItemsArray.Skip(ItemsArray.Length - tail).Select(Quote)) + "]";
    }

    internal static string Quote(string? s)
    {
        if (s is null)
        {
            return "null";
        }

        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default: sb.Append(c); break;
            }
        }

        sb.Append('"');
        return sb.ToString();
    }
}

/// <summary>
/// One line of a client history (see HISTORY_FORMAT.md). <see cref="Time"/> is optional nanoseconds on
/// one monotonic clock; the order of events in a history is what the checker uses for real time.
/// </summary>
/// <param name="Process">The client that issued the operation.</param>
/// <param name="Type">invoke, ok, fail or info.</param>
/// <param name="F">read, write, cas or append.</param>
/// <param name="Key">The independent register or list the operation is on.</param>
/// <param name="Value">The operation's value (see the format).</param>
/// <param name="Time">Optional monotonic nanoseconds.</param>
public sealed record HistoryEvent(
    int Process,
    HistoryEventType Type,
    HistoryFunction F,
    string Key,
    HistoryValue Value,
    long? Time = null)
{
    /// <summary>An invoke event.</summary>
    public static HistoryEvent Invoke(int process, HistoryFunction f, string key, HistoryValue? value = null, long? time = null) =>
        new(process, HistoryEventType.Invoke, f, key, value ?? HistoryValue.Null, time);

    /// <summary>An ok completion.</summary>
    public static HistoryEvent Ok(int process, HistoryFunction f, string key, HistoryValue? value = null, long? time = null) =>
        new(process, HistoryEventType.Ok, f, key, value ?? HistoryValue.Null, time);

    /// <summary>A fail completion (the operation certainly did not take effect).</summary>
    public static HistoryEvent Fail(int process, HistoryFunction f, string key, HistoryValue? value = null, long? time = null) =>
        new(process, HistoryEventType.Fail, f, key, value ?? HistoryValue.Null, time);

    /// <summary>An info completion (unknown outcome).</summary>
    public static HistoryEvent Info(int process, HistoryFunction f, string key, HistoryValue? value = null, long? time = null) =>
        new(process, HistoryEventType.Info, f, key, value ?? HistoryValue.Null, time);

    /// <summary>The event as one JSON line (no trailing newline).</summary>
    public override string ToString() => HistoryJson.ToJsonLine(this);
}
