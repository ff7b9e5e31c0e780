using Xunit;

namespace HaCore.Raft.Tests.DataDriven;

public sealed class DataDrivenTests
{
    private const string Sample = """
        # A comment before the first case.
        # Another one.

        campaign 1
        ----
        1->2 PreVote Term:1 Log:0/0
        1->3 PreVote Term:1 Log:0/0

        # Between cases.
        propose 1 foo
        ----
        ok

        add-nodes 3 voters=(1, 2,3) index=10 learner async
        some input
        more input
        ----
        ----
        first paragraph

        second paragraph
        ----
        ----

        noop
        ----

        last k=v
        ----
        done

        """;

    [Fact]
    public void ParsesCommandsArgsInputsAndOutputs()
    {
        var file = DataDrivenParser.Parse(Sample, "sample.txt");
        Assert.Equal(5, file.Cases.Count);

        var campaign = file.Cases[0];
        Assert.Equal("campaign", campaign.Command);
        Assert.Equal(4, campaign.Line);
        Assert.Equal("sample.txt", campaign.File);
        Assert.Equal(["1"], campaign.Positional);
        Assert.Equal(1UL, campaign.PositionalUInt64(0));
        Assert.Equal(string.Empty, campaign.Input);
        Assert.Equal("1->2 PreVote Term:1 Log:0/0\n1->3 PreVote Term:1 Log:0/0", campaign.Expected);

        var propose = file.Cases[1];
        Assert.Equal(10, propose.Line);
        Assert.Equal(["1", "foo"], propose.Positional);
        Assert.Equal("ok", propose.Expected);

        var add = file.Cases[2];
        Assert.Equal("add-nodes", add.Command);
        Assert.Equal(14, add.Line);
        Assert.Equal("some input\nmore input", add.Input);
        Assert.Equal("first paragraph\n\nsecond paragraph", add.Expected);
        Assert.Equal(["3", "learner", "async"], add.Positional);
        Assert.Equal(["1", "2", "3"], add.ScanStrings("voters"));
        Assert.Equal([1UL, 2UL, 3UL], add.ScanUInt64s("voters"));
        Assert.Equal(10UL, add.ScanUInt64("index"));
        Assert.True(add.HasArg("voters"));
        Assert.True(add.HasArg("learner"));
        Assert.False(add.HasArg("missing"));
        Assert.True(add.ScanBool("async"));
        Assert.False(add.ScanBool("sync"));
        Assert.Equal("voters=(1, 2, 3)", add.Args[1].ToString());

        Assert.Equal("noop", file.Cases[3].Command);
        Assert.Equal(string.Empty, file.Cases[3].Expected);
        Assert.Equal("v", file.Cases[4].ScanString("k"));
        Assert.Equal("done", file.Cases[4].Expected);
    }

    [Fact]
    public void ParsesArgumentForms()
    {
        var (command, args) = DataDrivenParser.ParseCommandLine("cmd a=1 b=(x,y , z) c=() d= e=\"with space\" bare 42");
        Assert.Equal("cmd", command);
        Assert.Equal(["a", "b", "c", "d", "e", "bare", "42"], args.Select(a => a.Key));
        Assert.Equal(["1"], args[0].Values);
        Assert.Equal(["x", "y", "z"], args[1].Values);
        Assert.Empty(args[2].Values);
        Assert.False(args[2].IsPositional);
        Assert.Equal([string.Empty], args[3].Values);
        Assert.Equal(["with space"], args[4].Values);
        Assert.True(args[5].IsPositional);
        Assert.Empty(args[5].Values);
    }

    [Fact]
    public void CommandLineContinuesAfterBackslash()
    {
        var file = DataDrivenParser.Parse("cmd a=1 \\\n  b=2\n----\nok\n", "f");
        var c = Assert.Single(file.Cases);
        Assert.Equal(1, c.Line);
        Assert.Equal(1UL, c.ScanUInt64("a"));
        Assert.Equal(2UL, c.ScanUInt64("b"));
        Assert.Equal("ok", c.Expected);
    }

    [Fact]
    public void ArgumentErrorsNameTheLocationAndArgument()
    {
        var c = DataDrivenParser.Parse("\n\ncmd id=abc list=(1,x) 7\n----\n", "f.txt").Cases[0];
        var missing = Assert.Throws<DataDrivenException>(() => c.ScanUInt64("term"));
        Assert.Equal("f.txt:3: cmd: missing argument term=", missing.Message);
        Assert.Equal(3, missing.Line);
        var invalid = Assert.Throws<DataDrivenException>(() => c.ScanUInt64("id"));
        Assert.Equal("f.txt:3: cmd: argument id=abc is not an unsigned integer", invalid.Message);
        Assert.Throws<DataDrivenException>(() => c.ScanUInt64s("list"));
        Assert.Throws<DataDrivenException>(() => c.ScanString("list"));
        Assert.Throws<DataDrivenException>(() => c.PositionalUInt64(1));
        Assert.Equal(5UL, c.ScanUInt64("term", 5));
        Assert.False(c.TryScanUInt64("term", out _));
        Assert.Equal(7UL, c.PositionalUInt64(0));
    }

