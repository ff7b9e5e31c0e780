using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace HaCore.Testing.History;

/// <summary>A history file or line that does not follow HISTORY_FORMAT.md.</summary>
public sealed class HistoryFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HistoryFormatException()
        : this("malformed history")
    {
    }

    /// <summary>Creates the exception.</summary>
    public HistoryFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public HistoryFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a line of a file.</summary>
    public HistoryFormatException(string? source, int lineNumber, string problem, Exception? innerException = null)
        : base($"{source ?? "history"}:{lineNumber.ToString(CultureInfo.InvariantCulture)}: {problem}", innerException)
    {
        FileName = source;
        LineNumber = lineNumber;
    }

    /// <summary>The file (or source name) of the offending line, when known.</summary>
    public string? FileName { get; }

    /// <summary>1-based line number of the offending line, 0 when not known.</summary>
    public int LineNumber { get; }
}

/// <summary>Reads and writes histories as JSON Lines (one event per line).</summary>
public static class HistoryJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>Renders one event as a JSON object on one line (no newline).</summary>
    public static string ToJsonLine(HistoryEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteNumber("process", e.Process);
            w.WriteString("type", Name(e.Type));
            w.WriteString("f", Name(e.F));
            w.WriteString("key", e.Key);
            w.WritePropertyName("value");
            WriteValue(w, e.Value);
            if (e.Time is { } time)
            {
                w.WriteNumber("time", time);
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes the events to <paramref name="writer"/>, one JSON line each.</summary>
    public static void Write(TextWriter writer, IEnumerable<HistoryEvent> events)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            writer.Write(ToJsonLine(e));
            writer.Write('\n');
        }
    }

    /// <summary>Writes the events to a file (created or replaced), one JSON line each.</summary>
    public static void WriteFile(string path, IEnumerable<HistoryEvent> events)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        Write(writer, events);
    }

    /// <summary>Reads a JSONL history file. Blank lines are skipped.</summary>
    /// <exception cref="HistoryFormatException">A line is malformed; the message names the file and line.</exception>
    public static IReadOnlyList<HistoryEvent> ReadFile(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        return Read(reader, path);
    }

    /// <summary>Parses JSONL text. Blank lines are skipped.</summary>
    /// <exception cref="HistoryFormatException">A line is malformed; the message names the line.</exception>
    public static IReadOnlyList<HistoryEvent> Parse(string text, string? source = null)
    {
        using var reader = new StringReader(text);
        return Read(reader, source);
    }

    /// <summary>Reads JSONL from a reader. Blank lines are skipped.</summary>
    /// <exception cref="HistoryFormatException">A line is malformed; the message names the line.</exception>
    public static IReadOnlyList<HistoryEvent> Read(TextReader reader, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var events = new List<HistoryEvent>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            events.Add(ParseLine(line, source, lineNumber));
        }

        return events;
    }

    /// <summary>Parses one JSON line into an event.</summary>
    /// <exception cref="HistoryFormatException">The line is malformed.</exception>
    public static HistoryEvent ParseLine(string line, string? source = null, int lineNumber = 1)
    {
        ArgumentNullException.ThrowIfNull(line);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            throw new HistoryFormatException(source, lineNumber, "invalid JSON: " + ex.Message, ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Error("expected a JSON object, got " + root.ValueKind);
            }

            int? process = null;
            HistoryEventType? type = null;
            HistoryFunction? f = null;
            string? key = null;
            var value = HistoryValue.Null;
            long? time = null;
            foreach (var prop in root.EnumerateObject())
            {
                switch (prop.Name)
                {
                    case "process":
                        if (prop.Value.ValueKind != JsonValueKind.Number || !prop.Value.TryGetInt32(out var p))
                        {
                            throw Error($"\"process\" must be an integer, got {prop.Value.GetRawText()}");
                        }

                        process = p;
                        break;
                    case "type":
                        type = prop.Value.ValueKind == JsonValueKind.String ? ParseType(prop.Value.GetString()!) : null;
                        if (type is null)
                        {
                            throw Error($"\"type\" must be one of \"invoke\", \"ok\", \"fail\", \"info\", got {prop.Value.GetRawText()}");
                        }

                        break;
                    case "f":
                        f = prop.Value.ValueKind == JsonValueKind.String ? ParseFunction(prop.Value.GetString()!) : null;
                        if (f is null)
                        {
                            throw Error($"\"f\" must be one of \"read\", \"write\", \"cas\", \"append\", got {prop.Value.GetRawText()}");
                        }

                        break;
                    case "key":
                        if (prop.Value.ValueKind != JsonValueKind.String)
                        {
                            throw Error($"\"key\" must be a string, got {prop.Value.GetRawText()}");
                        }

                        key = prop.Value.GetString();
                        break;
                    case "value":
                        value = ParseValue(prop.Value) ?? throw Error(
                            $"\"value\" must be null, a string or an array of strings, got {prop.Value.GetRawText()}");
                        break;
                    case "time":
                        if (prop.Value.ValueKind == JsonValueKind.Null)
                        {
                            time = null;
                        }
                        else if (prop.Value.ValueKind == JsonValueKind.Number && prop.Value.TryGetInt64(out var t))
                        {
                            time = t;
                        }
                        else
                        {
                            throw Error($"\"time\" must be an integer (nanoseconds), got {prop.Value.GetRawText()}");
                        }

                        break;
                    default:
                        break; // unknown fields are ignored (forward compatible)
                }
            }

            if (process is null)
            {
                throw Error("missing \"process\"");
            }

            if (type is null)
            {
                throw Error("missing \"type\"");
            }

            if (f is null)
            {
                throw Error("missing \"f\"");
            }

            if (key is null)
            {
                throw Error("missing \"key\"");
            }

            return new HistoryEvent(process.Value, type.Value, f.Value, key, value, time);
        }

        HistoryFormatException Error(string problem) => new(source, lineNumber, problem);
    }

    internal static string Name(HistoryEventType type) => type switch
    {
        HistoryEventType.Invoke => "invoke",
        HistoryEventType.Ok => "ok",
        HistoryEventType.Fail => "fail",
        HistoryEventType.Info => "info",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    internal static string Name(HistoryFunction f) => f switch
    {
        HistoryFunction.Read => "read",
        HistoryFunction.Write => "write",
        HistoryFunction.Cas => "cas",
        HistoryFunction.Append => "append",
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, null),
    };

    private static HistoryEventType? ParseType(string s) => s switch
    {
        "invoke" => HistoryEventType.Invoke,
        "ok" => HistoryEventType.Ok,
        "fail" => HistoryEventType.Fail,
        "info" => HistoryEventType.Info,
        _ => null,
    };

    private static HistoryFunction? ParseFunction(string s) => s switch
    {
        "read" => HistoryFunction.Read,
        "write" => HistoryFunction.Write,
        "cas" => HistoryFunction.Cas,
        "append" => HistoryFunction.Append,
        _ => null,
    };

    private static HistoryValue? ParseValue(JsonElement v)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.Null:
                return HistoryValue.Null;
            case JsonValueKind.String:
                return HistoryValue.Of(v.GetString());
            case JsonValueKind.Array:
                var items = new List<string?>();
                foreach (var item in v.EnumerateArray())
                {
                    switch (item.ValueKind)
                    {
                        case JsonValueKind.Null: items.Add(null); break;
                        case JsonValueKind.String: items.Add(item.GetString()); break;
                        default: return null;
                    }
                }

                return HistoryValue.ListOf(items);
            default:
                return null;
        }
    }

    private static void WriteValue(Utf8JsonWriter w, HistoryValue value)
    {
        switch (value.Kind)
        {
            case HistoryValueKind.Null:
                w.WriteNullValue();
                break;
            case HistoryValueKind.String:
                w.WriteStringValue(value.Text);
                break;
            default:
                w.WriteStartArray();
                foreach (var item in value.Items)
                {
                    if (item is null)
                    {
                        w.WriteNullValue();
                    }
                    else
                    {
                        w.WriteStringValue(item);
                    }
                }

                w.WriteEndArray();
                break;
        }
    }
}
