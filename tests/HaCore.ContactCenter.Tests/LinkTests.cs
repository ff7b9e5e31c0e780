using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

/// <summary>Cross-call links (TransferConnId, a transfer's consult) never point at a released call.</summary>
public sealed class LinkTests
{
    private readonly Harness _h = new();

    private ulong Consult(ulong main, string from = "1001") =>
        _h.Ok(new CallCreated { Dn = Dn(from), InitialState = PartyState.Dialing, OrigConnId = main, CallType = CallType.Consult }).ConnId;

    [Fact]
    public void A_second_consult_from_one_main_call_is_rejected_and_leaves_no_orphan()
    {
        ulong main = _h.ConnectedCall();
        ulong first = Consult(main);
        _h.Rejects(new CallCreated { Dn = Dn("1001"), InitialState = PartyState.Dialing, OrigConnId = main, CallType = CallType.Consult }, RejectReason.TransferInProgress);
        Assert.Equal(first, _h.Call(main).TransferConnId);
        _h.Ok(new CallReleased { ConnId = main });
        PropertyTests.AssertNoReference(_h.Sm, main);
        Assert.Equal(0UL, _h.Call(first).TransferConnId);
    }

    [Fact]
    public void A_consult_call_cannot_start_a_consult_of_its_own()
    {
        ulong main = _h.ConnectedCall();
        ulong consult = Consult(main);
        _h.Rejects(new CallCreated { Dn = Dn("1001"), InitialState = PartyState.Dialing, OrigConnId = consult }, RejectReason.TransferInProgress);
    }

    [Fact]
    public void TransferStarted_rejects_a_consult_call_that_belongs_to_another_call()
    {
        ulong main = _h.ConnectedCall();
        ulong other = _h.ConnectedCall("1002");
        ulong otherConsult = Consult(other, "1002");
        _h.Rejects(new TransferStarted { ConnId = main, Controller = Dn("1001"), Kind = TransferKind.TwoStep, Target = Dn("1003"), ConsultConnId = otherConsult }, RejectReason.InvalidArgument);
        _h.Rejects(new TransferStarted { ConnId = main, Controller = Dn("1001"), Kind = TransferKind.TwoStep, Target = Dn("1003"), ConsultConnId = other }, RejectReason.InvalidArgument);
    }

    [Fact]
    public void TransferStarted_with_an_unlinked_call_of_the_controller_links_both_and_release_clears_the_link()
    {
        ulong main = _h.ConnectedCall();
        _h.Ok(new PartyHeld { ConnId = main, Dn = Dn("1001") });
        ulong consult = _h.Ok(new CallCreated { Dn = Dn("1001"), InitialState = PartyState.Dialing, OtherDn = Dn("1002") }).ConnId;
        _h.Ok(new TransferStarted { ConnId = main, Controller = Dn("1001"), Kind = TransferKind.TwoStep, Target = Dn("1002"), ConsultConnId = consult });
        Assert.Equal(consult, _h.Call(main).TransferConnId);
        Assert.Equal(main, _h.Call(consult).TransferConnId);
        _h.Ok(new CallReleased { ConnId = consult });
        PropertyTests.AssertNoReference(_h.Sm, consult);
    }

    [Fact]
    public void TransferStarted_without_a_consult_adopts_the_linked_consult_call()
    {
        ulong main = _h.ConnectedCall();
        ulong consult = Consult(main);
        _h.Ok(new TransferStarted { ConnId = main, Controller = Dn("1001"), Kind = TransferKind.TwoStep, Target = Dn("1002") });
        Assert.Equal(consult, _h.Call(main).TransferInProgress!.ConsultConnId);
    }

    [Fact]
    public void A_consult_created_after_TransferStarted_becomes_the_transfer_consult()
    {
        ulong main = _h.ConnectedCall();
        _h.Ok(new TransferStarted { ConnId = main, Controller = Dn("1001"), Kind = TransferKind.TwoStep, Target = Dn("1002") });
        ulong consult = Consult(main);
        Assert.Equal(consult, _h.Call(main).TransferInProgress!.ConsultConnId);
        _h.Ok(new CallReleased { ConnId = consult });
        PropertyTests.AssertNoReference(_h.Sm, consult);
        Assert.Equal(0UL, _h.Call(main).TransferInProgress!.ConsultConnId);
    }

    [Fact]
    public void Renumbering_a_consult_call_moves_every_link_to_its_new_ConnId()
    {
        ulong main = _h.ConnectedCall();
        ulong consult = Consult(main);
        _h.Ok(new TransferStarted { ConnId = main, Controller = Dn("1001"), Kind = TransferKind.TwoStep, Target = Dn("1002"), ConsultConnId = consult });
        ulong renamed = _h.Ok(new PartyChanged { ConnId = consult }).ConnId;
        Assert.Equal(renamed, _h.Call(main).TransferConnId);
        Assert.Equal(renamed, _h.Call(main).TransferInProgress!.ConsultConnId);
        Assert.Equal(main, _h.Call(renamed).TransferConnId);
        _h.Ok(new CallReleased { ConnId = renamed });
        PropertyTests.AssertNoReference(_h.Sm, renamed);
        Assert.Equal(0UL, _h.Call(main).TransferInProgress!.ConsultConnId);
    }

    [Fact]
    public void Renumbering_a_main_call_moves_the_consult_link_to_its_new_ConnId()
    {
        ulong main = _h.ConnectedCall();
        ulong consult = Consult(main);
        ulong renamed = _h.Ok(new PartyChanged { ConnId = main }).ConnId;
        Assert.Equal(renamed, _h.Call(consult).TransferConnId);
        _h.Ok(new CallReleased { ConnId = renamed });
        PropertyTests.AssertNoReference(_h.Sm, renamed);
    }
}
