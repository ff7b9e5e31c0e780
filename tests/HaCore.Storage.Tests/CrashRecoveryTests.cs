using HaCore.Raft;
using HaCore.Testing.Storage;
using static HaCore.Storage.Tests.StorageTestKit;

namespace HaCore.Storage.Tests;

/// <summary>
/// Power loss at every device operation of a write, with several seeds deciding which unsynced writes
/// survive and where the first lost one tears. After every crash the store must reopen with a log that is a
/// valid prefix, keep everything acknowledged, and accept new appends.
/// </summary>
public sealed class CrashRecoveryTests
{
    private const int SeedsPerStep = 4;

    public static TheoryData<string> AppendScenarios => ["plain", "rollover", "conflict", "conflict-across-segments", "hard-state-only", "many-segments"];

    [Theory]
    [MemberData(nameof(AppendScenarios))]
    public void A_crash_at_every_step_of_an_append_keeps_a_valid_prefix_and_everything_acknowledged(string scenario)
    {
        var (setupEntries, setupState, batch, batchState) = Scenario(scenario);
        var before = setupEntries.ToList();
        var after = before.Where(e => batch.Length == 0 || e.Index < batch[0].Index).Concat(batch).ToList();
        int steps = 0;
        for (long crashAt = 0; ; crashAt++)
        {
            bool acknowledged = false;
            for (ulong seed = 1; seed <= SeedsPerStep; seed++)
            {
                var device = Device(((ulong)crashAt * 131) + seed);
                using (var storage = DurableRaftStorage.Open(Options(), device))
                {
                    storage.Append(setupEntries, setupState);
                    device.ArmCrash(crashAt);
                    try
                    {
                        storage.Append(batch, batchState);
                        acknowledged = true;
                    }
                    catch (SimulatedCrashException)
                    {
                        Assert.Throws<InvalidOperationException>(() => storage.Append(batch, batchState));
                    }
                }

                device.Crash();
                using var reopened = DurableRaftStorage.Open(Options(), device);
                var log = ReadAll(reopened);
                var state = reopened.HardState;
                if (acknowledged)
                {
                    AssertLog(after, reopened);
                    Assert.Equal(batchState ?? setupState, state);
                }
                else
                {
                    Assert.True(IsPrefix(log, before) || IsPrefix(log, after), $"crash at step {crashAt}, seed {seed}: the log is not a prefix of the old or the new log");
                    Assert.True(state == setupState || state == batchState, $"crash at step {crashAt}: unexpected hard state {state}");
                }

                Assert.True(log.Length >= (int)state.Commit, $"crash at step {crashAt}: committed entries lost");
                Assert.True(log.Length >= (int)setupState.Commit);

                // The recovered store takes new appends.
                var next = MakeEntry(9, reopened.LastIndex + 1);
                reopened.Append([next], state with { Term = 9, Vote = 0 });
                Assert.Equal(next.Index, reopened.LastIndex);
            }

            steps++;
            if (acknowledged)
            {
                break;
            }

            Assert.True(crashAt < 10_000, "the append never completed");
        }

        Assert.True(steps > 2, $"only {steps} crash points were exercised");
    }

    public static TheoryData<string> SnapshotScenarios => ["install-ahead", "install-matching", "install-conflicting", "save-and-compact"];

