using System.Text;

namespace HaCore.Raft.Tests.DataDriven;

/// <summary>A parsed data-driven file: its cases and the raw lines (kept for rewriting).</summary>
public sealed class DataDrivenFile
{
    internal DataDrivenFile(string path, string[] lines, bool endsWithNewline, string newline, IReadOnlyList<ParsedCase> cases)
    {
        Path = path;
        Lines = lines;
        EndsWithNewline = endsWithNewline;
        Newline = newline;
        ParsedCases = cases;
        Cases = cases.Select(c => c.Case).ToArray();
    }

    /// <summary>The file name given to the parser.</summary>
    public string Path { get; }

    /// <summary>The cases in file order.</summary>
    public IReadOnlyList<TestCase> Cases { get; }

    internal string[] Lines { get; }

    internal bool EndsWithNewline { get; }

    internal string Newline { get; }

    internal IReadOnlyList<ParsedCase> ParsedCases { get; }
}

/// <summary>A case with the 0-based line span [OutputStart, OutputEnd) that holds its expected output block.</summary>
internal sealed record ParsedCase(TestCase Case, int OutputStart, int OutputEnd);

/// <summary>
/// Parses the cockroachdb/datadriven text format: <c>#</c> comment lines and blank lines between
/// cases; a case is a command line (a trailing <c>\</c> continues it), optional input lines, a
/// <c>----</c> line, and the expected output up to a blank line or the end of the file. Output that
/// contains blank lines is written between <c>----</c>/<c>----</c> pairs:
/// <code>
/// cmd
/// ----
/// ----
/// first
///
/// second
/// ----
/// ----
/// </code>
/// </summary>
public static class DataDrivenParser
{
    /// <summary>The separator line.</summary>
    public const string Separator = "----";

    /// <summary>Reads and parses a file.</summary>
    /// <exception cref="DataDrivenException">The file is malformed (the message names file and line).</exception>
    public static DataDrivenFile ParseFile(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Parses text; <paramref name="fileName"/> is used in <see cref="TestCase.File"/> and messages.</summary>
    /// <exception cref="DataDrivenException">The text is malformed (the message names file and line).</exception>
    public static DataDrivenFile Parse(string text, string fileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        var newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var endsWithNewline = text.EndsWith('\n');
        var body = endsWithNewline ? text[..^1] : text;
        var lines = text.Length == 0 ? [] : body.Split('\n');

        for (var k = 0; k < lines.Length; k++)
        {
            if (lines[k].EndsWith('\r'))
            {
                lines[k] = lines[k][..^1];
            }
        }

        var cases = new List<ParsedCase>();
        var i = 0;
        while (i < lines.Length)
        {
            var line = lines[i];
            if (IsBlank(line) || line.TrimStart().StartsWith('#'))
            {
                i++;
                continue;
            }

            var commandLineNumber = i + 1;
            var command = new StringBuilder(line.Trim());
            while (command.Length > 0 && command[^1] == '\\')
            {
                command.Length--;
                i++;
                if (i >= lines.Length)
                {
                    throw new DataDrivenException(fileName, commandLineNumber, "command line ends with \\ at the end of the file");
                }

                command.Append(' ').Append(lines[i].Trim());
            }

            i++;
            var input = new List<string>();
            while (i < lines.Length && !IsSeparator(lines[i]))
            {
                input.Add(lines[i]);
                i++;
            }

            if (i >= lines.Length)
            {
                throw new DataDrivenException(fileName, commandLineNumber, $"expected a {Separator} line after the command (and input) before the end of the file");
            }

            i++; // the separator
            var outputStart = i;
            var expected = new List<string>();
            if (i < lines.Length && IsSeparator(lines[i]))
            {
                // ----/---- block: up to the closing ----/---- pair.
                var blockLine = i - 1;
                i++;
                while (true)
                {
                    if (i >= lines.Length)
                    {
                        throw new DataDrivenException(fileName, blockLine + 1, $"unterminated {Separator}/{Separator} output block (expected a closing {Separator} line followed by another {Separator} line)");
                    }

                    if (IsSeparator(lines[i]) && i + 1 < lines.Length && IsSeparator(lines[i + 1]))
                    {
                        i += 2;
                        break;
                    }

                    expected.Add(lines[i]);
                    i++;
                }

                if (i < lines.Length && !IsBlank(lines[i]))
                {
                    throw new DataDrivenException(fileName, i + 1, $"expected a blank line after the closing {Separator}/{Separator}");
                }
            }
            else
            {
                while (i < lines.Length && !IsBlank(lines[i]))
                {
                    expected.Add(lines[i]);
                    i++;
                }
            }

            var commandText = command.ToString();
            var (name, args) = ParseCommandLine(commandText, fileName, commandLineNumber);
            var testCase = new TestCase(
                name,
                args,
                string.Join('\n', input),
                DataDrivenRunner.Normalize(string.Join('\n', expected)),
                commandLineNumber,
                fileName,
                commandText);
            cases.Add(new ParsedCase(testCase, outputStart, i));
        }

        return new DataDrivenFile(fileName, lines, endsWithNewline, newline, cases);
    }

    /// <summary>Splits a command line into the command name and its arguments.</summary>
    /// <exception cref="DataDrivenException">Unbalanced parentheses or quotes.</exception>
    public static (string Command, IReadOnlyList<CommandArg> Args) ParseCommandLine(string commandLine, string fileName = "", int line = 0)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        var s = commandLine;
        var pos = 0;
        SkipSpace();
        var start = pos;
        while (pos < s.Length && !char.IsWhiteSpace(s[pos]))
        {
            pos++;
        }

        var command = s[start..pos];
        var args = new List<CommandArg>();
        while (true)
        {
            SkipSpace();
            if (pos >= s.Length)
            {
                break;
            }

            start = pos;
            while (pos < s.Length && !char.IsWhiteSpace(s[pos]) && s[pos] != '=')
            {
                pos++;
            }

            var key = s[start..pos];
            if (pos >= s.Length || s[pos] != '=')
            {
                args.Add(new CommandArg(key, [], isPositional: true));
                continue;
            }

            pos++; // '='
            if (pos < s.Length && s[pos] == '(')
            {
                var close = s.IndexOf(')', pos);
                if (close < 0)
                {
                    throw new DataDrivenException(fileName, line, $"argument {key}=( has no closing parenthesis");
                }

                var inner = s[(pos + 1)..close];
                var values = string.IsNullOrWhiteSpace(inner)
                    ? []
                    : inner.Split(',').Select(v => v.Trim()).ToArray();
                args.Add(new CommandArg(key, values, isPositional: false));
                pos = close + 1;
            }
            else if (pos < s.Length && s[pos] == '"')
            {
                var close = s.IndexOf('"', pos + 1);
                if (close < 0)
                {
                    throw new DataDrivenException(fileName, line, $"argument {key}=\" has no closing quote");
                }

                args.Add(new CommandArg(key, [s[(pos + 1)..close]], isPositional: false));
                pos = close + 1;
            }
            else
            {
                start = pos;
                while (pos < s.Length && !char.IsWhiteSpace(s[pos]))
                {
                    pos++;
                }

                args.Add(new CommandArg(key, [s[start..pos]], isPositional: false));
            }
        }

        return (command, args);

        void SkipSpace()
        {
            while (pos < s.Length && char.IsWhiteSpace(s[pos]))
            {
                pos++;
            }
        }
    }

    internal static bool IsBlank(string line) => string.IsNullOrWhiteSpace(line);

    internal static bool IsSeparator(string line) => line.TrimEnd() == Separator;
}
