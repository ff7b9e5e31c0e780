using HaCore.Raft.Log;
using HaCore.Raft.Tracker;

namespace HaCore.Raft.Tests.Unit;

/// <summary>Flow control, the unstable log and the membership value types.</summary>
public sealed class BuildingBlockTests
{
    [Fact]
    public void Inflights_fill_by_count_or_bytes_and_free_in_order()
    {
        var inflights = new Inflights(3, 100);
        inflights.Add(1, 10);
        inflights.Add(2, 10);
        Assert.False(inflights.Full);
        inflights.Add(3, 10);
        Assert.True(inflights.Full); // count

        inflights.FreeLE(2);
        Assert.Equal(1, inflights.Count);
        Assert.Equal(10, inflights.Bytes);
        inflights.Add(4, 95);
        Assert.True(inflights.Full); // bytes: 105 >= 100
        inflights.FreeLE(10);
        Assert.Equal(0, inflights.Count);
        Assert.Equal(0, inflights.Bytes);
        Assert.Throws<RaftInvariantException>(() =>
        {
            inflights.Add(7, 1);
            inflights.Add(6, 1);
        });
    }

    [Fact]
    public void Probe_state_ignores_stale_rejections_and_follows_the_hint()
    {
        var pr = new Progress(4, 0, isLearner: false) { Match = 3, Next = 10 };
        pr.BecomeProbe();
        Assert.Equal(4UL, pr.Next);
        pr.Next = 10;
        Assert.False(pr.MaybeDecrTo(rejected: 5, matchHint: 4)); // not the latest probe (Next - 1 = 9)
        Assert.True(pr.MaybeDecrTo(rejected: 9, matchHint: 6));
        Assert.Equal(7UL, pr.Next);
        Assert.True(pr.MaybeDecrTo(rejected: 6, matchHint: 0));
        Assert.Equal(4UL, pr.Next); // never below Match + 1
    }

    [Fact]
    public void Replicate_state_resets_to_match_on_rejection()
    {
        var pr = new Progress(4, 0, isLearner: false) { Match = 5, Next = 6 };
        pr.BecomeReplicate();
        pr.UpdateOnEntriesSend(3, 30);
        Assert.Equal(9UL, pr.Next);
        Assert.False(pr.MaybeDecrTo(rejected: 5, matchHint: 5)); // at or below match: stale
        Assert.True(pr.MaybeDecrTo(rejected: 7, matchHint: 5));
        Assert.Equal(6UL, pr.Next);
    }

    [Fact]
    public void Unstable_slices_survive_a_truncation_that_follows_them()
    {
        var log = new UnstableLog(1);
        log.TruncateAndAppend([new Entry(1, 1, "a"u8.ToArray()), new Entry(1, 2, "b"u8.ToArray()), new Entry(1, 3, "c"u8.ToArray())]);
        var slice = log.Slice(1, 4);

        // A new leader overwrites index 2 while the slice (say, in a queued message) is still alive.
        log.TruncateAndAppend([new Entry(2, 2, "x"u8.ToArray())]);
        Assert.Equal("b", System.Text.Encoding.UTF8.GetString(slice.Span[1].Data.Span));
        Assert.Equal(1UL, slice.Span[2].Term);
        Assert.True(log.TryGetTerm(2, out var term));
        Assert.Equal(2UL, term);
        Assert.Equal(2, log.Count);
    }

    [Fact]
    public void Conf_change_round_trips_and_rejects_garbage()
    {
        var change = new ConfChange(ConfChangeType.AddLearner, 42);
        Assert.Equal(change, ConfChange.Decode(change.Encode()));
        Assert.Throws<FormatException>(() => ConfChange.Decode([1, 2, 3]));
        var bad = change.Encode();
        bad[1] = 99;
        Assert.Throws<FormatException>(() => ConfChange.Decode(bad));
    }

    [Fact]
    public void Conf_state_validates_changes()
    {
        var config = new ConfState([1, 2, 3], [4]);
        Assert.Null(config.Validate(new ConfChange(ConfChangeType.AddVoter, 4)));
        Assert.Equal(new ConfState([1, 2, 3, 4], []), config.Apply(new ConfChange(ConfChangeType.AddVoter, 4)));
        Assert.NotNull(config.Validate(new ConfChange(ConfChangeType.AddLearner, 1)));
        Assert.NotNull(config.Validate(new ConfChange(ConfChangeType.Remove, 9)));
        Assert.NotNull(new ConfState([1], []).Validate(new ConfChange(ConfChangeType.Remove, 1)));
        Assert.Throws<ArgumentException>(() => new ConfState([1, 2], [2]));
        Assert.Throws<InvalidOperationException>(() => config.Apply(new ConfChange(ConfChangeType.Remove, 9)));
    }

    [Fact]
    public void Memory_storage_truncates_compacts_and_reports_ranges()
    {
        var storage = new MemoryRaftStorage();
        storage.Append([new Entry(1, 1, "a"u8.ToArray()), new Entry(1, 2, "b"u8.ToArray()), new Entry(1, 3, "c"u8.ToArray())]);
        storage.Append([new Entry(2, 2, "x"u8.ToArray())]);
        Assert.Equal(2UL, storage.LastIndex);
        Assert.Equal(LogReadStatus.Ok, storage.TryGetTerm(2, out var term));
        Assert.Equal(2UL, term);
        Assert.Throws<InvalidOperationException>(() => storage.Append([new Entry(2, 9, ReadOnlyMemory<byte>.Empty)]));

        storage.CreateSnapshot(1, new ConfState([1], []), "s"u8.ToArray());
        storage.Compact(1);
        Assert.Equal(2UL, storage.FirstIndex);
        Assert.Equal(LogReadStatus.Compacted, storage.TryGetEntries(1, 3, long.MaxValue, out _));
        Assert.Equal(LogReadStatus.Ok, storage.TryGetTerm(1, out var snapTerm)); // the snapshot's term stays readable
        Assert.Equal(1UL, snapTerm);
        Assert.Equal(LogReadStatus.Ok, storage.TryGetEntries(2, 3, 1, out var entries));
        Assert.Equal(1, entries.Length); // at least one entry even over the byte budget
    }

    [Fact]
    public void Memory_storage_keeps_handed_out_entries_intact_while_the_host_appends()
    {
        // A Ready's committed entries may come from storage, and the host appends that Ready's new
        // entries before it applies them: growing must not move or clear what was handed out.
        var storage = new MemoryRaftStorage();
        var first = Enumerable.Range(1, 200).Select(i => new Entry(1, (ulong)i, new[] { (byte)i })).ToArray();
        storage.Append(first);
        storage.CreateSnapshot(150, new ConfState([1], []), ReadOnlyMemory<byte>.Empty);
        storage.Compact(150);
        Assert.Equal(LogReadStatus.Ok, storage.TryGetEntries(151, 201, long.MaxValue, out var handedOut));
        var copy = handedOut.ToArray();

        storage.Append(Enumerable.Range(201, 60).Select(i => new Entry(1, (ulong)i, new[] { (byte)i })).ToArray());
        Assert.Equal(copy, handedOut.ToArray());
    }
}
