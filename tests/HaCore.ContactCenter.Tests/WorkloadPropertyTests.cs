using System.Globalization;
using HaCore.ContactCenter.Workload;
using Xunit;

namespace HaCore.ContactCenter.Tests;

/// <summary>
/// The workload generator, driven for many seeds, with the module's invariant checker run after
/// every command: transfers, consult conferences, single-step conferences, monitoring, ISCC legs and
/// releases never leave an orphan, and two replicas under different cultures stay identical.
/// </summary>
public sealed class WorkloadPropertyTests
{
    // The tests run with InvariantGlobalization, so the other culture is a modified copy of it.
    private static readonly CultureInfo Odd = MakeOddCulture();

    private static CultureInfo MakeOddCulture()
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NegativeSign = "\u2212";
        culture.NumberFormat.PositiveSign = "\u207A";
        culture.NumberFormat.NumberDecimalSeparator = ",";
        culture.NumberFormat.NumberGroupSeparator = ".";
        return culture;
    }

    public static TheoryData<string, int> Seeds()
    {
        var data = new TheoryData<string, int>();
        for (int seed = 1; seed <= 12; seed++)
        {
            data.Add("B1", seed);
            data.Add("B3", seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_command_of_the_stream_keeps_every_invariant_on_two_replicas_under_different_cultures(string profile, int seed)
    {
        var runner = new WorkloadRunner(WorkloadProfile.ByName(profile).ScaledDown(profile == "B1" ? 200 : 2000), (ulong)seed);
        var replica = new ContactCenterStateMachine();
        ulong index = 0;
        var kinds = new HashSet<Command.KindOneofCase>();

        void Step(GeneratedCommand command)
        {
            CommandResult result = runner.Apply(command);
            CultureInfo saved = CultureInfo.CurrentCulture;
            CommandResult other;
            try
            {
                // A culture with another minus sign and separators must not change a byte of the state.
                CultureInfo.CurrentCulture = Odd;
                other = replica.Apply(new CommandContext(++index, 1, command.TimestampUnixMs), command.Command);
            }
            finally
            {
                CultureInfo.CurrentCulture = saved;
            }

            Assert.Equal(result, other);
            kinds.Add(command.Command.KindCase);
            IReadOnlyList<string> violations = runner.StateMachine.FindInvariantViolations();
            Assert.True(violations.Count == 0, $"seed {seed}, entry {runner.Index} ({command.Command.KindCase}): {string.Join("; ", violations)}");
            foreach (Event e in result.Events)
            {
                if (e.Kind == EventKind.CallDeleted)
                {
                    Assert.Null(runner.StateMachine.GetCall(e.ConnId));
                }
            }
        }

        foreach (GeneratedCommand command in runner.Generator.Setup())
        {
            Step(command);
        }

        for (int i = 0; i < 3_000; i++)
        {
            Step(runner.Generator.Next());
        }

        Assert.Equal(runner.StateMachine.ComputeStateHashHex(), replica.ComputeStateHashHex());
        Assert.Contains(Command.KindOneofCase.TransferCompleted, kinds);
        Assert.Contains(Command.KindOneofCase.PartyChanged, kinds);
        Assert.True(runner.Generator.CallsReleased > 0);
    }
}