    [Theory]
    [MemberData(nameof(SnapshotScenarios))]
    public void A_crash_at_every_step_of_a_snapshot_install_keeps_a_consistent_store(string scenario)
    {
        var setup = Entries(1, 1, 150, size: 100);
        var setupState = new HardState(1, 1, scenario == "install-conflicting" ? 100ul : 150ul);
        var conf = new ConfState([1, 2, 3], []);
        var snapshot = scenario switch
        {
            "install-ahead" => new Snapshot(new SnapshotMetadata(400, 3, conf), Payload(3, 400, 2000)),
            "install-matching" or "save-and-compact" => new Snapshot(new SnapshotMetadata(130, 1, conf), Payload(1, 130, 2000)),
            _ => new Snapshot(new SnapshotMetadata(130, 2, conf), Payload(2, 130, 2000)),
        };
        ulong s = snapshot.Metadata.Index;
        for (long crashAt = 0; ; crashAt++)
        {
            bool acknowledged = false;
            for (ulong seed = 1; seed <= SeedsPerStep; seed++)
            {
                var device = Device(((ulong)crashAt * 131) + seed);
                using (var storage = DurableRaftStorage.Open(Options(), device))
                {
                    storage.Bootstrap(new ConfState([1], []));
                    storage.Append(setup, setupState);
                    device.ArmCrash(crashAt);
                    try
                    {
                        if (scenario == "save-and-compact")
                        {
                            storage.SaveSnapshot(snapshot);
                            storage.Compact(s);
                        }
                        else
                        {
                            storage.InstallSnapshot(snapshot);
                        }

                        acknowledged = true;
                    }
                    catch (SimulatedCrashException)
                    {
                    }
                }

                device.Crash();
                using var reopened = DurableRaftStorage.Open(Options(), device);
                Assert.Equal(LogReadStatus.Ok, reopened.TryGetSnapshot(out var stored));
                var log = ReadAll(reopened);
                if (stored.IsEmpty)
                {
                    Assert.False(acknowledged);
                    Assert.Equal(1ul, reopened.FirstIndex);
                    AssertLog(setup, reopened);
                    Assert.Equal(new ConfState([1], []), reopened.GetInitialState().ConfState);
                }
                else
                {
                    Assert.Equal(snapshot.Metadata, stored.Metadata);
                    Assert.True(stored.Data.Span.SequenceEqual(snapshot.Data.Span));
                    Assert.Equal(s + 1, reopened.FirstIndex);
                    Assert.Equal(conf, reopened.GetInitialState().ConfState);
                    var expected = scenario is "install-matching" or "save-and-compact" ? setup.Skip((int)s).ToList() : [];
                    AssertLog(expected, reopened);
                    Assert.Equal(LogReadStatus.Ok, reopened.TryGetTerm(s, out ulong term));
                    Assert.Equal(snapshot.Metadata.Term, term);
                }

                // A stored snapshot holds only committed entries: the store reports a commit index of at least its index.
                Assert.Equal(stored.IsEmpty ? setupState : setupState with { Commit = Math.Max(setupState.Commit, s) }, reopened.HardState);
                Assert.Equal(log.Length == 0 ? reopened.FirstIndex - 1 : log[^1].Index, reopened.LastIndex);
                reopened.Append([MakeEntry(9, reopened.LastIndex + 1)]);
            }

            if (acknowledged)
            {
                Assert.True(crashAt > 3);
                break;
            }

            Assert.True(crashAt < 10_000, "the install never completed");
        }
    }

    private static bool IsPrefix(Entry[] log, List<Entry> of)
    {
        if (log.Length > of.Count)
        {
            return false;
        }

        for (int i = 0; i < log.Length; i++)
        {
            if (log[i].Index != of[i].Index || log[i].Term != of[i].Term || !log[i].Data.Span.SequenceEqual(of[i].Data.Span))
            {
                return false;
            }
        }

        return true;
    }

    private static (Entry[] Setup, HardState SetupState, Entry[] Batch, HardState? BatchState) Scenario(string name) => name switch
    {
        "plain" => (Entries(1, 1, 20, 100), new HardState(1, 1, 20), Entries(1, 21, 20, 100), new HardState(1, 1, 30)),
        "rollover" => (Entries(1, 1, 110, 100), new HardState(1, 1, 110), Entries(1, 111, 30, 100), new HardState(1, 1, 120)),
        "conflict" => (Entries(1, 1, 60, 100), new HardState(1, 1, 30), Entries(2, 41, 10, 90), new HardState(2, 2, 45)),
        "conflict-across-segments" => (Entries(1, 1, 300, 100), new HardState(1, 1, 100), Entries(2, 150, 6, 90), new HardState(2, 2, 120)),
        "hard-state-only" => (Entries(1, 1, 20, 100), new HardState(1, 1, 10), [], new HardState(2, 2, 15)),
        "many-segments" => (Entries(1, 1, 5, 100), new HardState(1, 1, 5), Entries(1, 6, 400, 100), null),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}
