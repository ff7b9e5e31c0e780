using HaCore.Testing.History;
using Xunit;

namespace HaCore.Simulation.Tests.History;

public sealed class LinearizabilityCheckerTests
{
    private static LinearizabilityResult Check(HistoryBuilder h) => new LinearizabilityChecker().Check(h.Events);

    private static void AssertLinearizable(HistoryBuilder h)
    {
        var result = Check(h);
        Assert.True(result.IsLinearizable, result.Explanation);
        Assert.Equal(LinearizabilityOutcome.Linearizable, result.Outcome);
        Assert.Null(result.Key);
    }

    private static LinearizabilityResult AssertNotLinearizable(HistoryBuilder h, string key)
    {
        var result = Check(h);
        Assert.Equal(LinearizabilityOutcome.NotLinearizable, result.Outcome);
        Assert.False(result.IsLinearizable);
        Assert.Equal(key, result.Key);
        Assert.Contains("not linearizable", result.Explanation, StringComparison.Ordinal);
        return result;
    }

    [Fact]
    public void EmptyHistoryIsLinearizable() => AssertLinearizable(new HistoryBuilder());

    [Fact]
    public void SequentialWriteThenReadIsLinearizable() =>
        AssertLinearizable(new HistoryBuilder().ReadOk(1, "x", null).WriteOk(1, "x", "a").ReadOk(2, "x", "a").WriteOk(2, "x", "b").ReadOk(1, "x", "b"));

