using System.Globalization;
using Xunit;

namespace HaCore.Raft.Tests.DataDriven;

/// <summary>Runs testdata/example.txt from the source tree, the way the Raft interaction tests will.</summary>
public sealed class DataDrivenExampleTests
{
    [Fact]
    public void ExampleFilePasses() =>
        DataDrivenRunner.RunFile(DataDrivenRunner.SourcePath("testdata/example.txt"), Handle);

    private static string Handle(TestCase tc)
    {
        switch (tc.Command)
        {
            case "sum":
                var total = tc.PositionalUInt64s().Aggregate(0UL, (a, b) => a + b);
                if (tc.HasArg("values"))
                {
                    total += tc.ScanUInt64s("values").Aggregate(0UL, (a, b) => a + b);
                }

                return total.ToString(CultureInfo.InvariantCulture);
            case "echo":
                var prefix = tc.ScanString("prefix", string.Empty);
                return string.Join('\n', tc.Input.Split('\n').Select(l => prefix + l));
            case "paragraphs":
                return string.Join("\n\n", Enumerable.Range(1, tc.ScanInt32("n")).Select(i => $"paragraph {i}"));
            case "fail-if":
                return tc.ScanBool("big") ? throw tc.Fail("asked to fail") : "ok";
            default:
                throw tc.Fail("unknown command");
        }
    }
}
