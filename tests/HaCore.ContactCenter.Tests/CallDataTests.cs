using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

public sealed class CallDataTests
{
    private readonly Harness _h = new();

    [Fact]
    public void RouteRequested_keeps_the_deadline_and_rejects_a_second_request()
    {
        ulong id = _h.InboundCall();
        long at = _h.Now + 10;
        _h.Ok(new RouteRequested { ConnId = id, RoutePoint = Dn("8000"), TimeoutMs = 5000 }, Session, 3);
        RouteRequest route = _h.Call(id).PendingRoute!;
        Assert.Equal(at + 5000, route.DeadlineAt);
        Assert.Equal(3u, route.ReferenceId);
        _h.Rejects(new RouteRequested { ConnId = id, RoutePoint = Dn("8000"), TimeoutMs = 5000 }, RejectReason.RoutePending);
    }

    [Fact]
    public void RouteUsed_clears_the_request_and_echoes_its_reference()
    {
        ulong id = _h.InboundCall();
        _h.Rejects(new RouteUsed { ConnId = id, Destination = Dn("1002") }, RejectReason.NoRoutePending);
        _h.Ok(new RouteRequested { ConnId = id, RoutePoint = Dn("8000"), TimeoutMs = 5000 }, Session, 9);
        CommandResult r = _h.Ok(new RouteUsed { ConnId = id, Destination = Dn("1002") });
        Assert.Equal(9u, r.Events[0].ReferenceId);
        Assert.Null(_h.Call(id).PendingRoute);
    }

    [Fact]
    public void RouteTimedOut_needs_the_deadline_to_have_passed()
    {
        ulong id = _h.InboundCall();
        _h.Ok(new RouteRequested { ConnId = id, RoutePoint = Dn("8000"), TimeoutMs = 5000 });
        _h.Rejects(new RouteTimedOut { ConnId = id }, RejectReason.NotExpired);
        _h.Now += 5000;
        _h.Ok(new RouteTimedOut { ConnId = id });
        _h.Rejects(new RouteTimedOut { ConnId = id }, RejectReason.NoRoutePending);
    }

    [Fact]
    public void UserDataAttached_adds_keys_and_never_overwrites()
    {
        ulong id = _h.ConnectedCall();
        CommandResult r = _h.Ok(new UserDataAttached { ConnId = id, Pairs = { Kv("b", "1"), Kv("a", "2") } }, Session, 5);
        Assert.Equal(EventKind.AttachedDataChanged, r.Events[0].Kind);
        Assert.Equal(5u, r.Events[0].ReferenceId);
        Assert.Equal(["a", "b"], _h.Call(id).UserData.Select(p => p.Key));
        _h.Rejects(new UserDataAttached { ConnId = id, Pairs = { Kv("a", "3") } }, RejectReason.UserDataKeyExists);
        _h.Rejects(new UserDataAttached { ConnId = id }, RejectReason.InvalidArgument);
    }

