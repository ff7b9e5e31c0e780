using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

public sealed class SessionTests
{
    private readonly Harness _h = new();

    [Fact]
    public void SessionOpened_opens_a_lease_and_rejects_a_duplicate()
    {
        _h.Ok(new SessionOpened { SessionId = "s2", ClientName = "urs", LeaseMs = 1000 });
        Assert.Equal(_h.Now + 1000, _h.Sm.GetSession("s2")!.LeaseExpiresAt);
        _h.Rejects(new SessionOpened { SessionId = "s2", LeaseMs = 1000 }, RejectReason.SessionExists);
        _h.Rejects(new SessionOpened { SessionId = "s3", LeaseMs = 0 }, RejectReason.InvalidArgument);
    }

    [Fact]
    public void SessionRenewed_extends_the_lease_and_records_the_acked_index()
    {
        _h.Ok(new SessionRenewed { SessionId = Session, LeaseMs = 90_000, LastAckedIndex = 17 });
        ClientSession s = _h.Sm.GetSession(Session)!;
        Assert.Equal(_h.Now + 90_000, s.LeaseExpiresAt);
        Assert.Equal(17UL, s.LastAckedIndex);
        _h.Rejects(new SessionRenewed { SessionId = "nope" }, RejectReason.UnknownSession);
    }

    [Fact]
    public void SessionRenewed_rejects_a_session_whose_lease_ran_out()
    {
        _h.Now += 120_000;
        _h.Rejects(new SessionRenewed { SessionId = Session }, RejectReason.SessionExpired);
    }

    [Fact]
    public void SessionExpired_needs_the_lease_to_have_run_out_and_cascades_to_subscriptions()
    {
        _h.Ok(new AddressRegistered { Dn = Dn("1001") }, Session, 1);
        _h.Rejects(new SessionExpired { SessionId = Session }, RejectReason.NotExpired);
        _h.Now += 60_001;
        CommandResult r = _h.Ok(new SessionExpired { SessionId = Session });
        Assert.Equal([EventKind.Unregistered, EventKind.SessionExpired], r.Events.Select(e => e.Kind));
        Assert.Null(_h.Sm.GetSession(Session));
        _h.Rejects(new SessionExpired { SessionId = Session }, RejectReason.UnknownSession);
    }

    [Fact]
    public void SessionExpired_sweep_expires_every_lapsed_session_in_id_order()
    {
        _h.Ok(new SessionOpened { SessionId = "b", LeaseMs = 10 });
        _h.Ok(new SessionOpened { SessionId = "a", LeaseMs = 10 });
        _h.Ok(new SessionOpened { SessionId = "c", LeaseMs = 1_000_000 });
        _h.Now += 100_000;
        CommandResult r = _h.Ok(new SessionExpired());
        Assert.Equal(["a", "b", Session], r.Events.Select(e => e.SessionId));
        Assert.NotNull(_h.Sm.GetSession("c"));
    }

    [Fact]
    public void Requests_from_unknown_or_expired_sessions_are_rejected()
    {
        _h.Rejects(new DndOn { Dn = Dn("1001") }, RejectReason.UnknownSession, "ghost", 1);
        _h.Now += 60_001;
        _h.Rejects(new DndOn { Dn = Dn("1001") }, RejectReason.SessionExpired, Session, 0);
    }

    [Fact]
    public void AddressRegistered_creates_a_subscription_and_rejects_duplicates_and_unknown_DNs()
    {
        CommandResult r = _h.Ok(new AddressRegistered { Dn = Dn("1001"), RegisterMode = RegisterMode.Share }, Session, 2);
        Assert.Equal(EventKind.Registered, r.Events[0].Kind);
        Assert.Equal(2u, r.Events[0].ReferenceId);
        _h.Rejects(new AddressRegistered { Dn = Dn("1001") }, RejectReason.SubscriptionExists, Session, 0);
        _h.Rejects(new AddressRegistered { Dn = Dn("x") }, RejectReason.UnknownDn, Session, 0);
        _h.Rejects(new AddressRegistered { Dn = Dn("1002") }, RejectReason.UnknownSession);
    }

