using HaCore.Raft;
using HaCore.Testing.Storage;
using static HaCore.Storage.Tests.StorageTestKit;

namespace HaCore.Storage.Tests;

/// <summary>
/// Seeded random histories of Raft-shaped writes (appends, conflicting appends, hard states, snapshots with
/// compaction, snapshot installs, reopens) with power loss injected at random device operations. A model of
/// the log checks after every step that the store holds exactly what was acknowledged, and after every crash
/// that committed entries and the hard state survived and everything else is the old or the new state.
/// </summary>
public sealed class RandomizedCrashTests
{
    /// <summary>40 seeds; <c>HACORE_SEED=n</c> replays one, <c>HACORE_SEEDS=n</c> runs seeds 1..n.</summary>
    public static TheoryData<int> Seeds =>
        Environment.GetEnvironmentVariable("HACORE_SEED") is { } one ? new([int.Parse(one, System.Globalization.CultureInfo.InvariantCulture)])
        : new(Enumerable.Range(1, int.Parse(Environment.GetEnvironmentVariable("HACORE_SEEDS") ?? "40", System.Globalization.CultureInfo.InvariantCulture)));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_histories_with_crashes_never_lose_acknowledged_state(int seed)
    {
        var random = new Random(seed);
        var device = new SimulatedStorageDevice(new SimulatedStorageOptions { Seed = (ulong)seed });
        var storage = DurableRaftStorage.Open(Options(), device);
        var model = new Model(storage);
        try
        {
            for (int step = 0; step < 60; step++)
            {
                bool crash = random.Next(4) == 0;
                var before = model.Clone();
                var after = model.Clone();
                Action<DurableRaftStorage> op = Pick(random, after);
                if (crash)
                {
                    device.ArmCrash(random.Next(0, 12));
                }

                bool acknowledged;
                try
                {
                    op(storage);
                    acknowledged = true;
                }
                catch (SimulatedCrashException)
                {
                    acknowledged = false;
                }

                if (crash)
                {
                    storage.Dispose();
                    device.Crash();
                    storage = DurableRaftStorage.Open(Options(), device);
                    var recovered = new Model(storage);
                    string context = $"HACORE_SEED={seed}, step {step}";
                    if (acknowledged)
                    {
                        after.AssertSame(recovered, context);
                    }
                    else
                    {
                        // A crash between storing an installed snapshot and the hard state after it leaves the old
                        // hard state, whose commit index the store raises to the snapshot's (DurableRaftStorage.HardState).
                        var snapshotIndex = storage.LatestSnapshot?.Metadata.Index ?? 0;
                        var beforeRaised = before.HardState with { Commit = Math.Max(before.HardState.Commit, snapshotIndex) };
                        Assert.True(
                            recovered.HardState == before.HardState || recovered.HardState == after.HardState || recovered.HardState == beforeRaised,
                            $"{context}: hard state {recovered.HardState}, expected {before.HardState} or {after.HardState} or {beforeRaised}");
                        Assert.True(recovered.LastIndex >= recovered.HardState.Commit, $"{context}: committed entries lost");
                        for (ulong i = recovered.First; i <= recovered.LastIndex; i++)
                        {
                            var e = recovered.Get(i);
                            bool fromBefore = before.Has(i) && Same(before.Get(i), e);
                            bool fromAfter = after.Has(i) && Same(after.Get(i), e);
                            Assert.True(fromBefore || fromAfter, $"{context}: entry {i} is neither the old nor the new one");
                            if (i <= before.HardState.Commit && before.Has(i))
                            {
                                Assert.True(fromBefore, $"{context}: committed entry {i} changed");
                            }
                        }
                    }

                    model = recovered;
                }
                else
                {
                    Assert.True(acknowledged);
                    model = after;
                    if (step % 5 == 0)
                    {
                        model.AssertSame(new Model(storage), $"HACORE_SEED={seed}, step {step}");
                    }
                }
            }
        }
        finally
        {
            storage.Dispose();
        }
    }

    private static bool Same(Entry a, Entry b) => a.Index == b.Index && a.Term == b.Term && a.Type == b.Type && a.Data.Span.SequenceEqual(b.Data.Span);