    [Fact]
    public void UserDataUpdated_is_a_key_level_upsert()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(new UserDataAttached { ConnId = id, Pairs = { Kv("a", "1"), Kv("b", "1") } });
        _h.Ok(new UserDataUpdated { ConnId = id, Pairs = { Kv("b", "2"), Kv("c", "3") } });
        Call call = _h.Call(id);
        Assert.Equal(["a", "b", "c"], call.UserData.Select(p => p.Key));
        Assert.Equal("2", call.UserData[1].Value!.Str);
        _h.Rejects(new UserDataUpdated { ConnId = id, Pairs = { Kv("x", "1"), Kv("x", "2") } }, RejectReason.InvalidArgument);
        _h.Rejects(new UserDataUpdated { ConnId = 1, Pairs = { Kv("x", "1") } }, RejectReason.UnknownCall);
    }

    [Fact]
    public void UserDataKeyDeleted_removes_one_key_and_rejects_a_missing_key()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(new UserDataAttached { ConnId = id, Pairs = { Kv("a", "1"), Kv("b", "1") } });
        _h.Ok(new UserDataKeyDeleted { ConnId = id, Key = "a" });
        Assert.Equal(["b"], _h.Call(id).UserData.Select(p => p.Key));
        _h.Rejects(new UserDataKeyDeleted { ConnId = id, Key = "a" }, RejectReason.UserDataKeyNotFound);
    }

    [Fact]
    public void UserDataCleared_removes_all_keys_and_rejects_unknown_call()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(new UserDataAttached { ConnId = id, Pairs = { Kv("a", "1") } });
        _h.Ok(new UserDataCleared { ConnId = id });
        Assert.Empty(_h.Call(id).UserData);
        _h.Rejects(new UserDataCleared { ConnId = 77 }, RejectReason.UnknownCall);
    }

    [Fact]
    public void Nested_and_binary_user_data_values_are_kept()
    {
        ulong id = _h.ConnectedCall();
        var nested = new KvPair { Key = "n", Value = new KvValue { List = new KvList { Pairs = { Kv("inner", "v") } } } };
        var binary = new KvPair { Key = "bin", Value = new KvValue { Binary = new byte[] { 1, 2, 3 } } };
        var number = new KvPair { Key = "num", Value = new KvValue { Int = 42 } };
        _h.Ok(new UserDataAttached { ConnId = id, Pairs = { nested, binary, number } });
        Call call = _h.Call(id);
        Assert.Equal("v", call.UserData.Single(p => p.Key == "n").Value!.List!.Pairs[0].Value!.Str);
        Assert.Equal(42, call.UserData.Single(p => p.Key == "num").Value!.Int);
    }

    [Fact]
    public void TreatmentRequested_allows_one_active_treatment_per_call_and_DN()
    {
        ulong id = _h.InboundCall();
        _h.Ok(new TreatmentRequested { ConnId = id, Dn = Dn("8000"), Type = TreatmentType.Music, Parameters = { Kv("MUSIC_DN", "9500") } });
        _h.Rejects(new TreatmentRequested { ConnId = id, Dn = Dn("8000"), Type = TreatmentType.Ivr }, RejectReason.TreatmentActive);
        _h.Rejects(new TreatmentRequested { ConnId = 5, Dn = Dn("8000") }, RejectReason.UnknownCall);
    }

    [Fact]
    public void TreatmentApplied_then_TreatmentEnded_closes_the_session()
    {
        ulong id = _h.InboundCall();
        _h.Rejects(new TreatmentApplied { ConnId = id, Dn = Dn("8000") }, RejectReason.UnknownTreatment);
        _h.Ok(new TreatmentRequested { ConnId = id, Dn = Dn("8000"), Type = TreatmentType.Ivr }, Session, 21);
        CommandResult applied = _h.Ok(new TreatmentApplied { ConnId = id, Dn = Dn("8000"), MediaResource = "ivr-port-1" });
        Assert.Equal(21u, applied.Events[0].ReferenceId);
        _h.Rejects(new TreatmentApplied { ConnId = id, Dn = Dn("8000") }, RejectReason.InvalidTreatmentTransition);
        _h.Ok(new TreatmentEnded { ConnId = id, Dn = Dn("8000") });
        Assert.Empty(_h.Call(id).Treatments);
    }

    [Fact]
    public void TreatmentEnded_rejects_a_treatment_never_applied()
    {
        ulong id = _h.InboundCall();
        _h.Ok(new TreatmentRequested { ConnId = id, Dn = Dn("8000"), Type = TreatmentType.Ivr });
        _h.Rejects(new TreatmentEnded { ConnId = id, Dn = Dn("8000") }, RejectReason.InvalidTreatmentTransition);
    }

    [Fact]
    public void TreatmentNotApplied_closes_a_requested_session_only()
    {
        ulong id = _h.InboundCall();
        _h.Ok(new TreatmentRequested { ConnId = id, Dn = Dn("8000"), Type = TreatmentType.Ivr });
        _h.Ok(new TreatmentNotApplied { ConnId = id, Dn = Dn("8000"), Cause = "no port" });
        _h.Ok(new TreatmentRequested { ConnId = id, Dn = Dn("8000"), Type = TreatmentType.Ivr });
        _h.Ok(new TreatmentApplied { ConnId = id, Dn = Dn("8000") });
        _h.Rejects(new TreatmentNotApplied { ConnId = id, Dn = Dn("8000") }, RejectReason.InvalidTreatmentTransition);
    }

    [Fact]
    public void IsccRequested_opens_a_link_and_rejects_a_duplicate_transaction()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(new IsccRequested { ConnId = id, TransactionId = 1, RemoteLocation = "siteB", TimeoutMs = 1000 });
        Assert.Single(_h.Call(id).IsccLinks);
        _h.Rejects(new IsccRequested { ConnId = id, TransactionId = 1, RemoteLocation = "siteB", TimeoutMs = 1000 }, RejectReason.IsccTransactionExists);
        _h.Rejects(new IsccRequested { ConnId = id, TransactionId = 2, TimeoutMs = 1000 }, RejectReason.InvalidArgument);
    }

    [Fact]
    public void IsccResourceAllocated_holds_the_resource_exclusively()
    {
        ulong a = _h.ConnectedCall("1001");
        ulong b = _h.ConnectedCall("1002");
        _h.Ok(new IsccRequested { ConnId = a, TransactionId = 1, RemoteLocation = "siteB", TimeoutMs = 1000 });
        _h.Ok(new IsccRequested { ConnId = b, TransactionId = 2, RemoteLocation = "siteB", TimeoutMs = 1000 });
        _h.Ok(new IsccResourceAllocated { TransactionId = 1, AccessResource = Dn("9600") });
        _h.Rejects(new IsccResourceAllocated { TransactionId = 2, AccessResource = Dn("9600") }, RejectReason.IsccResourceBusy);
        _h.Rejects(new IsccResourceAllocated { TransactionId = 1, AccessResource = Dn("8000") }, RejectReason.InvalidIsccTransition);
        _h.Rejects(new IsccResourceAllocated { TransactionId = 3, AccessResource = Dn("8000") }, RejectReason.UnknownIsccTransaction);
    }

    [Fact]
    public void IsccSucceeded_frees_the_resource()
    {
        ulong a = _h.ConnectedCall("1001");
        ulong b = _h.ConnectedCall("1002");
        _h.Ok(new IsccRequested { ConnId = a, TransactionId = 1, RemoteLocation = "siteB", TimeoutMs = 1000 });
        _h.Ok(new IsccResourceAllocated { TransactionId = 1, AccessResource = Dn("9600") });
        CommandResult r = _h.Ok(new IsccSucceeded { TransactionId = 1, RemoteConnId = 0xABCDEF });
        Assert.Equal(EventKind.RemoteConnectionSuccess, r.Events[0].Kind);
        _h.Rejects(new IsccSucceeded { TransactionId = 1 }, RejectReason.InvalidIsccTransition);
        _h.Ok(new IsccRequested { ConnId = b, TransactionId = 2, RemoteLocation = "siteB", TimeoutMs = 1000 });
        _h.Ok(new IsccResourceAllocated { TransactionId = 2, AccessResource = Dn("9600") });
    }

    [Fact]
    public void IsccFailed_frees_the_resource_and_rejects_unknown_transaction()
    {
        ulong a = _h.ConnectedCall();
        _h.Rejects(new IsccFailed { TransactionId = 9 }, RejectReason.UnknownIsccTransaction);
        _h.Ok(new IsccRequested { ConnId = a, TransactionId = 1, RemoteLocation = "siteB", TimeoutMs = 1000 });
        _h.Ok(new IsccResourceAllocated { TransactionId = 1, AccessResource = Dn("9600") });
        _h.Ok(new IsccFailed { TransactionId = 1, Cause = "no answer" });
        Assert.Equal(IsccState.Failed, _h.Call(a).IsccLinks[0].State);
    }

    [Fact]
    public void IsccTimedOut_needs_the_deadline_to_have_passed()
    {
        ulong a = _h.ConnectedCall();
        _h.Ok(new IsccRequested { ConnId = a, TransactionId = 1, RemoteLocation = "siteB", TimeoutMs = 1000 });
        _h.Rejects(new IsccTimedOut { TransactionId = 1 }, RejectReason.NotExpired);
        _h.Now += 1000;
        _h.Ok(new IsccTimedOut { TransactionId = 1 });
        Assert.Equal(IsccState.TimedOut, _h.Call(a).IsccLinks[0].State);
    }
}
