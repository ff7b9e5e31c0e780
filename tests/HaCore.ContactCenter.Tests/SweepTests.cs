using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

/// <summary>Calls that are never released are cleaned up by a log-timed sweep.</summary>
public sealed class SweepTests
{
    private readonly Harness _h = new();

    [Fact]
    public void A_sweep_releases_stale_calls_in_ConnId_order_bounded_per_entry()
    {
        _h.Login("a1", "1001");
        ulong ringing = _h.InboundCall();              // unanswered, then left alone
        ulong talking = _h.ConnectedCall("1002");
        ulong other = _h.InboundCall("1003");
        _h.Now += 60_000;
        ulong fresh = _h.InboundCall("1004");

        _h.Rejects(new CallsSwept { IdleMs = -1, MaxCalls = 1 }, RejectReason.InvalidArgument);
        _h.Rejects(new CallsSwept { IdleMs = 1000, MaxCalls = 0 }, RejectReason.InvalidArgument);

        CommandResult r = _h.Ok(new CallsSwept { IdleMs = 30_000, MaxCalls = 1, OnlyUnanswered = true });
        Assert.Equal([ringing], r.Events.Where(e => e.Kind == EventKind.CallDeleted).Select(e => e.ConnId));
        Assert.All(r.Events.Where(e => e.Kind == EventKind.Released), e => Assert.Equal("swept", e.Cause));
        PropertyTests.AssertNoReference(_h.Sm, ringing);
        Assert.Equal(AgentState.Ready, _h.Sm.GetAgentState("a1"));

        r = _h.Ok(new CallsSwept { IdleMs = 30_000, MaxCalls = 10, OnlyUnanswered = true });
        Assert.Equal([other], r.Events.Where(e => e.Kind == EventKind.CallDeleted).Select(e => e.ConnId));
        Assert.NotNull(_h.Sm.GetCall(talking));

        r = _h.Ok(new CallsSwept { IdleMs = 30_000, MaxCalls = 10 });
        Assert.Equal([talking], r.Events.Where(e => e.Kind == EventKind.CallDeleted).Select(e => e.ConnId));
        Assert.NotNull(_h.Sm.GetCall(fresh));
    }

    [Fact]
    public void Sweeping_a_main_call_clears_its_consults_link()
    {
        ulong main = _h.ConnectedCall();
        _h.Now += 60_000;
        ulong consult = _h.Ok(new CallCreated { Dn = Dn("1001"), InitialState = PartyState.Dialing, OrigConnId = main }).ConnId;
        _h.Ok(new CallsSwept { IdleMs = 30_000, MaxCalls = 10 });
        Assert.Null(_h.Sm.GetCall(main));
        Assert.Equal(0UL, _h.Call(consult).TransferConnId);
    }
}