    [Theory]
    [InlineData("cmd\nok\n", 1, "expected a ---- line")]
    [InlineData("# c\n\ncmd\n----\n----\nunterminated\n----\n", 4, "unterminated ----/---- output block")]
    [InlineData("cmd\n----\n----\nx\n----\n----\ntrailing\n", 7, "expected a blank line after the closing ----/----")]
    [InlineData("\ncmd a=(1,2\n----\n", 2, "has no closing parenthesis")]
    [InlineData("cmd \\", 1, "ends with \\")]
    public void MalformedFilesAreReportedWithTheirLine(string text, int line, string problem)
    {
        var ex = Assert.Throws<DataDrivenException>(() => DataDrivenParser.Parse(text, "bad.txt"));
        Assert.Equal(line, ex.Line);
        Assert.Equal("bad.txt", ex.File);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RunsEveryCaseInOrderAndPassesWhenOutputsMatch()
    {
        using var tmp = new TempFile(Sample);
        var seen = new List<string>();
        DataDrivenRunner.RunFile(tmp.Path, tc =>
        {
            seen.Add(tc.Command);
            return ExpectedOutputs[tc.Command] + "   \n\n";
        }, rewrite: false);
        Assert.Equal(["campaign", "propose", "add-nodes", "noop", "last"], seen);
        Assert.Equal(Sample, File.ReadAllText(tmp.Path));
    }

    [Fact]
    public void MismatchFailsNamingFileLineCommandExpectedAndActual()
    {
        using var tmp = new TempFile(Sample);
        var ex = Assert.Throws<DataDrivenMismatchException>(() => DataDrivenRunner.RunFile(
            tmp.Path,
            tc => tc.Command switch
            {
                "propose" => "dropped",
                "last" => "not done",
                _ => ExpectedOutputs[tc.Command],
            },
            rewrite: false));
        Assert.Contains($"{tmp.Path}:10: output mismatch for command: propose 1 foo", ex.Message, StringComparison.Ordinal);
        Assert.Contains("expected:\n    ok\n", ex.Message, StringComparison.Ordinal);
        Assert.Contains("actual:\n    dropped\n", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1 more case(s) differ, at lines: 28", ex.Message, StringComparison.Ordinal);
        Assert.Contains("HACORE_REWRITE=1", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Sample, File.ReadAllText(tmp.Path));
    }

    [Fact]
    public void HandlerExceptionsAreWrappedWithTheLocation()
    {
        using var tmp = new TempFile(Sample);
        var ex = Assert.Throws<DataDrivenException>(() => DataDrivenRunner.RunFile(
            tmp.Path,
            tc => tc.Command == "propose" ? throw new InvalidOperationException("boom") : ExpectedOutputs[tc.Command],
            rewrite: false));
        Assert.Equal(10, ex.Line);
        Assert.Contains("propose 1 foo: handler threw InvalidOperationException: boom", ex.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(ex.InnerException);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RewriteReproducesTheFileExactlyWhenOutputsMatch(bool crlf)
    {
        var text = crlf ? Sample.Replace("\n", "\r\n", StringComparison.Ordinal) : Sample;
        using var tmp = new TempFile(text);
        DataDrivenRunner.RunFile(tmp.Path, tc => ExpectedOutputs[tc.Command], rewrite: true);
        Assert.Equal(text, File.ReadAllText(tmp.Path));

        // The rewriter itself also reproduces the text, even if asked to rewrite every case.
        var file = DataDrivenParser.Parse(text, "f");
        Assert.Equal(text, DataDrivenRunner.Rewrite(file, file.Cases.Select(c => c.Expected).ToArray()));
    }

    [Fact]
    public void RewriteKeepsNonCanonicalButMatchingOutputsByteForByte()
    {
        // Trailing spaces, a ----/---- block without blank lines, several blank lines between cases,
        // a comment at the end and no final newline: all kept when the outputs match.
        const string Text = "# header\n\n\n\na x=1   \n----\nok   \nfine\t\n\n\nb\n----\n----\none\ntwo\n----\n----\n\n# trailer";
        using var tmp = new TempFile(Text);
        DataDrivenRunner.RunFile(tmp.Path, tc => tc.Command == "a" ? "ok\nfine" : "one\ntwo\n", rewrite: true);
        Assert.Equal(Text, File.ReadAllText(tmp.Path));

        // Changing one output rewrites only that block.
        DataDrivenRunner.RunFile(tmp.Path, tc => tc.Command == "a" ? "ok\nfine" : "three", rewrite: true);
        Assert.Equal("# header\n\n\n\na x=1   \n----\nok   \nfine\t\n\n\nb\n----\nthree\n\n# trailer", File.ReadAllText(tmp.Path));
    }

    [Fact]
    public void ListFilesFindsDataFilesInOrder()
    {
        var dir = Path.Combine(Path.GetTempPath(), "hacore-dd-dir-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        try
        {
            File.WriteAllText(Path.Combine(dir, "b.txt"), string.Empty);
            File.WriteAllText(Path.Combine(dir, "a.txt"), string.Empty);
            File.WriteAllText(Path.Combine(dir, "sub", "c.txt"), string.Empty);
            File.WriteAllText(Path.Combine(dir, "ignored.md"), string.Empty);
            var files = DataDrivenRunner.ListFiles(dir);
            Assert.Equal(
                [Path.Combine(dir, "a.txt"), Path.Combine(dir, "b.txt"), Path.Combine(dir, "sub", "c.txt")],
                files);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void RewriteReplacesOutputsAndKeepsEverythingElse()
    {
        using var tmp = new TempFile(Sample);
        DataDrivenRunner.RunFile(
            tmp.Path,
            tc => tc.Command switch
            {
                "campaign" => "1->2 Vote Term:2\n",
                "propose" => "line one\n\nline three",
                "add-nodes" => "single line",
                "noop" => "now has output",
                _ => string.Empty,
            },
            rewrite: true);

        const string Expected = """
            # A comment before the first case.
            # Another one.

            campaign 1
            ----
            1->2 Vote Term:2

            # Between cases.
            propose 1 foo
            ----
            ----
            line one

            line three
            ----
            ----

            add-nodes 3 voters=(1, 2,3) index=10 learner async
            some input
            more input
            ----
            single line

            noop
            ----
            now has output

            last k=v
            ----

            """;
        Assert.Equal(Expected, File.ReadAllText(tmp.Path));

        // The rewritten file passes with the same handler outputs.
        DataDrivenRunner.RunFile(
            tmp.Path,
            tc => tc.Command switch
            {
                "campaign" => "1->2 Vote Term:2",
                "propose" => "line one\n\nline three",
                "add-nodes" => "single line",
                "noop" => "now has output",
                _ => string.Empty,
            },
            rewrite: false);
    }

    [Fact]
    public void RewriteHandlesACaseAtTheEndOfAFileWithoutTrailingNewline()
    {
        using var tmp = new TempFile("a\n----\nold\n\nb\n----");
        DataDrivenRunner.RunFile(tmp.Path, tc => tc.Command == "a" ? "new" : "x\ny", rewrite: true);
        Assert.Equal("a\n----\nnew\n\nb\n----\nx\ny", File.ReadAllText(tmp.Path));
    }

    [Fact]
    public void RenderOutputUsesTheDoubleSeparatorOnlyWhenNeeded()
    {
        Assert.Empty(DataDrivenRunner.RenderOutput("  \n"));
        Assert.Equal(["a", "b"], DataDrivenRunner.RenderOutput("a  \nb\n"));
        Assert.Equal(["----", "a", string.Empty, "b", "----", "----"], DataDrivenRunner.RenderOutput("a\n\nb"));
        Assert.Equal(["----", "----", "x", "----", "----"], DataDrivenRunner.RenderOutput("----\nx"));
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("0", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void RewriteVariableValues(string? value, bool rewrite) => Assert.Equal(rewrite, DataDrivenRunner.IsRewriteValue(value));

    [Fact]
    public void SourcePathIsRelativeToTheCallingSourceFile()
    {
        var path = DataDrivenRunner.SourcePath("testdata/x.txt");
        Assert.EndsWith(Path.Combine("DataDriven", "testdata", "x.txt"), path, StringComparison.Ordinal);
        Assert.True(File.Exists(DataDrivenRunner.SourcePath("DataDrivenTests.cs")));
    }

    private static readonly Dictionary<string, string> ExpectedOutputs = new()
    {
        ["campaign"] = "1->2 PreVote Term:1 Log:0/0\n1->3 PreVote Term:1 Log:0/0",
        ["propose"] = "ok",
        ["add-nodes"] = "first paragraph\n\nsecond paragraph",
        ["noop"] = string.Empty,
        ["last"] = "done",
    };

    private sealed class TempFile : IDisposable
    {
        public TempFile(string text)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hacore-dd-" + Guid.NewGuid().ToString("N") + ".txt");
            File.WriteAllText(Path, text);
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }
}
