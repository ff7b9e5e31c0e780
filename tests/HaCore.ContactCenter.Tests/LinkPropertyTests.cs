using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

/// <summary>
/// Randomized call-link stress: only the commands that create, link, merge, renumber and release
/// calls, aimed at live calls and their consult partners, with the invariant checker after every
/// command and a reference check after every released call.
/// </summary>
public sealed class LinkPropertyTests
{
    private static readonly string[] Dns = ["1001", "1002", "1003", "9000"];

    [Fact]
    public void Links_never_point_at_a_released_call_whatever_the_order_of_link_commands()
    {
        var rng = new Random(20261202);
        for (int run = 0; run < 400; run++)
        {
            var h = new Harness();
            for (int step = 0; step < 60; step++)
            {
                IReadOnlyList<ulong> live = h.Sm.GetLiveConnIds();
                ulong x = live.Count == 0 ? 0 : live[rng.Next(live.Count)];
                ulong y = live.Count == 0 ? 0 : live[rng.Next(live.Count)];
                ulong partner = h.Sm.GetCall(x)?.TransferConnId ?? 0;
                ulong target = rng.Next(3) switch { 0 => 0, 1 => partner, _ => y };
                DnId dn = Dn(Dns[rng.Next(Dns.Length)]);
                ICommandKind command = rng.Next(12) switch
                {
                    0 or 1 => new CallCreated { Dn = dn, InitialState = rng.Next(2) == 0 ? PartyState.Connected : PartyState.Dialing, OrigConnId = rng.Next(2) == 0 ? 0 : y },
                    2 => new PartyRinging { ConnId = x, Dn = dn },
                    3 => new PartyEstablished { ConnId = x, Dn = dn },
                    4 => new TransferStarted { ConnId = x, Controller = dn, Kind = (TransferKind)rng.Next(2), Target = Dn("1003"), ConsultConnId = target },
                    5 => new TransferCompleted { ConnId = x },
                    6 => new PartyChanged { ConnId = x, NewConnId = target },
                    7 => new CallReleased { ConnId = x },
                    8 => new PartyReleased { ConnId = x, Dn = dn },
                    9 => new Abandoned { ConnId = x, Dn = dn },
                    10 => new PartyAdded { ConnId = x, Dn = dn, Role = PartyRole.ConferenceMember },
                    _ => new PartyHeld { ConnId = x, Dn = dn },
                };
                CommandResult r = h.Apply(command);
                IReadOnlyList<string> violations = h.Sm.FindInvariantViolations();
                Assert.True(violations.Count == 0, $"run {run} step {step} {command}: {string.Join("; ", violations)}");
                foreach (Event e in r.Events)
                {
                    if (e.Kind == EventKind.CallDeleted)
                    {
                        PropertyTests.AssertNoReference(h.Sm, e.ConnId);
                    }
                }
            }
        }
    }
}
