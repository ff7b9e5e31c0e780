using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace HaCore.ContactCenter.Tests;

/// <summary>FsCheck properties over random valid and invalid command sequences.</summary>
public sealed class PropertyTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(150).WithEndSize(150);

    private static Arbitrary<int[]> Sequences => ArbMap.Default.ArbFor<int[]>();

    /// <summary>
    /// Decodes the commands one at a time against <paramref name="driver"/>'s current state, so
    /// the caller must apply each command to the driver before asking for the next.
    /// </summary>
    private static IEnumerable<(CommandContext Context, Command Command)> Script(int[] xs, Harness driver)
    {
        ulong index = driver.Index;
        long now = driver.Now;
        foreach (int x in xs)
        {
            (long advance, Command command) = RandomCommands.Decode(x, driver.Sm);
            now += advance;
            yield return (new CommandContext(++index, 2, now), command);
        }
    }

    [Fact]
    public void Random_sequences_keep_every_invariant_and_rejections_change_nothing()
    {
        Check.One(Quick, Prop.ForAll(Sequences, xs =>
        {
            var h = new Harness(sessionLeaseMs: 3_600_000);
            foreach ((CommandContext ctx, Command cmd) in Script(xs, h))
            {
                string before = h.Sm.ComputeStateHashHex();
                CommandResult r = h.Sm.Apply(ctx, cmd);
                bool remembered = cmd.SessionId.Length != 0 && cmd.ReferenceId != 0;
                if (r.RejectReason != RejectReason.None && !remembered)
                {
                    Assert.Equal(before, h.Sm.ComputeStateHashHex());
                }

                if (r.RejectReason != RejectReason.None && !r.Duplicate)
                {
                    // A refusal's only event is EventError, echoing the request's ReferenceID.
                    Event error = Assert.Single(r.Events);
                    Assert.Equal((EventKind.Error, r.RejectReason, cmd.ReferenceId), (error.Kind, error.Error, error.ReferenceId));
                }

                IReadOnlyList<string> violations = h.Sm.FindInvariantViolations();
                Assert.True(violations.Count == 0, cmd + " => " + string.Join("; ", violations));
            }
        }));
    }

    [Fact]
    public void No_orphan_remains_after_any_release()
    {
        Check.One(Quick, Prop.ForAll(Sequences, xs =>
        {
            var h = new Harness(sessionLeaseMs: 3_600_000);
            foreach ((CommandContext ctx, Command cmd) in Script(xs, h))
            {
                CommandResult r = h.Sm.Apply(ctx, cmd);
                if (r.Duplicate)
                {
                    continue;
                }

                foreach (Event e in r.Events)
                {
                    if (e.Kind == EventKind.CallDeleted)
                    {
                        AssertNoReference(h.Sm, e.ConnId);
                    }
                }
            }
        }));
    }

    [Fact]
    public void Applying_the_same_sequence_twice_gives_the_same_hash_and_results()
    {
        Check.One(Quick, Prop.ForAll(Sequences, xs =>
        {
            var a = new Harness(sessionLeaseMs: 3_600_000);
            var b = new Harness(sessionLeaseMs: 3_600_000);
            foreach ((CommandContext ctx, Command cmd) in Script(xs, a))
            {
                Assert.Equal(a.Sm.Apply(ctx, cmd), b.Sm.Apply(ctx, cmd));
            }

            Assert.Equal(a.Sm.ComputeStateHashHex(), b.Sm.ComputeStateHashHex());
        }));
    }

    [Fact]
    public void Snapshot_at_any_point_plus_the_rest_gives_the_same_state_and_events()
    {
        Check.One(Quick, Prop.ForAll(Sequences, Arb.From(Gen.Choose(0, 1000)), (xs, cut) =>
        {
            var whole = new Harness(sessionLeaseMs: 3_600_000);
            var prefix = new Harness(sessionLeaseMs: 3_600_000);
            int k = xs.Length == 0 ? 0 : cut % (xs.Length + 1);
            using var script = Script(xs, whole).GetEnumerator();
            for (int i = 0; i < k && script.MoveNext(); i++)
            {
                whole.Sm.Apply(script.Current.Context, script.Current.Command);
                prefix.Sm.Apply(script.Current.Context, script.Current.Command);
            }

            var buffer = new ArrayBufferWriter<byte>();
            prefix.Sm.WriteSnapshot(buffer);
            var restored = new ContactCenterStateMachine();
            restored.RestoreSnapshot(new ReadOnlySequence<byte>(buffer.WrittenMemory));
            Assert.Equal(prefix.Sm.ComputeStateHashHex(), restored.ComputeStateHashHex());
            while (script.MoveNext())
            {
                (CommandContext ctx, Command cmd) = script.Current;
                Assert.Equal(whole.Sm.Apply(ctx, cmd), restored.Apply(ctx, cmd));
            }

            Assert.Equal(whole.Sm.ComputeStateHashHex(), restored.ComputeStateHashHex());
            Assert.Empty(restored.FindInvariantViolations());
        }));
    }

    [Fact]
    public void A_failing_property_fails_the_test()
    {
        // Guards the harness itself: Check.One with QuickThrowOnFailure must throw on a false property.
        Assert.ThrowsAny<Exception>(() => Check.One(Quick, Prop.ForAll(Sequences, xs => xs.Length < 3)));
    }

    internal static void AssertNoReference(ContactCenterStateMachine sm, ulong connId)
    {
        Snapshot s = sm.CreateSnapshot();
        Assert.DoesNotContain(s.Calls, c => c.ConnId == connId || c.TransferConnId == connId
            || (c.TransferInProgress is not null && c.TransferInProgress.ConsultConnId == connId));
        Assert.DoesNotContain(s.Dns, d => d.ActiveCalls.Contains(connId));
        Assert.DoesNotContain(s.Conferences, r => r.ConnId == connId);
        Assert.DoesNotContain(s.Conversations, r => r.ConnId == connId);
        Assert.DoesNotContain(s.ConnectorCalls, r => r.ConnId == connId);
        Assert.DoesNotContain(s.B2BCalls, r => r.ConnId == connId);
        Assert.Empty(sm.FindInvariantViolations());
    }
}
