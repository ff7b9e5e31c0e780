using System.Globalization;

namespace HaCore.Raft.Tests.DataDriven;

/// <summary>A malformed data-driven file, a bad argument, or a handler failure, located at file:line.</summary>
public sealed class DataDrivenException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DataDrivenException()
        : this("data-driven test error")
    {
    }

    /// <summary>Creates the exception.</summary>
    public DataDrivenException(string message)
        : base(message)
    {
        File = string.Empty;
    }

    /// <summary>Creates the exception.</summary>
    public DataDrivenException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = string.Empty;
    }

    /// <summary>Creates the exception for a location in a file.</summary>
    public DataDrivenException(string file, int line, string problem, Exception? innerException = null)
        : base($"{file}:{line.ToString(CultureInfo.InvariantCulture)}: {problem}", innerException)
    {
        File = file;
        Line = line;
    }

    /// <summary>The file, or empty when unknown.</summary>
    public string File { get; }

    /// <summary>The 1-based line, or 0 when unknown.</summary>
    public int Line { get; }
}

/// <summary>
/// One argument of a command line: <c>key=value</c> (one value), <c>key=(v1, v2)</c> (a list) or a
/// bare positional value (<see cref="Key"/> is the value and <see cref="Values"/> is empty).
/// </summary>
public sealed class CommandArg
{
    /// <summary>Creates an argument.</summary>
    public CommandArg(string key, IReadOnlyList<string> values, bool isPositional)
    {
        Key = key;
        Values = values;
        IsPositional = isPositional;
    }

    /// <summary>The key, or for a positional argument the value itself.</summary>
    public string Key { get; }

    /// <summary>The values after <c>=</c>: one for <c>key=value</c>, any number for <c>key=(...)</c>, none for positional.</summary>
    public IReadOnlyList<string> Values { get; }

    /// <summary>True for a bare value without <c>=</c>.</summary>
    public bool IsPositional { get; }

    /// <summary>Renders the argument as it would be written.</summary>
    public override string ToString()
    {
        if (IsPositional)
        {
            return Key;
        }

        return Values.Count == 1 ? $"{Key}={Values[0]}" : $"{Key}=({string.Join(", ", Values)})";
    }
}

/// <summary>
/// One case of a data-driven file: a command line, optional input lines, and the expected output.
/// The Scan helpers read arguments and throw a <see cref="DataDrivenException"/> naming the file and line.
/// </summary>
public sealed class TestCase
{
    /// <summary>Creates a test case.</summary>
    public TestCase(string command, IReadOnlyList<CommandArg> args, string input, string expected, int line, string file, string commandLine)
    {
        Command = command;
        Args = args;
        Input = input;
        Expected = expected;
        Line = line;
        File = file;
        CommandLine = commandLine;
    }

    /// <summary>The command name (first word of the command line).</summary>
    public string Command { get; }

    /// <summary>The arguments after the command name, in order.</summary>
    public IReadOnlyList<CommandArg> Args { get; }

    /// <summary>Lines between the command line and <c>----</c>, joined with <c>\n</c> (empty when none).</summary>
    public string Input { get; }

    /// <summary>The expected output, joined with <c>\n</c>, trailing whitespace removed.</summary>
    public string Expected { get; }

    /// <summary>1-based line of the command line.</summary>
    public int Line { get; }

    /// <summary>The file the case came from.</summary>
    public string File { get; }

    /// <summary>The whole command line (continuations joined).</summary>
    public string CommandLine { get; }

    /// <summary>"file:line", for messages.</summary>
    public string Location => $"{File}:{Line.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The bare positional arguments, in order.</summary>
    public IReadOnlyList<string> Positional => Args.Where(a => a.IsPositional).Select(a => a.Key).ToArray();

    /// <summary>An exception located at this case, to <c>throw</c> from a handler.</summary>
    public DataDrivenException Fail(string message) => new(File, Line, $"{Command}: {message}");

    /// <summary>True when an argument <c>key=...</c> (or a positional <c>key</c>) is present.</summary>
    public bool HasArg(string key) => TryGetArg(key, out _);

    /// <summary>Finds the first argument with this key (or positional value).</summary>
    public bool TryGetArg(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CommandArg? arg)
    {
        foreach (var a in Args)
        {
            if (string.Equals(a.Key, key, StringComparison.Ordinal))
            {
                arg = a;
                return true;
            }
        }

        arg = null;
        return false;
    }