    [Fact]
    public void AddressUnregistered_removes_the_subscription_and_rejects_unknown()
    {
        _h.Ok(new AddressRegistered { Dn = Dn("1001") }, Session, 0);
        _h.Ok(new AddressUnregistered { Dn = Dn("1001") }, Session, 0);
        _h.Rejects(new AddressUnregistered { Dn = Dn("1001") }, RejectReason.UnknownSubscription, Session, 0);
    }

    [Fact]
    public void Invariant11_a_retry_returns_the_original_result_and_applies_once()
    {
        ulong id = _h.ConnectedCall();
        CommandResult first = _h.Ok(new UserDataAttached { ConnId = id, Pairs = { Kv("k", "v") } }, Session, 42);
        string after = _h.Sm.ComputeStateHashHex();
        CommandResult retry = _h.Apply(new UserDataAttached { ConnId = id, Pairs = { Kv("k", "v") } }, Session, 42);
        Assert.True(retry.Duplicate);
        Assert.Equal(RejectReason.None, retry.RejectReason);
        // The events were published once, at the original index; the retry is marked and carries none.
        Assert.NotEmpty(first.Events);
        Assert.Empty(retry.Events);
        Assert.Equal(first.AppliedIndex, retry.AppliedIndex);
        Assert.Equal(first.ConnId, retry.ConnId);
        Assert.Equal(after, _h.Sm.ComputeStateHashHex());
    }

    [Fact]
    public void Invariant11_a_retried_rejection_returns_the_original_rejection()
    {
        CommandResult first = _h.Apply(new DndOff { Dn = Dn("1001") }, Session, 5);
        Assert.Equal(RejectReason.AlreadyInState, first.RejectReason);
        _h.Ok(new DndOn { Dn = Dn("1001") });
        CommandResult retry = _h.Apply(new DndOff { Dn = Dn("1001") }, Session, 5);
        Assert.True(retry.Duplicate);
        Assert.Equal(RejectReason.AlreadyInState, retry.RejectReason);
        Assert.True(_h.Sm.GetDn(Dn("1001"))!.Dnd);
    }

    [Fact]
    public void Dedupe_entries_expire_after_the_window_deterministically()
    {
        var h = new Harness(options: new ContactCenterOptions { DedupeWindowMs = 1000, MaxDedupeEntriesPerSession = 2 });
        h.Ok(new SessionRenewed { SessionId = Session, LeaseMs = 10_000_000 });
        h.Ok(new DndOn { Dn = Dn("1001") }, Session, 1);
        h.Now += 2000;
        h.Ok(new DndOff { Dn = Dn("1001") }, Session, 2);
        // Reference 1 left the window: it is applied as a new request now.
        CommandResult again = h.Apply(new DndOn { Dn = Dn("1001") }, Session, 1);
        Assert.False(again.Duplicate);
        Assert.Equal(RejectReason.None, again.RejectReason);
        Assert.True(h.Apply(new DndOff { Dn = Dn("1001") }, Session, 2).Duplicate);
        // The window is sized by time: with two live entries (references 1 and 2) the bound refuses a third
        // request instead of evicting an entry early, and changes nothing.
        string before = h.Sm.ComputeStateHashHex();
        Assert.Equal(RejectReason.LimitExceeded, h.Apply(new DndOn { Dn = Dn("1002") }, Session, 3).RejectReason);
        Assert.Equal(before, h.Sm.ComputeStateHashHex());
        Assert.True(h.Apply(new DndOff { Dn = Dn("1001") }, Session, 2).Duplicate);
        h.Now += 2000;
        h.Ok(new DndOn { Dn = Dn("1002") }, Session, 3);
    }

    [Fact]
    public void Earliest_lease_expiry_tells_the_leader_when_to_sweep()
    {
        long first = _h.Sm.EarliestSessionLeaseExpiry()!.Value;
        _h.Ok(new SessionOpened { SessionId = "short", LeaseMs = 5 });
        long shortLease = _h.Sm.EarliestSessionLeaseExpiry()!.Value;
        Assert.True(shortLease < first);
        _h.Now = shortLease - 10; // the harness adds 10 ms per entry: applied exactly at expiry
        Assert.Empty(_h.Ok(new SessionExpired()).Events);
        Assert.Equal(["short"], _h.Ok(new SessionExpired()).Events.Select(e => e.SessionId));
        Assert.Null(new Harness(populated: false).Sm.EarliestSessionLeaseExpiry());
    }
}
