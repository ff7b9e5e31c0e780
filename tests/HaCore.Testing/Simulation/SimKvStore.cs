using System.Buffers.Binary;
using System.Text;

namespace HaCore.Testing.Simulation;

/// <summary>The operations of the simulated register store.</summary>
public enum KvOp : byte
{
    /// <summary>Set a key.</summary>
    Write = 1,

    /// <summary>Compare-and-set a key.</summary>
    Cas = 2,
}

/// <summary>A command of the register store, with the client operation id that proposed it.</summary>
/// <param name="Op">What to do.</param>
/// <param name="OperationId">Unique per client operation: identifies the entry when it is applied.</param>
/// <param name="Key">The register.</param>
/// <param name="Value">The value to write (the new value for a CAS).</param>
/// <param name="Expected">For a CAS, the value expected (null: absent).</param>
public sealed record KvCommand(KvOp Op, ulong OperationId, string Key, string Value, string? Expected)
{
    /// <summary>Encodes the command as an entry payload.</summary>
    public byte[] Encode()
    {
        var key = Encoding.UTF8.GetBytes(Key);
        var value = Encoding.UTF8.GetBytes(Value);
        var expected = Expected is null ? [] : Encoding.UTF8.GetBytes(Expected);
        var buffer = new byte[1 + 8 + 1 + (3 * 2) + key.Length + value.Length + expected.Length];
        var span = buffer.AsSpan();
        span[0] = (byte)Op;
        BinaryPrimitives.WriteUInt64LittleEndian(span[1..], OperationId);
        span[9] = Expected is null ? (byte)0 : (byte)1;
        var at = 10;
        foreach (var part in new[] { key, value, expected })
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)part.Length);
            part.CopyTo(span[(at + 2)..]);
            at += 2 + part.Length;
        }

        return buffer;
    }

    /// <summary>Decodes an entry payload.</summary>
    /// <exception cref="FormatException">The payload is not a command.</exception>
    public static KvCommand Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length < 16 || data[0] is not ((byte)KvOp.Write or (byte)KvOp.Cas))
        {
            throw new FormatException("Not a register command.");
        }

        var op = (KvOp)data[0];
        var id = BinaryPrimitives.ReadUInt64LittleEndian(data[1..]);
        var hasExpected = data[9] == 1;
        var at = 10;
        var parts = new string[3];
        for (var i = 0; i < 3; i++)
        {
            var len = BinaryPrimitives.ReadUInt16LittleEndian(data[at..]);
            parts[i] = Encoding.UTF8.GetString(data.Slice(at + 2, len));
            at += 2 + len;
        }

        return new KvCommand(op, id, parts[0], parts[1], hasExpected ? parts[2] : null);
    }
}

/// <summary>The deterministic register store the simulated cluster replicates.</summary>
public sealed class SimKvStore
{
    private readonly SortedDictionary<string, string> _values = new(StringComparer.Ordinal);

    /// <summary>The index of the last applied entry.</summary>
    public ulong AppliedIndex { get; private set; }

    /// <summary>Reads a register (null when absent).</summary>
    public string? Read(string key) => _values.TryGetValue(key, out var v) ? v : null;

    /// <summary>Applies a command; returns true when it took effect (a CAS may not).</summary>
    public bool Apply(ulong index, KvCommand command)
    {
        AppliedIndex = index;
        switch (command.Op)
        {
            case KvOp.Write:
                _values[command.Key] = command.Value;
                return true;
            case KvOp.Cas:
                if (Read(command.Key) == command.Expected)
                {
                    _values[command.Key] = command.Value;
                    return true;
                }

                return false;
            default:
                throw new InvalidOperationException($"Unknown op {command.Op}.");
        }
    }

    /// <summary>Advances the applied index over an entry that is not a command (no-op, membership).</summary>
    public void Skip(ulong index) => AppliedIndex = index;

    /// <summary>Serializes the whole state.</summary>
    public byte[] Snapshot()
    {
        var sb = new StringBuilder();
        sb.Append(AppliedIndex).Append('\n');
        foreach (var (k, v) in _values)
        {
            sb.Append(k).Append('=').Append(v).Append('\n');
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Replaces the state with a snapshot.</summary>
    public void Restore(ReadOnlySpan<byte> snapshot)
    {
        _values.Clear();
        var lines = Encoding.UTF8.GetString(snapshot).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        AppliedIndex = lines.Length == 0 ? 0 : ulong.Parse(lines[0], System.Globalization.CultureInfo.InvariantCulture);
        foreach (var line in lines.Skip(1))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            _values[line[..eq]] = line[(eq + 1)..];
        }
    }

    /// <summary>A canonical text of the state, for comparing replicas.</summary>
    public string Dump() => string.Join(",", _values.Select(kv => $"{kv.Key}={kv.Value}"));
}
