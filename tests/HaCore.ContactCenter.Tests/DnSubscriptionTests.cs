using HaCore.ContactCenter.Workload;
using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

/// <summary>Per-DN event streams: exactly the DN's events, in log order, resumable after any position.</summary>
public sealed class DnSubscriptionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async IAsyncEnumerable<AppliedCommand<Command, CommandResult>> Replay(IEnumerable<AppliedCommand<Command, CommandResult>> log)
    {
        foreach (var applied in log)
        {
            await Task.Yield();
            yield return applied;
        }
    }

    private static async Task<List<DnEvent>> ToListAsync(IAsyncEnumerable<DnEvent> stream)
    {
        var list = new List<DnEvent>();
        await foreach (var e in stream)
        {
            list.Add(e);
        }

        return list;
    }

    /// <summary>A B1 workload, as a log of applied commands.</summary>
    private static List<AppliedCommand<Command, CommandResult>> WorkloadLog(int traffic)
    {
        var runner = new WorkloadRunner(WorkloadProfile.B1.ScaledDown(20), seed: 5);
        runner.ApplySetup();
        var log = new List<AppliedCommand<Command, CommandResult>>();
        for (var i = 0; i < traffic; i++)
        {
            var generated = runner.Generator.Next();
            var result = runner.Apply(generated);
            log.Add(new AppliedCommand<Command, CommandResult>(runner.Index, new CommandContext(runner.Index, 1, generated.TimestampUnixMs), default, generated.Command, result));
        }

        return log;
    }

    [Fact]
    public async Task A_DN_stream_is_exactly_the_events_addressed_to_the_DN_and_resumes_after_any_position_without_gap_or_duplicate()
    {
        var log = WorkloadLog(4_000);
        var all = log.SelectMany(a => a.Result.Events.Select((e, i) => new DnEvent(new DnEventPosition(a.Index, i), e))).ToList();
        var busiest = all.Where(e => e.Event.ThisDn is not null).GroupBy(e => DnKey.From(e.Event.ThisDn!)).OrderByDescending(g => g.Count()).Take(5).ToList();
        Assert.True(busiest[0].Count() > 50, "the workload gives the busiest DN some traffic");
        var random = new Random(11);
        foreach (var group in busiest)
        {
            var dn = new DnId { SwitchName = group.Key.SwitchName, Number = group.Key.Number };
            var expected = group.ToList();
            var stream = await ToListAsync(Replay(log).ForDnAsync(dn, cancellationToken: Ct));
            Assert.Equal(expected.Select(e => e.Position), stream.Select(e => e.Position));
            Assert.All(stream, e => Assert.Equal(group.Key, DnKey.From(e.Event.ThisDn!)));

            // Resume after a random position (the last one a desktop saw), from a log that starts at its index or earlier.
            for (var trial = 0; trial < 5; trial++)
            {
                var seen = expected[random.Next(expected.Count)].Position;
                var from = (int)Math.Max(0, (long)seen.Index - 1 - random.Next(3)) - (int)log[0].Index + 1;
                var resumed = await ToListAsync(Replay(log.Skip(Math.Max(0, from))).ForDnAsync(dn, seen, Ct));
                Assert.Equal(expected.Where(e => e.Position > seen).Select(e => e.Position), resumed.Select(e => e.Position));
            }
        }
    }

    [Fact]
    public async Task A_session_stream_follows_its_registrations_and_gets_its_own_errors()
    {
        var h = new Harness();
        var log = new List<AppliedCommand<Command, CommandResult>>();
        void Apply(ICommandKind kind, string session = "", uint reference = 0)
        {
            var command = Wrap(kind, session, reference);
            var result = h.Apply(command);
            log.Add(new AppliedCommand<Command, CommandResult>(h.Index, new CommandContext(h.Index, 1, h.Now), default, command, result));
        }

        h.Login("a1", "1001");
        h.Login("a2", "1002");
        Apply(new AddressRegistered { Dn = Dn("1001") }, Session, 1);
        Apply(new CallCreated { Dn = Dn("1001"), InitialState = PartyState.Dialing, OtherDn = Dn("1002") });   // 1001 and 1002
        Apply(new AddressRegistered { Dn = Dn("1001") }, Session, 2);                                           // refused: EventError
        Apply(new AddressUnregistered { Dn = Dn("1001") }, Session, 3);
        Apply(new CallCreated { Dn = Dn("1001"), InitialState = PartyState.Dialing, OtherDn = Dn("1002") });   // not registered any more

        var stream = await ToListAsync(Replay(log).ForSessionAsync(Session, [], cancellationToken: Ct));
        var kinds = stream.Select(e => $"{e.Event.Kind} {e.Event.ThisDn?.Number ?? "-"}").ToList();
        Assert.Equal(EventKind.Registered, stream[0].Event.Kind);
        Assert.Contains(stream, e => e.Event.Kind == EventKind.Error && e.Event.ReferenceId == 2);
        Assert.Equal(EventKind.Unregistered, stream[^1].Event.Kind);
        Assert.All(stream.Where(e => e.Event.Kind is not (EventKind.Error or EventKind.Registered or EventKind.Unregistered)), e => Assert.Equal("1001", e.Event.ThisDn!.Number));
        Assert.Contains(stream, e => e.Event.ThisDn?.Number == "1001" && e.Position.Index == log[1].Index);
        Assert.DoesNotContain(stream, e => e.Position.Index == log[4].Index);
        Assert.DoesNotContain(stream, e => e.Event.ThisDn?.Number == "1002");
        Assert.True(kinds.Count >= 4, string.Join(", ", kinds));
    }

    [Fact]
    public async Task Retries_answered_from_the_dedupe_table_are_not_events_again()
    {
        var h = new Harness();
        h.Login("a1", "1001");
        var command = Wrap(new AddressRegistered { Dn = Dn("1001") }, Session, 7);
        var first = h.Apply(command);
        var retry = h.Apply(command.Clone());
        Assert.True(retry.Duplicate);
        AppliedCommand<Command, CommandResult>[] log =
        [
            new(h.Index - 1, new CommandContext(h.Index - 1, 1, h.Now), default, command, first),
            new(h.Index, new CommandContext(h.Index, 1, h.Now), default, command, retry),
        ];
        var stream = await ToListAsync(Replay(log).ForDnAsync(Dn("1001"), cancellationToken: Ct));
        Assert.Single(stream);
        Assert.Equal(h.Index - 1, stream[0].Position.Index);
    }
}
