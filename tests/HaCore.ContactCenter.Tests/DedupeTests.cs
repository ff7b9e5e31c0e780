using System.Buffers;
using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

/// <summary>
/// Exactly-once: the dedupe window is sized by leader time, not by count, and covers replays by
/// (source, source sequence) (DOMAIN.md §5 scenario 14).
/// </summary>
public sealed class DedupeTests
{
    private readonly Harness _h = new();

    private static Command FromSource(ICommandKind kind, ulong sequence, string source = ConnectorA, ulong epoch = 1) =>
        new() { Kind = kind, Source = source, SourceSequence = sequence, SourceEpoch = epoch };

    private static CallCreated Inbound() => new()
    {
        Dn = Dn("9000"), InitialState = PartyState.Dialing, OtherDn = Dn("1001"), CallType = CallType.Inbound,
    };

    [Fact]
    public void A_replayed_CallCreated_from_a_connector_does_not_create_a_second_call()
    {
        // Fails on the code before: commands had no source, so the replay created a second call.
        CommandResult first = _h.Apply(FromSource(Inbound(), 7));
        Assert.Equal(RejectReason.None, first.RejectReason);
        Assert.Equal(1, _h.Sm.CallCount);
        string before = _h.Sm.ComputeStateHashHex();
        CommandResult replay = _h.Apply(FromSource(Inbound(), 7));
        Assert.True(replay.Duplicate);
        Assert.Empty(replay.Events);
        Assert.Equal((first.ConnId, first.AppliedIndex), (replay.ConnId, replay.AppliedIndex));
        Assert.Equal(1, _h.Sm.CallCount);
        Assert.Equal(before, _h.Sm.ComputeStateHashHex());
        // The same sequence from another source is another command.
        Assert.False(_h.Apply(FromSource(Inbound(), 7, ConnectorB)).Duplicate);
        Assert.Equal(2, _h.Sm.CallCount);
    }

    [Fact]
    public void A_source_replaying_its_last_events_yields_no_duplicate_events_and_the_same_state()
    {
        ulong id = _h.Apply(FromSource(Inbound(), 1)).ConnId;
        Command[] tail =
        [
            FromSource(new PartyRinging { ConnId = id, Dn = Dn("1001"), OtherDn = Dn("9000") }, 2),
            FromSource(new PartyEstablished { ConnId = id, Dn = Dn("1001") }, 3),
            FromSource(new PartyHeld { ConnId = id, Dn = Dn("9000") }, 4), // refused: 9000 is not connected
            FromSource(new PartyEstablished { ConnId = id, Dn = Dn("9000") }, 5),
        ];
        CommandResult[] originals = tail.Select(_h.Apply).ToArray();
        Assert.Equal(RejectReason.InvalidPartyTransition, originals[2].RejectReason);
        string before = _h.Sm.ComputeStateHashHex();
        CommandResult[] replays = tail.Select(c => _h.Apply(c.Clone())).ToArray();
        Assert.All(replays, r => Assert.True(r.Duplicate));
        Assert.All(replays, r => Assert.Empty(r.Events));
        Assert.Equal(originals.Select(r => (r.RejectReason, r.AppliedIndex)), replays.Select(r => (r.RejectReason, r.AppliedIndex)));
        Assert.Equal(before, _h.Sm.ComputeStateHashHex());
        Assert.Empty(_h.Sm.FindInvariantViolations());
    }

    [Fact]
    public void A_replay_older_than_the_window_is_refused_not_applied_again()
    {
        var h = new Harness(options: new ContactCenterOptions { DedupeWindowMs = 1_000 });
        h.Ok(new ConnectorUp { ConnectorId = ConnectorA, LeaseMs = 1_000_000, Epoch = 1 });
        Assert.Equal(RejectReason.None, h.Apply(FromSource(Inbound(), 1)).RejectReason);
        h.Now += 5_000;
        // Applying sequence 2 moves sequence 1 out of the window; its replay is refused, the call stays one.
        Assert.Equal(RejectReason.None, h.Apply(FromSource(new DndOn { Dn = Dn("1003") }, 2)).RejectReason);
        string before = h.Sm.ComputeStateHashHex();
        CommandResult late = h.Apply(FromSource(Inbound(), 1));
        Assert.Equal(RejectReason.SourceReplayTooOld, late.RejectReason);
        Assert.Equal(EventKind.Error, Assert.Single(late.Events).Kind);
        Assert.Equal(before, h.Sm.ComputeStateHashHex());
        Assert.Equal(1, h.Sm.CallCount);
        Assert.Equal(1UL, h.Sm.GetConnector(ConnectorA)!.SourceSequenceFloor);
        // Sequence 2 is still inside the window.
        Assert.True(h.Apply(FromSource(new DndOn { Dn = Dn("1003") }, 2)).Duplicate);
    }

