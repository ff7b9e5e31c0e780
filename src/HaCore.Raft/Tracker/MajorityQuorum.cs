namespace HaCore.Raft.Tracker;

/// <summary>The outcome of a vote count.</summary>
public enum VoteResult : byte
{
    /// <summary>Neither enough grants nor enough rejections yet.</summary>
    Pending = 0,

    /// <summary>A majority granted.</summary>
    Won = 1,

    /// <summary>A majority can no longer be reached.</summary>
    Lost = 2,
}

/// <summary>Quorum arithmetic over one set of voters: small, pure and benchmarked.</summary>
public static class MajorityQuorum
{
    /// <summary>The size of a majority of <paramref name="voters"/> voters.</summary>
    public static int Size(int voters) => (voters / 2) + 1;

    /// <summary>
    /// The highest index that a majority of voters has acknowledged: the median of the match indexes.
    /// Allocation-free for up to 16 voters. An empty voter set commits everything (ulong.MaxValue), as in etcd-raft.
    /// </summary>
    public static ulong CommittedIndex(ReadOnlySpan<ulong> matchIndexes)
    {
        var n = matchIndexes.Length;
        if (n == 0)
        {
            return ulong.MaxValue;
        }

        Span<ulong> sorted = n <= 16 ? stackalloc ulong[16] : new ulong[n];
        sorted = sorted[..n];
        matchIndexes.CopyTo(sorted);

        // Insertion sort: n is tiny (3, 5, 7), and it beats the general sort at this size.
        for (var i = 1; i < n; i++)
        {
            var v = sorted[i];
            var j = i - 1;
            while (j >= 0 && sorted[j] > v)
            {
                sorted[j + 1] = sorted[j];
                j--;
            }

            sorted[j + 1] = v;
        }

        // Ascending order: the element at n - majority is acknowledged by at least a majority.
        return sorted[n - Size(n)];
    }

    /// <summary>Counts votes: <paramref name="granted"/> and <paramref name="rejected"/> out of <paramref name="voters"/>.</summary>
    public static VoteResult Tally(int voters, int granted, int rejected)
    {
        if (voters == 0)
        {
            return VoteResult.Won;
        }

        var q = Size(voters);
        if (granted >= q)
        {
            return VoteResult.Won;
        }

        return voters - rejected < q ? VoteResult.Lost : VoteResult.Pending;
    }
}
