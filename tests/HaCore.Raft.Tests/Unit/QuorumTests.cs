using HaCore.Raft.Tracker;

namespace HaCore.Raft.Tests.Unit;

/// <summary>The quorum math, cross-checked against a naive implementation over seeded random inputs.</summary>
public sealed class QuorumTests
{
    /// <summary>The naive rule: the largest index that at least a majority has reached.</summary>
    private static ulong NaiveCommitted(ulong[] matches)
    {
        if (matches.Length == 0)
        {
            return ulong.MaxValue;
        }

        ulong best = 0;
        foreach (var candidate in matches)
        {
            var reached = matches.Count(m => m >= candidate);
            if (reached * 2 > matches.Length && candidate > best)
            {
                best = candidate;
            }
        }

        return best;
    }

    private static VoteResult NaiveTally(int voters, int granted, int rejected)
    {
        if (voters == 0 || granted * 2 > voters)
        {
            return VoteResult.Won;
        }

        // Lost when even all missing votes granted could not make a majority.
        return (voters - rejected) * 2 > voters ? VoteResult.Pending : VoteResult.Lost;
    }

    [Fact]
    public void Committed_index_matches_the_naive_rule_on_random_inputs()
    {
        var random = new DeterministicRandom(20261122);
        for (var round = 0; round < 20_000; round++)
        {
            var n = random.Next(20);
            var matches = new ulong[n];
            for (var i = 0; i < n; i++)
            {
                // Small ranges make ties frequent, which is where mistakes hide.
                matches[i] = (ulong)random.Next(round % 2 == 0 ? 5 : 1000);
            }

            Assert.Equal(NaiveCommitted(matches), MajorityQuorum.CommittedIndex(matches));
        }
    }

    [Theory]
    [InlineData(new ulong[] { 5 }, 5UL)]
    [InlineData(new ulong[] { 5, 3, 9 }, 5UL)]
    [InlineData(new ulong[] { 1, 1, 2, 2 }, 1UL)]
    [InlineData(new ulong[] { 7, 7, 7, 0, 0 }, 7UL)]
    [InlineData(new ulong[] { 9, 8, 0, 0, 0 }, 0UL)]
    public void Committed_index_of_known_cases(ulong[] matches, ulong expected) =>
        Assert.Equal(expected, MajorityQuorum.CommittedIndex(matches));

    [Fact]
    public void Tally_matches_the_naive_rule_for_every_small_case()
    {
        for (var voters = 0; voters <= 9; voters++)
        {
            for (var granted = 0; granted <= voters; granted++)
            {
                for (var rejected = 0; granted + rejected <= voters; rejected++)
                {
                    Assert.Equal(NaiveTally(voters, granted, rejected), MajorityQuorum.Tally(voters, granted, rejected));
                }
            }
        }
    }
}