    [Fact]
    public void A_report_from_an_older_incarnation_is_refused_but_its_applied_replay_is_answered()
    {
        // Fails on the code before: a connector's call reports carried no epoch, so a stale instance's were applied.
        CommandResult first = _h.Apply(FromSource(Inbound(), 1));
        _h.Ok(new ConnectorUp { ConnectorId = ConnectorA, Endpoint = "a:2", LeaseMs = 10_000 }); // epoch 2
        string before = _h.Sm.ComputeStateHashHex();
        Assert.Equal(RejectReason.StaleConnectorEpoch, _h.Apply(FromSource(Inbound(), 2, epoch: 1)).RejectReason);
        Assert.Equal(RejectReason.StaleConnectorEpoch, _h.Apply(FromSource(Inbound(), 2, epoch: 0)).RejectReason);
        Assert.Equal(before, _h.Sm.ComputeStateHashHex());
        // The replay of what the old instance got applied is still the original outcome.
        CommandResult replay = _h.Apply(FromSource(Inbound(), 1, epoch: 1));
        Assert.True(replay.Duplicate);
        Assert.Equal(first.ConnId, replay.ConnId);
        // The refused report did not take sequence 2: the current instance uses it.
        Assert.Equal(RejectReason.None, _h.Apply(FromSource(Inbound(), 2, epoch: 2)).RejectReason);
        Assert.Equal(2, _h.Sm.CallCount);
        _h.Ok(new ConnectorDown { ConnectorId = ConnectorA, Epoch = 2 });
        Assert.Equal(RejectReason.ConnectorNotAlive, _h.Apply(FromSource(Inbound(), 3, epoch: 2)).RejectReason);
    }

    [Fact]
    public void The_window_is_sized_by_time_not_by_count()
    {
        // Fails on the code before: 4,096 entries per session, so a busy session's first request was forgotten.
        _h.Ok(new SessionRenewed { SessionId = Session, LeaseMs = 10_000_000 });
        CommandResult first = _h.Apply(new DndOn { Dn = Dn("1001") }, Session, 1);
        for (uint reference = 2; reference <= 5_000; reference++)
        {
            _h.Apply(new MuteOn { ConnId = 42, Dn = Dn("1001") }, Session, reference);
        }

        CommandResult retry = _h.Apply(new DndOn { Dn = Dn("1001") }, Session, 1);
        Assert.True(retry.Duplicate);
        Assert.Equal(first.AppliedIndex, retry.AppliedIndex);
    }

    [Fact]
    public void A_source_beyond_its_bound_is_refused_until_entries_leave_the_window()
    {
        // The source's own bound applies, not the session's.
        var h = new Harness(options: new ContactCenterOptions { DedupeWindowMs = 1_000, MaxDedupeEntriesPerSource = 2, MaxDedupeEntriesPerSession = 1 });
        h.Ok(new ConnectorUp { ConnectorId = ConnectorA, LeaseMs = 1_000_000, Epoch = 1 });
        h.Apply(FromSource(new DndOn { Dn = Dn("1001") }, 1));
        h.Apply(FromSource(new DndOn { Dn = Dn("1002") }, 2));
        string before = h.Sm.ComputeStateHashHex();
        Assert.Equal(RejectReason.LimitExceeded, h.Apply(FromSource(new DndOn { Dn = Dn("1003") }, 3)).RejectReason);
        Assert.Equal(before, h.Sm.ComputeStateHashHex());
        h.Now += 2_000;
        Assert.Equal(RejectReason.None, h.Apply(FromSource(new DndOn { Dn = Dn("1003") }, 3)).RejectReason);
    }

    [Fact]
    public void A_source_is_a_known_connector_with_a_sequence()
    {
        string before = _h.Sm.ComputeStateHashHex();
        Assert.Equal(RejectReason.UnknownConnector, _h.Apply(FromSource(Inbound(), 1, "nobody")).RejectReason);
        Assert.Equal(RejectReason.InvalidArgument, _h.Apply(FromSource(Inbound(), 0)).RejectReason);
        Assert.Equal(RejectReason.InvalidArgument, _h.Apply(new Command { Kind = Inbound(), SourceSequence = 3 }).RejectReason);
        Assert.Equal(before, _h.Sm.ComputeStateHashHex());
    }

    [Fact]
    public void Source_dedupe_survives_a_snapshot_and_the_encoding()
    {
        _h.Apply(FromSource(Inbound(), 1));
        Command replay = Contract.Deserialize<Command>(new ReadOnlySequence<byte>(Contract.Serialize(FromSource(Inbound(), 1))));
        Assert.Equal((ConnectorA, 1UL), (replay.Source, replay.SourceSequence));
        var writer = new ArrayBufferWriter<byte>();
        _h.Sm.WriteSnapshot(writer);
        var restored = new ContactCenterStateMachine();
        restored.RestoreSnapshot(new ReadOnlySequence<byte>(writer.WrittenMemory));
        Assert.Equal(_h.Sm.ComputeStateHashHex(), restored.ComputeStateHashHex());
        CommandResult r = restored.Apply(new CommandContext(_h.Index + 1, 1, _h.Now + 10), replay);
        Assert.True(r.Duplicate);
        Assert.Equal(1, restored.CallCount);
        // A command without a source encodes as before the source existed: [session, reference, kind].
        byte[] plain = Contract.Serialize(new Command { Kind = Inbound() });
        Assert.Equal(0x93, plain[0]);
    }
}
