using System.Diagnostics;
using HaCore.Testing.History;
using Xunit;

namespace HaCore.Simulation.Tests.History;

public sealed class LinearizabilityRandomTests
{
    private readonly ITestOutputHelper _output;

    public LinearizabilityRandomTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public static TheoryData<int> Seeds => new(Enumerable.Range(1, 25));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void GeneratedRegisterHistoryIsAccepted(int seed)
    {
        var history = HistoryGenerator.Registers(seed, clients: 5, keys: 3, operations: 300, infoRate: 0.05);
        Assert.Empty(HistoryOperation.Validate(history));
        var result = new LinearizabilityChecker().Check(history);
        Assert.True(result.IsLinearizable, $"seed {seed}: {result.Explanation}");
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void GeneratedListHistoryIsAccepted(int seed)
    {
        var history = HistoryGenerator.Lists(seed, clients: 5, keys: 3, operations: 300, infoRate: 0.05);
        Assert.Empty(HistoryOperation.Validate(history));
        var result = new LinearizabilityChecker().Check(history);
        Assert.True(result.IsLinearizable, $"seed {seed}: {result.Explanation}");
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RegisterReadOfANeverWrittenValueIsRejected(int seed)
    {
        var history = HistoryGenerator.Registers(seed, clients: 5, keys: 3, operations: 300, infoRate: 0.05).ToArray();
        var rng = new Random(seed);
        var reads = OkReads(history);
        var victim = reads[rng.Next(reads.Count)];
        history[victim] = history[victim] with { Value = "never-written" };

        var result = new LinearizabilityChecker().Check(history);
        Assert.Equal(LinearizabilityOutcome.NotLinearizable, result.Outcome);
        Assert.Equal(history[victim].Key, result.Key);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RegisterReadFromTheFutureIsRejected(int seed)
    {
        // Make a read return the value of a write invoked only after the read completed. Every value is
        // written by exactly one operation, so no linearization can explain it.
        var history = HistoryGenerator.Registers(seed, clients: 5, keys: 3, operations: 300, infoRate: 0.05).ToArray();
        var rng = new Random(seed);
        var candidates = new List<(int Read, string Value)>();
        foreach (var r in OkReads(history))
        {
            for (var w = r + 1; w < history.Length; w++)
            {
                var e = history[w];
                if (e.Type == HistoryEventType.Invoke && e.F == HistoryFunction.Write && e.Key == history[r].Key)
                {
                    candidates.Add((r, e.Value.Text!));
                    break;
                }
            }
        }

        Assert.NotEmpty(candidates);
        var (read, value) = candidates[rng.Next(candidates.Count)];
        history[read] = history[read] with { Value = value };

        var result = new LinearizabilityChecker().Check(history);
        Assert.Equal(LinearizabilityOutcome.NotLinearizable, result.Outcome);
        Assert.Equal(history[read].Key, result.Key);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ListReadWithANeverAppendedElementIsRejected(int seed)
    {
        var history = HistoryGenerator.Lists(seed, clients: 5, keys: 3, operations: 300, infoRate: 0.05).ToArray();
        var rng = new Random(seed);
        var reads = OkReads(history);
        var victim = reads[rng.Next(reads.Count)];
        history[victim] = history[victim] with { Value = HistoryValue.ListOf([.. history[victim].Value.Items, "never-appended"]) };

        var result = new LinearizabilityChecker().Check(history);
        Assert.Equal(LinearizabilityOutcome.NotLinearizable, result.Outcome);
        Assert.Equal(history[victim].Key, result.Key);
    }

    [Fact]
    public void TenThousandOperationsOnAHundredKeysCheckQuickly()
    {
        var history = HistoryGenerator.Registers(seed: 42, clients: 10, keys: 100, operations: 10_000, infoRate: 0.02);
        var checker = new LinearizabilityChecker();
        checker.Check(history); // warm up the JIT

        var sw = Stopwatch.StartNew();
        var result = checker.Check(history);
        sw.Stop();
        _output.WriteLine($"{result.OperationCount} ops, {result.KeyCount} keys, {history.Count} events: {sw.ElapsedMilliseconds} ms, {result.Steps} steps");
        Assert.True(result.IsLinearizable, result.Explanation);
        Assert.Equal(10_000, result.OperationCount);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void TenThousandOperationsOnOneKeyCheckQuickly()
    {
        var history = HistoryGenerator.Registers(seed: 43, clients: 10, keys: 1, operations: 10_000, infoRate: 0.01);
        var sw = Stopwatch.StartNew();
        var result = new LinearizabilityChecker().Check(history);
        sw.Stop();
        _output.WriteLine($"{result.OperationCount} ops on one key: {sw.ElapsedMilliseconds} ms, {result.Steps} steps");
        Assert.True(result.IsLinearizable, result.Explanation);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void BusyListKeyChecksQuickly()
    {
        var history = HistoryGenerator.Lists(seed: 45, clients: 10, keys: 1, operations: 2_000, infoRate: 0.1);
        var sw = Stopwatch.StartNew();
        var result = new LinearizabilityChecker().Check(history);
        sw.Stop();
        _output.WriteLine($"{result.OperationCount} ops on one list key: {sw.ElapsedMilliseconds} ms, {result.Steps} steps");
        Assert.True(result.IsLinearizable, result.Explanation);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void CorruptedLargeHistoryIsRejectedQuickly()
    {
        var history = HistoryGenerator.Registers(seed: 44, clients: 10, keys: 100, operations: 10_000, infoRate: 0.02).ToArray();
        var reads = OkReads(history);
        var victim = reads[reads.Count / 2];
        history[victim] = history[victim] with { Value = "never-written" };
        var sw = Stopwatch.StartNew();
        var result = new LinearizabilityChecker().Check(history);
        sw.Stop();
        _output.WriteLine($"rejected in {sw.ElapsedMilliseconds} ms: {result.Explanation}");
        Assert.Equal(LinearizabilityOutcome.NotLinearizable, result.Outcome);
        Assert.Equal(history[victim].Key, result.Key);
    }

    private static List<int> OkReads(HistoryEvent[] history)
    {
        var reads = new List<int>();
        for (var i = 0; i < history.Length; i++)
        {
            if (history[i] is { Type: HistoryEventType.Ok, F: HistoryFunction.Read })
            {
                reads.Add(i);
            }
        }

        Assert.NotEmpty(reads);
        return reads;
    }
}