    /// <summary>Chooses a valid write, applies it to <paramref name="m"/> and returns it as an action on the store.</summary>
    private static Action<DurableRaftStorage> Pick(Random random, Model m)
    {
        // A crash can keep a batch's entries but not the hard state written after them, so the log may hold a
        // term newer than the hard state's (as in etcd); new entries never go below either.
        ulong lastTerm = m.LastIndex >= m.First ? m.Get(m.LastIndex).Term : m.TermBeforeFirst;
        ulong term = Math.Max(Math.Max(m.HardState.Term, 1), lastTerm);
        switch (random.Next(10))
        {
            case <= 3:
            {
                var entries = Entries(term, m.LastIndex + 1, random.Next(1, 25), random.Next(0, 300));
                m.Append(entries);
                var hs = m.HardState with { Term = term, Commit = Math.Max(m.HardState.Commit, m.LastIndex - (ulong)random.Next(0, 5)) };
                hs = hs with { Commit = Math.Min(hs.Commit, m.LastIndex) };
                m.HardState = hs;
                return s => s.Append(entries, hs);
            }

            case 4 when m.LastIndex > m.HardState.Commit && m.LastIndex >= m.First:
            {
                ulong from = Math.Max(m.HardState.Commit + 1, m.First) + (ulong)random.Next(0, (int)Math.Min(10, m.LastIndex - Math.Max(m.HardState.Commit + 1, m.First) + 1));
                var entries = Entries(term + 1, from, random.Next(1, 8), random.Next(0, 200));
                m.Append(entries);
                var hs = new HardState(term + 1, 2, m.HardState.Commit);
                m.HardState = hs;
                return s => s.Append(entries, hs);
            }

            case 5:
            {
                var hs = new HardState(term + 1, 0, Math.Min(m.LastIndex, m.HardState.Commit + (ulong)random.Next(0, 3)));
                m.HardState = hs;
                return s => s.SaveHardState(hs);
            }

            case 6 when m.HardState.Commit >= m.First:
            {
                ulong index = m.First + (ulong)random.Next(0, (int)Math.Min(200, m.HardState.Commit - m.First + 1));
                var snapshot = new Snapshot(new SnapshotMetadata(index, m.Get(index).Term, new ConfState([1, 2, 3], [])), Payload(index, index, random.Next(0, 3000)));
                m.CompactThrough(index, snapshot.Metadata.Term);
                return s =>
                {
                    s.SaveSnapshot(snapshot);
                    s.Compact(index);
                };
            }

            case 7:
            {
                ulong index = m.LastIndex + (ulong)random.Next(1, 40);
                var snapshot = new Snapshot(new SnapshotMetadata(index, term + 1, new ConfState([1, 2], [])), Payload(index, term, random.Next(0, 2000)));
                m.ResetTo(index, term + 1);
                var hs = new HardState(term + 1, 0, index);
                m.HardState = hs;
                return s =>
                {
                    s.InstallSnapshot(snapshot);
                    s.SaveHardState(hs);
                };
            }

            default:
                return s => { };
        }
    }

    private sealed class Model
    {
        private List<Entry> _entries = [];

        public Model(DurableRaftStorage storage)
        {
            First = storage.FirstIndex;
            HardState = storage.HardState;
            _entries = [.. ReadAll(storage)];
            storage.TryGetTerm(First - 1, out ulong term);
            TermBeforeFirst = term;
        }

        private Model()
        {
        }

        public ulong First { get; private set; }

        public ulong TermBeforeFirst { get; private set; }

        public HardState HardState { get; set; }

        public ulong LastIndex => First + (ulong)_entries.Count - 1;

        public bool Has(ulong index) => index >= First && index <= LastIndex;

        public Entry Get(ulong index) => _entries[(int)(index - First)];

        public Model Clone() => new() { First = First, TermBeforeFirst = TermBeforeFirst, HardState = HardState, _entries = [.. _entries] };

        public void Append(Entry[] entries)
        {
            _entries.RemoveRange((int)(entries[0].Index - First), _entries.Count - (int)(entries[0].Index - First));
            _entries.AddRange(entries);
        }

        public void CompactThrough(ulong index, ulong term)
        {
            _entries.RemoveRange(0, (int)(index - First + 1));
            First = index + 1;
            TermBeforeFirst = term;
        }

        public void ResetTo(ulong index, ulong term)
        {
            _entries.Clear();
            First = index + 1;
            TermBeforeFirst = term;
        }

        public void AssertSame(Model other, string context)
        {
            Assert.True(First == other.First, $"{context}: first index {other.First}, expected {First}");
            Assert.True(TermBeforeFirst == other.TermBeforeFirst, $"{context}: term before first {other.TermBeforeFirst}, expected {TermBeforeFirst}");
            Assert.True(HardState == other.HardState, $"{context}: hard state {other.HardState}, expected {HardState}");
            Assert.True(LastIndex == other.LastIndex, $"{context}: last index {other.LastIndex}, expected {LastIndex}");
            for (ulong i = First; i <= LastIndex; i++)
            {
                Assert.True(Same(Get(i), other.Get(i)), $"{context}: entry {i} differs");
            }
        }
    }
}