    [Fact]
    public void StaleReadAfterCompletedWriteIsRejected()
    {
        var h = new HistoryBuilder()
            .WriteOk(1, "x", "a")
            .WriteOk(2, "x", "b")
            .ReadOk(3, "x", "a");
        var result = AssertNotLinearizable(h, "x");
        Assert.NotNull(result.UnplaceableOperation);
        Assert.Equal(HistoryFunction.Read, result.UnplaceableOperation.F);
        Assert.Equal(3, result.UnplaceableOperation.Process);
        Assert.Equal(2, result.LongestLinearizablePrefix.Count);
        Assert.Contains("Could not place: p3 read -> \"a\"", result.Explanation, StringComparison.Ordinal);
        Assert.Contains("State after it: \"b\"", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadOfInitialValueAfterCompletedWriteIsALostWrite() =>
        AssertNotLinearizable(new HistoryBuilder().WriteOk(1, "x", "a").ReadOk(2, "x", null), "x");

    [Fact]
    public void LostWriteBetweenTwoLaterReadsIsRejected() =>
        AssertNotLinearizable(
            new HistoryBuilder().WriteOk(1, "x", "a").WriteOk(1, "x", "b").ReadOk(2, "x", "b").WriteOk(3, "x", "c").ReadOk(2, "x", "b"),
            "x");

    [Fact]
    public void ReadOfValueNeverWrittenIsRejected() =>
        AssertNotLinearizable(new HistoryBuilder().WriteOk(1, "x", "a").ReadOk(2, "x", "zzz"), "x");

    [Fact]
    public void ConcurrentWritesWithOverlappingReadsAreFine()
    {
        // p1 and p2 write concurrently; reads overlapping the writes may see either order, as long as
        // sequential reads agree on one order.
        var h = new HistoryBuilder()
            .Write(1, "x", "a")
            .Write(2, "x", "b")
            .Read(3, "x")
            .Read(4, "x")
            .Ok(4, "b")
            .Ok(3, "a")
            .Ok(2)
            .Ok(1)
            .ReadOk(3, "x", "b");
        AssertLinearizable(h);
    }

    [Fact]
    public void ReadOverlappingAWriteMaySeeOldOrNewValue()
    {
        AssertLinearizable(new HistoryBuilder().WriteOk(1, "x", "a").Write(1, "x", "b").ReadOk(2, "x", "a").Ok(1));
        AssertLinearizable(new HistoryBuilder().WriteOk(1, "x", "a").Write(1, "x", "b").ReadOk(2, "x", "b").Ok(1));
    }

    [Fact]
    public void SequentialReadsSeeingNewThenOldAreRejected()
    {
        // Both reads overlap the write, but once a read saw "b", a later read cannot see "a".
        var h = new HistoryBuilder().WriteOk(1, "x", "a").Write(1, "x", "b").ReadOk(2, "x", "b").ReadOk(3, "x", "a").Ok(1);
        AssertNotLinearizable(h, "x");
    }

    [Fact]
    public void ConcurrentWritesSeenInBothOrdersAreRejected()
    {
        var h = new HistoryBuilder()
            .Write(1, "x", "a")
            .Write(2, "x", "b")
            .Ok(1)
            .Ok(2)
            .ReadOk(3, "x", "b")
            .ReadOk(4, "x", "a");
        AssertNotLinearizable(h, "x");
    }

    [Fact]
    public void CasWithMatchingExpectedIsFine() =>
        AssertLinearizable(new HistoryBuilder().WriteOk(1, "x", "a").Cas(2, "x", "a", "b").Ok(2).ReadOk(3, "x", "b"));

    [Fact]
    public void CasOnAbsentKeyExpectsNull() =>
        AssertLinearizable(new HistoryBuilder().Cas(1, "x", null, "a").Ok(1).ReadOk(2, "x", "a"));

    [Fact]
    public void OkCasWhoseExpectedValueDoesNotMatchIsRejected() =>
        AssertNotLinearizable(new HistoryBuilder().WriteOk(1, "x", "a").Cas(2, "x", "zzz", "b").Ok(2), "x");

    [Fact]
    public void TwoOkCasFromTheSameExpectedValueAreRejected()
    {
        // Both cas expect "a"; only one can succeed.
        var h = new HistoryBuilder()
            .WriteOk(1, "x", "a")
            .Cas(2, "x", "a", "b")
            .Cas(3, "x", "a", "c")
            .Ok(2)
            .Ok(3);
        AssertNotLinearizable(h, "x");
    }

    [Fact]
    public void FailedCasNeverTakesEffect()
    {
        AssertLinearizable(new HistoryBuilder().WriteOk(1, "x", "a").Cas(2, "x", "zzz", "b").Fail(2).ReadOk(3, "x", "a"));
        AssertNotLinearizable(new HistoryBuilder().WriteOk(1, "x", "a").Cas(2, "x", "a", "b").Fail(2).ReadOk(3, "x", "b"), "x");
    }

    [Fact]
    public void FailedWriteNeverTakesEffect() =>
        AssertNotLinearizable(new HistoryBuilder().WriteOk(1, "x", "a").Write(2, "x", "b").Fail(2).ReadOk(3, "x", "b"), "x");

    [Fact]
    public void InfoWriteThatTookEffectIsFine() =>
        AssertLinearizable(new HistoryBuilder().WriteOk(1, "x", "a").Write(2, "x", "b").Info(2).ReadOk(3, "x", "b").ReadOk(3, "x", "b"));

    [Fact]
    public void InfoWriteThatDidNotTakeEffectIsFine() =>
        AssertLinearizable(new HistoryBuilder().WriteOk(1, "x", "a").Write(2, "x", "b").Info(2).ReadOk(3, "x", "a").ReadOk(3, "x", "a"));

    [Fact]
    public void InfoWriteMayTakeEffectLongAfterItsInfo() =>
        AssertLinearizable(new HistoryBuilder()
            .WriteOk(1, "x", "a")
            .Write(2, "x", "b")
            .Info(2)
            .ReadOk(3, "x", "a")
            .WriteOk(1, "x", "c")
            .ReadOk(3, "x", "c")
            .ReadOk(3, "x", "b"));

    [Fact]
    public void InfoWriteCannotTakeEffectTwice() =>
        AssertNotLinearizable(
            new HistoryBuilder().WriteOk(1, "x", "a").Write(2, "x", "b").Info(2).ReadOk(3, "x", "b").WriteOk(1, "x", "c").ReadOk(3, "x", "b"),
            "x");

    [Fact]
    public void InfoWriteCannotTakeEffectBeforeItsInvoke() =>
        AssertNotLinearizable(new HistoryBuilder().ReadOk(3, "x", "b").Write(2, "x", "b").Info(2), "x");

    [Fact]
    public void InfoCasTakesEffectOnlyIfExpectedMatches()
    {
        AssertLinearizable(new HistoryBuilder().WriteOk(1, "x", "a").Cas(2, "x", "a", "b").Info(2).ReadOk(3, "x", "b"));
        AssertLinearizable(new HistoryBuilder().WriteOk(1, "x", "a").Cas(2, "x", "a", "b").Info(2).ReadOk(3, "x", "a"));
        AssertNotLinearizable(new HistoryBuilder().WriteOk(1, "x", "a").Cas(2, "x", "zzz", "b").Info(2).ReadOk(3, "x", "b"), "x");
    }

    [Fact]
    public void OperationStillInFlightAtTheEndCountsAsInfo()
    {
        AssertLinearizable(new HistoryBuilder().WriteOk(1, "x", "a").Write(2, "x", "b").ReadOk(3, "x", "b"));
        AssertLinearizable(new HistoryBuilder().WriteOk(1, "x", "a").Write(2, "x", "b").ReadOk(3, "x", "a"));
    }

    [Fact]
    public void FailedAndInfoReadsCarryNoInformation() =>
        AssertLinearizable(new HistoryBuilder().WriteOk(1, "x", "a").Read(2, "x").Fail(2).Read(3, "x").Info(3).ReadOk(4, "x", "a"));

    [Fact]
    public void KeysAreIndependent()
    {
        // Interleaved: fine per key even though "y" is read before the write of "x" completes.
        var h = new HistoryBuilder()
            .Write(1, "x", "a")
            .WriteOk(2, "y", "b")
            .ReadOk(3, "y", "b")
            .Ok(1)
            .ReadOk(3, "x", "a");
        AssertLinearizable(h);

        var bad = new HistoryBuilder()
            .WriteOk(1, "x", "a")
            .WriteOk(2, "y", "b")
            .ReadOk(3, "x", "a")
            .ReadOk(3, "y", null);
        var result = AssertNotLinearizable(bad, "y");
        Assert.Contains("key \"y\"", result.Explanation, StringComparison.Ordinal);
        Assert.Equal(2, result.KeyCount);
    }

    [Fact]
    public void AppendListInOrderIsFine() =>
        AssertLinearizable(new HistoryBuilder()
            .ReadOk(3, "l", null)
            .Append(1, "l", "a").Ok(1)
            .Read(3, "l").OkList(3, "a")
            .Append(2, "l", "b").Ok(2)
            .Read(3, "l").OkList(3, "a", "b"));

    [Fact]
    public void AppendListOrderViolationIsRejected()
    {
        var h = new HistoryBuilder()
            .Append(1, "l", "a").Ok(1)
            .Append(2, "l", "b").Ok(2)
            .Read(3, "l").OkList(3, "b", "a");
        var result = AssertNotLinearizable(h, "l");
        Assert.Contains("(list,", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void AppendListLostAppendIsRejected() =>
        AssertNotLinearizable(
            new HistoryBuilder().Append(1, "l", "a").Ok(1).Append(2, "l", "b").Ok(2).Read(3, "l").OkList(3, "a"),
            "l");

    [Fact]
    public void ConcurrentAppendsMayLandInEitherOrderButOnlyOne()
    {
        AssertLinearizable(new HistoryBuilder().Append(1, "l", "a").Append(2, "l", "b").Ok(1).Ok(2).Read(3, "l").OkList(3, "b", "a"));
        AssertNotLinearizable(
            new HistoryBuilder().Append(1, "l", "a").Append(2, "l", "b").Ok(1).Ok(2).Read(3, "l").OkList(3, "b", "a").Read(4, "l").OkList(4, "a", "b"),
            "l");
    }

    [Fact]
    public void InfoAppendMayOrMayNotHaveTakenEffect()
    {
        AssertLinearizable(new HistoryBuilder().Append(1, "l", "a").Ok(1).Append(2, "l", "b").Info(2).Read(3, "l").OkList(3, "a"));
        AssertLinearizable(new HistoryBuilder().Append(1, "l", "a").Ok(1).Append(2, "l", "b").Info(2).Read(3, "l").OkList(3, "a", "b"));
        AssertNotLinearizable(
            new HistoryBuilder().Append(1, "l", "a").Ok(1).Append(2, "l", "b").Info(2).Read(3, "l").OkList(3, "a", "b").Read(3, "l").OkList(3, "a"),
            "l");
    }

    [Fact]
    public void ObservedInfoWriteMustTakeEffectBeforeItsFirstObserverCompletes()
    {
        AssertLinearizable(new HistoryBuilder().Write(2, "x", "b").Info(2).ReadOk(3, "x", "b").ReadOk(3, "x", "b"));
        AssertNotLinearizable(new HistoryBuilder().Write(2, "x", "b").Info(2).ReadOk(3, "x", "b").WriteOk(1, "x", "c").ReadOk(3, "x", "b"), "x");
        var result = AssertNotLinearizable(new HistoryBuilder().ReadOk(3, "x", "b").Write(2, "x", "b").Info(2), "x");
        Assert.Equal(3, result.UnplaceableOperation?.Process);
    }

    [Fact]
    public void InfoWritesOfTheSameValueMayEachTakeEffect() =>
        AssertLinearizable(new HistoryBuilder()
            .WriteOk(1, "x", "a")
            .Write(2, "x", "b").Info(2)
            .Write(3, "x", "b").Info(3)
            .ReadOk(4, "x", "b")
            .WriteOk(1, "x", "c")
            .ReadOk(4, "x", "b"));

    [Fact]
    public void InfoWriteExpectedByAnInfoCasIsKept()
    {
        // The write of "v" is only observed through the cas that expects it; the cas's "n" is read.
        AssertLinearizable(new HistoryBuilder().WriteOk(1, "x", "a").Write(2, "x", "v").Info(2).Cas(3, "x", "v", "n").Info(3).ReadOk(4, "x", "n"));
        AssertNotLinearizable(
            new HistoryBuilder().WriteOk(1, "x", "a").Write(2, "x", "v").Info(2).Cas(3, "x", "v", "n").Info(3).ReadOk(4, "x", "n").ReadOk(4, "x", "v"),
            "x");

        // Without the write of "v" the cas can never apply.
        AssertNotLinearizable(new HistoryBuilder().WriteOk(1, "x", "a").Cas(3, "x", "v", "n").Info(3).ReadOk(4, "x", "n"), "x");
    }

    [Fact]
    public void ListReadsThatAreNotPrefixesOfOneAnotherAreRejected()
    {
        var h = new HistoryBuilder()
            .Append(1, "l", "a")
            .Append(2, "l", "b")
            .Read(3, "l")
            .Read(4, "l")
            .OkList(3, "a")
            .OkList(4, "b")
            .Ok(1)
            .Ok(2);
        var result = AssertNotLinearizable(h, "l");
        Assert.Contains("not prefixes of one another", result.Explanation, StringComparison.Ordinal);
        Assert.NotNull(result.UnplaceableOperation);
    }

    [Fact]
    public void SearchBudgetExceededIsUnknownNotAHang()
    {
        var history = HistoryGenerator.Registers(seed: 7, clients: 10, keys: 1, operations: 400);
        var result = new LinearizabilityChecker(new LinearizabilityCheckerOptions { MaxStepsPerKey = 50 }).Check(history);
        Assert.Equal(LinearizabilityOutcome.Unknown, result.Outcome);
        Assert.False(result.IsLinearizable);
        Assert.Equal("k0", result.Key);
        Assert.Contains("budget", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void NonLinearizableKeyWinsOverUnknownKey()
    {
        var events = new List<HistoryEvent>(HistoryGenerator.Registers(seed: 7, clients: 10, keys: 1, operations: 400));
        events.AddRange(new HistoryBuilder().WriteOk(1000, "bad", "a").ReadOk(1001, "bad", "b").Events);
        var result = new LinearizabilityChecker(new LinearizabilityCheckerOptions { MaxStepsPerKey = 50 }).Check(events);
        Assert.Equal(LinearizabilityOutcome.NotLinearizable, result.Outcome);
        Assert.Equal("bad", result.Key);
    }

    [Fact]
    public void PathologicalHistoryWithManyInfoWritesEndsWithinTheTimeLimit()
    {
        // 24 concurrent info writes, 12 of "a" and 12 of "b", then 30 sequential reads alternating
        // between them: 15 switches to "a" need 15 writes of "a", so it is not linearizable, but the
        // search has to try subsets of interchangeable writes. The time limit makes that Unknown.
        var h = new HistoryBuilder();
        for (var p = 0; p < 24; p++)
        {
            h.Write(p, "x", p % 2 == 0 ? "a" : "b");
        }

        for (var p = 0; p < 24; p++)
        {
            h.Info(p);
        }

        for (var i = 0; i < 30; i++)
        {
            h.ReadOk(100, "x", i % 2 == 0 ? "a" : "b");
        }

        var sw = System.Diagnostics.Stopwatch.StartNew();
        var result = new LinearizabilityChecker(new LinearizabilityCheckerOptions { TimeLimit = TimeSpan.FromMilliseconds(300) }).Check(h.Events);
        Assert.Equal(LinearizabilityOutcome.Unknown, result.Outcome);
        Assert.Equal("x", result.Key);
        Assert.Contains("TimeLimit=00:00:00.3", result.Explanation, StringComparison.Ordinal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void CheckingAnInvalidHistoryThrows()
    {
        var events = new[] { HistoryEvent.Ok(1, HistoryFunction.Write, "x", "a") };
        var ex = Assert.Throws<InvalidHistoryException>(() => new LinearizabilityChecker().Check(events));
        Assert.Contains("event 1", ex.Message, StringComparison.Ordinal);
    }
}
