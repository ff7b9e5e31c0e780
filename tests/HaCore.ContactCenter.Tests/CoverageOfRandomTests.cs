using Xunit;

namespace HaCore.ContactCenter.Tests;

public sealed class CoverageOfRandomTests
{
    [Fact]
    public void Random_sequences_apply_every_command_kind_successfully_and_reject_some_of_each()
    {
        var ok = new HashSet<Command.KindOneofCase>();
        var rejected = new HashSet<Command.KindOneofCase>();
        var rng = new Random(12345);
        for (int run = 0; run < 300; run++)
        {
            var h = new Harness(sessionLeaseMs: 3_600_000);
            ulong index = h.Index;
            long now = h.Now;
            for (int i = 0; i < 150; i++)
            {
                (long advance, Command cmd) = RandomCommands.Decode(rng.Next(int.MinValue, int.MaxValue), h.Sm);
                now += advance;
                CommandResult r = h.Sm.Apply(new CommandContext(++index, 1, now), cmd);
                (r.RejectReason == RejectReason.None ? ok : rejected).Add(cmd.KindCase);
            }
        }

        var all = Enum.GetValues<Command.KindOneofCase>().Where(k => k != Command.KindOneofCase.None).ToArray();
        Assert.Equal(all.Except(ok).ToArray(), Array.Empty<Command.KindOneofCase>());
        Assert.Equal(all.Except(rejected).ToArray(), Array.Empty<Command.KindOneofCase>());
    }
}
