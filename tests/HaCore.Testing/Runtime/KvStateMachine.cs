using System.Buffers;
using System.Text;
using HaCore;

namespace HaCore.Testing.Runtime;

/// <summary>A string register store for tests: <c>set key value</c> returns the previous value;
/// <c>inc key</c> increments a counter and returns the new count (so a double apply shows); <c>cas key expected new</c>
/// swaps when the value is <c>expected</c> (<c>-</c>: absent) and returns <c>true</c> or <c>false</c>; <c>append key e</c>
/// adds <c>e</c> to a comma-separated list (so a double apply shows as a repeated element).</summary>
public sealed class KvStateMachine : IStateMachine<string, string>, ILeadershipGate
{
    private readonly SortedDictionary<string, string> _values = new(StringComparer.Ordinal);

    /// <summary>When set, this node refuses leadership while the function returns a reason (<see cref="ILeadershipGate"/>):
    /// tests use it to play a node whose own configuration differs from a committed one.</summary>
    public Func<KvStateMachine, string?>? Gate { get; set; }

    /// <inheritdoc />
    public string? LeadershipRefusal => Gate?.Invoke(this);

    public int Applied { get; private set; }

    public string? Get(string key) => _values.TryGetValue(key, out var v) ? v : null;

    public IReadOnlyDictionary<string, string> Values => _values;

    public string Apply(in CommandContext context, string command)
    {
        Applied++;
        var parts = command.Split(' ', 3);
        if (parts[0] == "set" && parts.Length == 3)
        {
            var previous = Get(parts[1]) ?? "";
            _values[parts[1]] = parts[2];
            return previous;
        }

        if (parts[0] == "inc" && parts.Length == 2)
        {
            var count = (long.TryParse(Get(parts[1]), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0) + 1;
            _values[parts[1]] = count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return _values[parts[1]];
        }

        if (parts[0] == "cas" && parts.Length == 3 && parts[2].Split(' ') is [var expected, var replacement])
        {
            // cas key expected new ("-" expects an absent key): "true" when it swapped, "false" otherwise.
            var current = Get(parts[1]);
            if (expected == "-" ? current is null : current == expected)
            {
                _values[parts[1]] = replacement;
                return "true";
            }

            return "false";
        }

        if (parts[0] == "append" && parts.Length == 3)
        {
            // append key element: the list is the elements joined by commas; returns the new list.
            var list = Get(parts[1]);
            _values[parts[1]] = list is null ? parts[2] : list + "," + parts[2];
            return _values[parts[1]];
        }

        return "error: unknown command";
    }

    public void WriteSnapshot(IBufferWriter<byte> writer)
    {
        var text = string.Join("\n", _values.Select(kv => $"{kv.Key}={kv.Value}")) + $"\n#{Applied}";
        writer.Write(Encoding.UTF8.GetBytes(text));
    }

    public void RestoreSnapshot(ReadOnlySequence<byte> snapshot)
    {
        _values.Clear();
        foreach (var line in Encoding.UTF8.GetString(snapshot.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                Applied = int.Parse(line[1..], System.Globalization.CultureInfo.InvariantCulture);
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            _values[line[..eq]] = line[(eq + 1)..];
        }
    }
}

/// <summary>UTF-8 strings.</summary>
public sealed class StringCodec : ICommandCodec<string>
{
    public static readonly StringCodec Instance = new();

    public void Encode(string value, IBufferWriter<byte> writer) => writer.Write(Encoding.UTF8.GetBytes(value));

    public string Decode(ReadOnlySequence<byte> payload) => Encoding.UTF8.GetString(payload.ToArray());

    public string Decode(ReadOnlySpan<byte> payload) => Encoding.UTF8.GetString(payload);
}

