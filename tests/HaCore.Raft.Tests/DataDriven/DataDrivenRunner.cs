using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Xunit.Sdk;

namespace HaCore.Raft.Tests.DataDriven;

/// <summary>A data-driven case whose actual output differs from the expected output.</summary>
public sealed class DataDrivenMismatchException : XunitException
{
    /// <summary>Creates the exception.</summary>
    public DataDrivenMismatchException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// Runs data-driven test files (the cockroachdb/datadriven format used by etcd-raft's interaction
/// tests; see <see cref="DataDrivenParser"/>). Each case's command goes to a handler that returns the
/// actual output, which is compared with the expected output after removing trailing whitespace on
/// every line and trailing blank lines. With the environment variable <c>HACORE_REWRITE=1</c> the
/// file is instead written back with the actual outputs (comments, blank lines, commands and inputs
/// untouched; outputs that already match are kept byte for byte), so expected outputs can be
/// regenerated and reviewed as diffs. Point it at the source file (see <see cref="SourcePath"/>), not
/// a copy in the build output.
/// </summary>
public static class DataDrivenRunner
{
    /// <summary>The environment variable that switches on rewrite mode.</summary>
    public const string RewriteVariable = "HACORE_REWRITE";

    /// <summary>True when <c>HACORE_REWRITE</c> asks for rewriting.</summary>
    public static bool RewriteRequested => IsRewriteValue(Environment.GetEnvironmentVariable(RewriteVariable));

