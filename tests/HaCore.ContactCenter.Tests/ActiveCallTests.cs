using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

/// <summary>A DN's active calls are kept sorted by ConnId: binary-search lookups and a deterministic snapshot order.</summary>
public sealed class ActiveCallTests
{
    private readonly Harness _h = new();

    [Fact]
    public void A_DN_lists_its_calls_by_ConnId_whatever_order_they_reached_it()
    {
        // Fails on the code before: the list was in arrival order, [newer, older] here.
        ulong older = _h.ConnectedCall("1001");
        ulong newer = _h.ConnectedCall("1002");
        _h.Ok(new PartyRinging { ConnId = newer, Dn = Dn("1003"), OtherDn = Dn("9000") });
        _h.Ok(new PartyRinging { ConnId = older, Dn = Dn("1003"), OtherDn = Dn("9000") });
        Assert.Equal([older, newer], _h.Sm.GetCallsOnDn(Dn("1003")));
        Assert.Equal([older, newer], _h.Sm.GetDn(Dn("1003"))!.ActiveCalls);
        _h.Ok(new PartyReleased { ConnId = older, Dn = Dn("1003") });
        Assert.Equal([newer], _h.Sm.GetCallsOnDn(Dn("1003")));
        Assert.Empty(_h.Sm.FindInvariantViolations());
    }

    [Fact]
    public void A_snapshot_of_an_older_format_with_calls_in_arrival_order_is_sorted_on_load()
    {
        ulong older = _h.ConnectedCall("1001");
        ulong newer = _h.ConnectedCall("1002");
        _h.Ok(new PartyRinging { ConnId = newer, Dn = Dn("1003"), OtherDn = Dn("9000") });
        _h.Ok(new PartyRinging { ConnId = older, Dn = Dn("1003"), OtherDn = Dn("9000") });
        Snapshot snapshot = _h.Sm.CreateSnapshot().Clone();
        snapshot.FormatVersion = 2;
        snapshot.Dns.Single(d => d.Id!.Number == "1003").ActiveCalls = [newer, older];
        var restored = new ContactCenterStateMachine();
        restored.LoadSnapshot(snapshot);
        Assert.Equal([older, newer], restored.GetCallsOnDn(Dn("1003")));
        Assert.Equal(_h.Sm.ComputeStateHashHex(), restored.ComputeStateHashHex());
        Assert.Empty(restored.FindInvariantViolations());
    }

    [Fact]
    public void A_trunk_with_many_calls_keeps_them_sorted_through_creation_renumbering_and_release()
    {
        var ids = new List<ulong>();
        for (int i = 0; i < 2_000; i++)
        {
            ids.Add(_h.Apply(new CallCreated { Dn = Dn("9000"), InitialState = PartyState.Dialing, CallType = CallType.Inbound }).ConnId);
        }

        // Renumber every third call, release every fifth.
        for (int i = 0; i < ids.Count; i += 3)
        {
            CommandResult r = _h.Apply(new PartyChanged { ConnId = ids[i] });
            Assert.Equal(RejectReason.None, r.RejectReason);
            ids[i] = r.ConnId;
        }

        for (int i = 0; i < ids.Count; i += 5)
        {
            Assert.Equal(RejectReason.None, _h.Apply(new CallReleased { ConnId = ids[i] }).RejectReason);
        }

        IReadOnlyList<ulong> live = _h.Sm.GetCallsOnDn(Dn("9000"));
        Assert.Equal(ids.Where((_, i) => i % 5 != 0).Order(), live);
        Assert.Empty(_h.Sm.FindInvariantViolations());
    }
}