    /// <summary>The argument with this key; throws when missing.</summary>
    public CommandArg GetArg(string key) =>
        TryGetArg(key, out var arg) ? arg : throw Fail($"missing argument {key}=");

    /// <summary>The single value of <c>key=value</c>; throws when missing or not exactly one value.</summary>
    public string ScanString(string key)
    {
        var arg = GetArg(key);
        if (arg.IsPositional || arg.Values.Count != 1)
        {
            throw Fail($"argument {key} must have exactly one value, got {arg}");
        }

        return arg.Values[0];
    }

    /// <summary>The single value of <c>key=value</c>, or <paramref name="defaultValue"/> when absent.</summary>
    public string ScanString(string key, string defaultValue) => HasArg(key) ? ScanString(key) : defaultValue;

    /// <summary>The values of <c>key=(v1, v2)</c> (or of <c>key=v</c> as a one-item list); throws when missing.</summary>
    public IReadOnlyList<string> ScanStrings(string key)
    {
        var arg = GetArg(key);
        if (arg.IsPositional)
        {
            throw Fail($"argument {key} needs values ({key}=v or {key}=(v1, v2))");
        }

        return arg.Values;
    }

    /// <summary>Parses <c>key=value</c> as an unsigned 64-bit integer; throws when missing or invalid.</summary>
    public ulong ScanUInt64(string key) => ParseUInt64(key, ScanString(key));

    /// <summary>Parses <c>key=value</c> as an unsigned 64-bit integer, or <paramref name="defaultValue"/> when absent.</summary>
    public ulong ScanUInt64(string key, ulong defaultValue) => HasArg(key) ? ScanUInt64(key) : defaultValue;

    /// <summary>Tries <c>key=value</c> as an unsigned 64-bit integer: false when absent; throws when invalid.</summary>
    public bool TryScanUInt64(string key, out ulong value)
    {
        if (!HasArg(key))
        {
            value = 0;
            return false;
        }

        value = ScanUInt64(key);
        return true;
    }

    /// <summary>Parses every value of <c>key=(v1, v2)</c> as an unsigned 64-bit integer.</summary>
    public IReadOnlyList<ulong> ScanUInt64s(string key) => ScanStrings(key).Select(v => ParseUInt64(key, v)).ToArray();

    /// <summary>Parses <c>key=value</c> as a 64-bit integer; throws when missing or invalid.</summary>
    public long ScanInt64(string key)
    {
        var text = ScanString(key);
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw Fail($"argument {key}={text} is not an integer");
    }

    /// <summary>Parses <c>key=value</c> as a 32-bit integer; throws when missing or invalid.</summary>
    public int ScanInt32(string key)
    {
        var text = ScanString(key);
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw Fail($"argument {key}={text} is not a 32-bit integer");
    }

    /// <summary>Parses <c>key=value</c> as a 32-bit integer, or <paramref name="defaultValue"/> when absent.</summary>
    public int ScanInt32(string key, int defaultValue) => HasArg(key) ? ScanInt32(key) : defaultValue;

    /// <summary>Parses <c>key=true|false</c>; a bare <c>key</c> means true; absent means <paramref name="defaultValue"/>.</summary>
    public bool ScanBool(string key, bool defaultValue = false)
    {
        if (!TryGetArg(key, out var arg))
        {
            return defaultValue;
        }

        if (arg.IsPositional)
        {
            return true;
        }

        var text = ScanString(key);
        return bool.TryParse(text, out var v) ? v : throw Fail($"argument {key}={text} is not true or false");
    }

    /// <summary>The positional argument at <paramref name="index"/> as an unsigned 64-bit integer.</summary>
    public ulong PositionalUInt64(int index)
    {
        var positional = Positional;
        if (index < 0 || index >= positional.Count)
        {
            throw Fail($"missing positional argument #{(index + 1).ToString(CultureInfo.InvariantCulture)} (got {positional.Count.ToString(CultureInfo.InvariantCulture)})");
        }

        return ParseUInt64($"#{(index + 1).ToString(CultureInfo.InvariantCulture)}", positional[index]);
    }

    /// <summary>All positional arguments as unsigned 64-bit integers.</summary>
    public IReadOnlyList<ulong> PositionalUInt64s() =>
        Positional.Select((v, i) => ParseUInt64($"#{(i + 1).ToString(CultureInfo.InvariantCulture)}", v)).ToArray();

    /// <inheritdoc />
    public override string ToString() => $"{Location}: {CommandLine}";

    private ulong ParseUInt64(string key, string text) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw Fail($"argument {key}={text} is not an unsigned integer");
}
