using System.Globalization;

namespace HaCore.Testing.Chaos;

/// <summary>The nodes a chaos client can send requests to.</summary>
public interface IChaosTargets
{
    /// <summary>The node ids.</summary>
    IEnumerable<ulong> Ids { get; }

    /// <summary>Whether the node's process is running, as far as this side knows.</summary>
    bool IsRunning(ulong id);

    /// <summary>A connection to the node's client port, reused for one request at a time.</summary>
    LineConnection Connect(ulong id);
}

/// <summary>
/// The targets of a client in another process than the cluster's: a file of <c>&lt;id&gt; &lt;client port&gt;</c>
/// lines that the cluster rewrites when a node moves to other ports, read again at every connect. Such a client
/// cannot tell a stopped node from a slow one: every node counts as running, and a stopped node is found out by
/// the refused connection.
/// </summary>
public sealed class TargetsFile : IChaosTargets
{
    private readonly string _path;
    private readonly ulong[] _ids;

    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="FormatException">A line is not an id and a port.</exception>
    public TargetsFile(string path)
    {
        _path = path;
        _ids = [.. Read().Keys.Order()];
    }

    /// <inheritdoc />
    public IEnumerable<ulong> Ids => _ids;

    /// <inheritdoc />
    public bool IsRunning(ulong id) => true;

    /// <inheritdoc />
    public LineConnection Connect(ulong id) => new(() => Read()[id], id);

    /// <summary>Writes <paramref name="ports"/> to <paramref name="path"/> atomically (a reader never sees half a file).</summary>
    public static void Write(string path, IEnumerable<(ulong Id, int Port)> ports)
    {
        var temporary = path + ".tmp";
        File.WriteAllLines(temporary, ports.Select(p => FormattableString.Invariant($"{p.Id} {p.Port}")));
        File.Move(temporary, path, overwrite: true);
    }

    private Dictionary<ulong, int> Read() =>
        File.ReadAllLines(_path)
            .Where(l => l.Length > 0)
            .Select(l => l.Split(' '))
            .ToDictionary(p => ulong.Parse(p[0], CultureInfo.InvariantCulture), p => int.Parse(p[1], CultureInfo.InvariantCulture));
}
