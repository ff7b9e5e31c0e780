using HaCore.ContactCenter.Workload;
using Xunit;

namespace HaCore.ContactCenter.Tests;

public sealed class WorkloadTests
{
    [Fact]
    public void B1_scaled_stream_is_valid_and_keeps_every_invariant()
    {
        var runner = new WorkloadRunner(WorkloadProfile.B1.ScaledDown(10), seed: 1);
        runner.ApplySetup();
        long applied = runner.RunToSteadyState();
        Assert.True(applied > 1000);
        // Consult legs of transfers in progress are calls of their own.
        Assert.InRange(runner.StateMachine.CallCount, runner.Generator.LiveCalls, runner.Generator.LiveCalls * 2);
        Assert.Empty(runner.StateMachine.FindInvariantViolations());
        Assert.True(runner.Generator.CallsReleased > 0);
    }

    [Fact]
    public void A_connector_replaying_its_last_reports_of_the_workload_changes_nothing()
    {
        // DOMAIN.md §5 scenario 14 on generated traffic: the switch side's reports carry (source, sequence, epoch).
        var runner = new WorkloadRunner(WorkloadProfile.B1.ScaledDown(10), seed: 4);
        runner.ApplySetup();
        runner.ApplyTraffic(3_000);
        var recent = new List<GeneratedCommand>();
        for (int i = 0; i < 500; i++)
        {
            GeneratedCommand c = runner.Generator.Next();
            runner.Apply(c);
            recent.Add(c);
        }

        var sourced = recent.Where(c => c.Command.Source.Length != 0).ToList();
        Assert.True(sourced.Count > 250, $"only {sourced.Count} of 500 traffic commands had a source");
        Assert.True(runner.Generator.SourcedCommands >= sourced.Count);
        Assert.All(sourced.GroupBy(c => c.Command.Source), g => Assert.Equal(g.Select(c => c.Command.SourceSequence).Order(), g.Select(c => c.Command.SourceSequence)));

        string before = runner.StateMachine.ComputeStateHashHex();
        ulong index = runner.Index;
        foreach (GeneratedCommand c in sourced)
        {
            CommandResult replay = runner.StateMachine.Apply(new CommandContext(++index, 1, recent[^1].TimestampUnixMs + 1), c.Command);
            Assert.True(replay.Duplicate, $"{c.Command.KindCase} from {c.Command.Source} #{c.Command.SourceSequence} was applied again");
        }

        Assert.Equal(before, runner.StateMachine.ComputeStateHashHex());
        Assert.Empty(runner.StateMachine.FindInvariantViolations());
    }

    [Fact]
    public void Same_seed_gives_the_same_stream_and_state_hash()
    {
        string Run(ulong seed)
        {
            var r = new WorkloadRunner(WorkloadProfile.B1.ScaledDown(20), seed);
            r.ApplySetup();
            r.ApplyTraffic(5_000);
            return r.StateMachine.ComputeStateHashHex();
        }

        Assert.Equal(Run(7), Run(7));
        Assert.NotEqual(Run(7), Run(8));
    }

    [Fact]
    public void Stream_mixes_every_call_phase_of_the_profile()
    {
        var runner = new WorkloadRunner(WorkloadProfile.B3.ScaledDown(200), seed: 3);
        runner.ApplySetup();
        var kinds = new HashSet<Command.KindOneofCase>();
        for (int i = 0; i < 20_000; i++)
        {
            GeneratedCommand c = runner.Generator.Next();
            kinds.Add(c.Command.KindCase);
            runner.Apply(c);
        }

        Command.KindOneofCase[] expected =
        [
            Command.KindOneofCase.CallCreated, Command.KindOneofCase.RouteRequested, Command.KindOneofCase.RouteUsed,
            Command.KindOneofCase.TreatmentApplied, Command.KindOneofCase.PartyQueued, Command.KindOneofCase.PartyDiverted,
            Command.KindOneofCase.PartyEstablished, Command.KindOneofCase.UserDataAttached, Command.KindOneofCase.UserDataUpdated,
            Command.KindOneofCase.PartyHeld, Command.KindOneofCase.TransferCompleted, Command.KindOneofCase.PartyChanged,
            Command.KindOneofCase.PartyAdded, Command.KindOneofCase.ConnCallUpserted, Command.KindOneofCase.PartyReleased,
            Command.KindOneofCase.AgentNotReady, Command.KindOneofCase.AgentReady, Command.KindOneofCase.IsccRequested,
            Command.KindOneofCase.IsccSucceeded,
        ];
        Assert.Empty(expected.Except(kinds));
        Assert.Empty(runner.StateMachine.FindInvariantViolations());
    }

    [Fact]
    public void Snapshot_of_a_workload_state_restores_to_the_same_hash()
    {
        var runner = new WorkloadRunner(WorkloadProfile.B1.ScaledDown(20), seed: 5);
        runner.ApplySetup();
        runner.RunToSteadyState();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        runner.StateMachine.WriteSnapshot(buffer);
        var copy = new ContactCenterStateMachine();
        copy.RestoreSnapshot(new System.Buffers.ReadOnlySequence<byte>(buffer.WrittenMemory));
        Assert.Equal(runner.StateMachine.ComputeStateHashHex(), copy.ComputeStateHashHex());
    }
}
