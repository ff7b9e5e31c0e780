namespace HaCore.Raft;

/// <summary>
/// Creates the first entries of a brand-new cluster. The initial membership is written into the log
/// itself as membership changes at indexes 1..n of term 1, already committed, so that a node that
/// joins later learns the whole membership history by replaying the log (or from a snapshot).
/// </summary>
public static class RaftBootstrap
{
    /// <summary>The entries that add <paramref name="voters"/> one by one.</summary>
    /// <exception cref="ArgumentException">No voters, a duplicate or a 0 id.</exception>
    public static Entry[] CreateEntries(IReadOnlyList<ulong> voters)
    {
        ArgumentNullException.ThrowIfNull(voters);
        if (voters.Count == 0)
        {
            throw new ArgumentException("A cluster needs at least one voter.", nameof(voters));
        }

        if (voters.Distinct().Count() != voters.Count || voters.Contains(0UL))
        {
            throw new ArgumentException("Voter ids must be distinct and non-zero.", nameof(voters));
        }

        var entries = new Entry[voters.Count];
        for (var i = 0; i < voters.Count; i++)
        {
            entries[i] = new Entry(1, (ulong)i + 1, EntryType.ConfChange, new ConfChange(ConfChangeType.AddVoter, voters[i]).Encode());
        }

        return entries;
    }

    /// <summary>The hard state to persist with <see cref="CreateEntries"/>: term 1, the entries committed.</summary>
    public static HardState CreateHardState(int voterCount) => new(1, 0, (ulong)voterCount);

    /// <summary>Writes the bootstrap entries and hard state into empty in-memory storage.</summary>
    /// <exception cref="InvalidOperationException">The storage is not empty.</exception>
    public static void Bootstrap(MemoryRaftStorage storage, IReadOnlyList<ulong> voters)
    {
        ArgumentNullException.ThrowIfNull(storage);
        if (storage.LastIndex != 0 || !storage.HardState.IsEmpty)
        {
            throw new InvalidOperationException("Only empty storage can be bootstrapped.");
        }

        storage.Append(CreateEntries(voters));
        storage.SetHardState(CreateHardState(voters.Count));
    }
}