    /// <summary>True for the values of <c>HACORE_REWRITE</c> that switch rewriting on: <c>1</c> or <c>true</c>.</summary>
    public static bool IsRewriteValue(string? value) =>
        value is not null && (value.Trim() == "1" || value.Trim().Equals("true", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Runs every case of <paramref name="path"/> in order; rewrites the file when
    /// <see cref="RewriteRequested"/>, otherwise fails on the first mismatch (after running all cases).
    /// </summary>
    /// <exception cref="DataDrivenMismatchException">An output differs (the message names file, line, command, expected and actual).</exception>
    /// <exception cref="DataDrivenException">The file is malformed or the handler threw.</exception>
    public static void RunFile(string path, Func<TestCase, string> handler) => RunFile(path, handler, RewriteRequested);

    /// <summary>Like <see cref="RunFile(string, Func{TestCase, string})"/> with rewrite mode given explicitly.</summary>
    public static void RunFile(string path, Func<TestCase, string> handler, bool rewrite)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var file = DataDrivenParser.ParseFile(path);
        var actuals = new string[file.ParsedCases.Count];
        var mismatches = new List<int>();
        for (var c = 0; c < file.ParsedCases.Count; c++)
        {
            var testCase = file.ParsedCases[c].Case;
            string output;
            try
            {
                output = handler(testCase);
            }
            catch (DataDrivenException)
            {
                throw;
            }
            catch (Exception ex)
            {
                throw new DataDrivenException(testCase.File, testCase.Line, $"{testCase.CommandLine}: handler threw {ex.GetType().Name}: {ex.Message}", ex);
            }

            actuals[c] = Normalize(output ?? string.Empty);
            if (!string.Equals(actuals[c], testCase.Expected, StringComparison.Ordinal))
            {
                mismatches.Add(c);
            }
        }

        if (rewrite)
        {
            if (mismatches.Count > 0)
            {
                var text = Rewrite(file, actuals);
                File.WriteAllText(path, text, new UTF8Encoding(false));
            }

            return;
        }

        if (mismatches.Count > 0)
        {
            throw new DataDrivenMismatchException(DescribeMismatches(file, actuals, mismatches));
        }
    }

    /// <summary>
    /// The files under <paramref name="directory"/> (recursively) matching <paramref name="searchPattern"/>,
    /// sorted by ordinal path, for example to feed a <c>[Theory]</c> with one data-driven file per case.
    /// </summary>
    public static IReadOnlyList<string> ListFiles(string directory, string searchPattern = "*.txt")
    {
        var files = Directory.GetFiles(directory, searchPattern, SearchOption.AllDirectories);
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary>
    /// The path of a file relative to the directory of the calling source file (via
    /// <see cref="CallerFilePathAttribute"/>), so tests read and rewrite files in the source tree.
    /// </summary>
    public static string SourcePath(string relativePath, [CallerFilePath] string callerFilePath = "")
    {
        var dir = Path.GetDirectoryName(callerFilePath) ?? ".";
        return Path.GetFullPath(Path.Combine(dir, relativePath));
    }

    /// <summary>
    /// Normalizes output for comparison: <c>\r\n</c> to <c>\n</c>, trailing whitespace removed from every
    /// line, trailing blank lines removed.
    /// </summary>
    public static string Normalize(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var lines = output.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            lines[i] = lines[i].TrimEnd();
        }

        return string.Join('\n', lines).TrimEnd('\n');
    }

    /// <summary>
    /// The lines that hold <paramref name="output"/> after a case's <c>----</c> line: as is, or in a
    /// <c>----</c>/<c>----</c> block when it contains blank lines (or starts with <c>----</c>).
    /// </summary>
    public static IReadOnlyList<string> RenderOutput(string output)
    {
        var normalized = Normalize(output);
        if (normalized.Length == 0)
        {
            return [];
        }

        var lines = normalized.Split('\n');
        if (lines.Any(DataDrivenParser.IsBlank) || DataDrivenParser.IsSeparator(lines[0]))
        {
            return [DataDrivenParser.Separator, .. lines, DataDrivenParser.Separator, DataDrivenParser.Separator];
        }

        return lines;
    }

    /// <summary>The text of <paramref name="file"/> with each case's output replaced where it differs.</summary>
    internal static string Rewrite(DataDrivenFile file, IReadOnlyList<string> actuals)
    {
        var result = new List<string>(file.Lines.Length);
        var next = 0;
        for (var c = 0; c < file.ParsedCases.Count; c++)
        {
            var parsed = file.ParsedCases[c];
            for (; next < parsed.OutputStart; next++)
            {
                result.Add(file.Lines[next]);
            }

            if (string.Equals(actuals[c], parsed.Case.Expected, StringComparison.Ordinal))
            {
                for (; next < parsed.OutputEnd; next++)
                {
                    result.Add(file.Lines[next]);
                }
            }
            else
            {
                result.AddRange(RenderOutput(actuals[c]));
                next = parsed.OutputEnd;
            }
        }

        for (; next < file.Lines.Length; next++)
        {
            result.Add(file.Lines[next]);
        }

        var text = string.Join(file.Newline, result);
        return file.EndsWithNewline ? text + file.Newline : text;
    }

    private static string DescribeMismatches(DataDrivenFile file, string[] actuals, List<int> mismatches)
    {
        var ic = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        var first = file.ParsedCases[mismatches[0]].Case;
        sb.Append(ic, $"{first.Location}: output mismatch for command: {first.CommandLine}\n");
        sb.Append("expected:\n");
        AppendIndented(sb, first.Expected);
        sb.Append("actual:\n");
        AppendIndented(sb, actuals[mismatches[0]]);
        if (mismatches.Count > 1)
        {
            sb.Append(ic, $"{mismatches.Count - 1} more case(s) differ, at lines: ");
            sb.AppendJoin(", ", mismatches.Skip(1).Select(m => file.ParsedCases[m].Case.Line.ToString(ic)));
            sb.Append('\n');
        }

        sb.Append(ic, $"(run with {RewriteVariable}=1 to rewrite {file.Path} with the actual outputs, then review the diff)");
        return sb.ToString();
    }

    private static void AppendIndented(StringBuilder sb, string text)
    {
        if (text.Length == 0)
        {
            sb.Append("    <empty>\n");
            return;
        }

        foreach (var line in text.Split('\n'))
        {
            sb.Append("    ").Append(line).Append('\n');
        }
    }
}
