using HaCore.Raft.Tests.DataDriven;

namespace HaCore.Raft.Tests.Interaction;

/// <summary>
/// Scripted Raft scenarios in <c>testdata/*.txt</c>. When one fails, inspect the diff; if the new
/// behaviour is right, regenerate the expected outputs with <c>HACORE_REWRITE=1 dotnet test</c>
/// and review them as a diff before committing.
/// </summary>
public sealed class InteractionTests
{
    public static TheoryData<string> Scripts =>
        [.. Directory.GetFiles(DataDrivenRunner.SourcePath("testdata"), "*.txt").Select(f => Path.GetFileNameWithoutExtension(f)!).Order()];

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Script(string name)
    {
        var env = new InteractionEnv();
        DataDrivenRunner.RunFile(DataDrivenRunner.SourcePath($"testdata/{name}.txt"), env.Handle);
    }

    [Fact]
    public void The_unsafe_commit_rule_changes_the_outcome_of_Figure_8()
    {
        // The same script with the commit rule mutated (counting replicas of an older term's entry)
        // must diverge from the reviewed expected output: the mutant commits what it must not.
        var env = new InteractionEnv(unsafeCommit: true);
        var error = Assert.ThrowsAny<Exception>(() =>
            DataDrivenRunner.RunFile(DataDrivenRunner.SourcePath("testdata/figure_8_commit_rule.txt"), env.Handle, rewrite: false));
        Assert.Contains("commit", error.Message, StringComparison.OrdinalIgnoreCase);
    }
}
