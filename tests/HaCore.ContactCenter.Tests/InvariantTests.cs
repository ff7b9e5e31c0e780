using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

/// <summary>One test per invariant of DOMAIN.md §2.3 not already named in the command tests.</summary>
public sealed class InvariantTests
{
    private readonly Harness _h = new();

    [Fact]
    public void Invariant3_ConnIds_are_unique_deterministic_and_carry_the_group_prefix()
    {
        var h = new Harness(options: new ContactCenterOptions { ConnIdPrefix = 7 });
        var ids = new HashSet<ulong>();
        for (int i = 0; i < 50; i++)
        {
            ulong id = h.ConnectedCall();
            Assert.True(ids.Add(id));
            Assert.Equal(7UL, id >> 48);
            h.Ok(new CallReleased { ConnId = id });
        }

        var again = new Harness(options: new ContactCenterOptions { ConnIdPrefix = 7 });
        Assert.Equal(ids.Min(), again.ConnectedCall());
    }

    [Fact]
    public void Derived_CallUuids_are_unique_across_clusters_with_the_same_ConnIdPrefix()
    {
        var a = new Harness(options: new ContactCenterOptions { ClusterId = "eu-1" });
        var b = new Harness(options: new ContactCenterOptions { ClusterId = "us-1" });
        var a2 = new Harness(options: new ContactCenterOptions { ClusterId = "eu-1" });
        ulong ia = a.ConnectedCall(), ib = b.ConnectedCall(), ia2 = a2.ConnectedCall();
        Assert.Equal(ia, ib);
        Assert.NotEqual(a.Call(ia).CallUuid, b.Call(ib).CallUuid);
        Assert.Equal(a.Call(ia).CallUuid, a2.Call(ia2).CallUuid);
        Assert.Equal(32, a.Call(ia).CallUuid.Length);
        Assert.EndsWith(ia.ToString("X16", System.Globalization.CultureInfo.InvariantCulture), a.Call(ia).CallUuid, StringComparison.Ordinal);
        Assert.NotEqual(a.Sm.ComputeStateHashHex(), new Harness(options: new ContactCenterOptions { ClusterId = "x" }).Sm.ComputeStateHashHex());
    }

    [Fact]
    public void Invariant4_release_removes_parties_treatments_records_ISCC_links_and_DN_entries()
    {
        _h.Login("a1", "1001");
        ulong id = _h.ConnectedCall();
        ulong consult = _h.Ok(new CallCreated { Dn = Dn("1001"), InitialState = PartyState.Dialing, OrigConnId = id }).ConnId;
        _h.Ok(new TransferStarted { ConnId = id, Controller = Dn("1001"), Target = Dn("1002"), ConsultConnId = consult });
        _h.Ok(new TreatmentRequested { ConnId = id, Dn = Dn("8000"), Type = TreatmentType.Music });
        _h.Ok(new TreatmentApplied { ConnId = id, Dn = Dn("8000") });
        _h.Ok(new IsccRequested { ConnId = id, TransactionId = 5, RemoteLocation = "B", TimeoutMs = 100 });
        _h.Ok(new IsccResourceAllocated { TransactionId = 5, AccessResource = Dn("9600") });
        _h.Ok(new ConnConferenceUpserted { Record = new ConnectorConference { ConferenceUri = "c1", ConnId = id, ConnectorId = ConnectorA }, Epoch = 1 });
        _h.Ok(new ConnConversationUpserted { Record = new ConnectorConversation { ConversationId = "v1", ConnId = id, ConnectorId = ConnectorA }, Epoch = 1 });
        _h.Ok(new ConnCallUpserted { Record = new ConnectorCall { CallId = "u1", ConnId = id, ConnectorId = ConnectorA }, Epoch = 1 });
        _h.Ok(new B2BUpserted { Record = new B2BCall { B2BId = "b1", ConnId = id, ConnectorId = ConnectorA }, Epoch = 1 });
        CommandResult r = _h.Ok(new CallReleased { ConnId = id, Cause = "test" });
        Assert.Contains(r.Events, e => e.Kind == EventKind.TreatmentEnd);
        Assert.Equal(4, r.Events.Count(e => e.Kind == EventKind.ConnectorRecordRemoved));
        PropertyTests.AssertNoReference(_h.Sm, id);
        Assert.Equal(0, _h.Sm.ConnectorRecordCount);
        Assert.Equal(0UL, _h.Call(consult).TransferConnId);
        // The ISCC resource and transaction ID are free again.
        _h.Ok(new IsccRequested { ConnId = consult, TransactionId = 5, RemoteLocation = "B", TimeoutMs = 100 });
        _h.Ok(new IsccResourceAllocated { TransactionId = 5, AccessResource = Dn("9600") });
        Assert.Equal(AgentState.BusyReady, _h.Sm.GetAgentState("a1"));
    }

    [Fact]
    public void Invariant5_attach_never_deletes_update_merges_per_key_delete_removes_one()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(new UserDataAttached { ConnId = id, Pairs = { Kv("a", "1"), Kv("b", "1") } });
        _h.Rejects(new UserDataAttached { ConnId = id, Pairs = { Kv("c", "1"), Kv("a", "2") } }, RejectReason.UserDataKeyExists);
        _h.Ok(new UserDataUpdated { ConnId = id, Pairs = { Kv("a", "2") } });
        _h.Ok(new UserDataKeyDeleted { ConnId = id, Key = "b" });
        Call call = _h.Call(id);
        Assert.Single(call.UserData);
        Assert.Equal("2", call.UserData[0].Value!.Str);
    }

    [Fact]
    public void Invariant7_subscriptions_need_an_existing_DN_and_the_DN_cannot_be_removed_under_them()
    {
        _h.Rejects(new AddressRegistered { Dn = Dn("gone") }, RejectReason.UnknownDn, Session, 0);
        _h.Ok(new AddressRegistered { Dn = Dn("1004") }, Session, 0);
        _h.Rejects(new ConfigApplied { Version = 2, DnRemovals = { Dn("1004") } }, RejectReason.DnInUse);
        _h.Ok(new AddressUnregistered { Dn = Dn("1004") }, Session, 0);
        _h.Ok(new ConfigApplied { Version = 2, DnRemovals = { Dn("1004") } });
    }

    [Fact]
    public void Invariant8_treatments_belong_to_a_live_call_one_per_call_and_DN()
    {
        _h.Rejects(new TreatmentRequested { ConnId = 123, Dn = Dn("8000") }, RejectReason.UnknownCall);
        ulong id = _h.InboundCall();
        _h.Ok(new TreatmentRequested { ConnId = id, Dn = Dn("8000") });
        _h.Ok(new TreatmentRequested { ConnId = id, Dn = Dn("7000") });
        _h.Rejects(new TreatmentRequested { ConnId = id, Dn = Dn("7000") }, RejectReason.TreatmentActive);
        CommandResult r = _h.Ok(new CallReleased { ConnId = id });
        Assert.Equal(2, r.Events.Count(e => e.Kind == EventKind.TreatmentNotApplied));
    }

    [Fact]
    public void Invariant9_DNs_map_to_live_connectors_and_records_to_live_calls()
    {
        _h.Ok(new ConnectorDown { ConnectorId = ConnectorB, Epoch = 1 });
        var move = new DnsReassigned { Assignments = { new DnAssignment { Dn = Dn("1001"), ConnectorId = ConnectorB } } };
        _h.Rejects(move, RejectReason.ConnectorNotAlive);
        _h.Rejects(new ConnCallUpserted { Record = new ConnectorCall { CallId = "u", ConnId = 42, ConnectorId = ConnectorA }, Epoch = 1 }, RejectReason.UnknownCall);
        _h.Rejects(new ConnConversationUpserted { Record = new ConnectorConversation { ConversationId = "v", ConnectorId = ConnectorA }, Epoch = 1 }, RejectReason.UnknownCall);
    }

    [Fact]
    public void Invariant10_ISCC_resource_is_held_by_one_open_transaction_and_freed_on_every_outcome()
    {
        ulong a = _h.ConnectedCall("1001");
        ulong b = _h.ConnectedCall("1002");
        uint txn = 0;
        void Open(ulong call)
        {
            txn++;
            _h.Ok(new IsccRequested { ConnId = call, TransactionId = txn, RemoteLocation = "B", TimeoutMs = 100 });
            _h.Ok(new IsccResourceAllocated { TransactionId = txn, AccessResource = Dn("9600") });
            _h.Ok(new IsccRequested { ConnId = b, TransactionId = txn + 100, RemoteLocation = "B", TimeoutMs = 100 });
            _h.Rejects(new IsccResourceAllocated { TransactionId = txn + 100, AccessResource = Dn("9600") }, RejectReason.IsccResourceBusy);
            _h.Ok(new IsccFailed { TransactionId = txn + 100 });
        }

        Open(a);
        _h.Ok(new IsccSucceeded { TransactionId = txn });
        Open(a);
        _h.Ok(new IsccFailed { TransactionId = txn });
        Open(a);
        _h.Now += 100;
        _h.Ok(new IsccTimedOut { TransactionId = txn });
        Open(a);
        _h.Ok(new CallReleased { ConnId = a });
        _h.Ok(new IsccRequested { ConnId = b, TransactionId = 999, RemoteLocation = "B", TimeoutMs = 100 });
        _h.Ok(new IsccResourceAllocated { TransactionId = 999, AccessResource = Dn("9600") });
    }

    [Fact]
    public void Invariant12_connector_epoch_grows_with_every_incarnation_whatever_the_term()
    {
        _h.Ok(new ConnectorDown { ConnectorId = ConnectorA, Epoch = 1 });
        CommandResult r = _h.Sm.Apply(new CommandContext(_h.Index + 1, 9, _h.Now + 1), Wrap(new ConnectorUp { ConnectorId = ConnectorA, LeaseMs = 5 }));
        Assert.Equal(RejectReason.None, r.RejectReason);
        Assert.Equal(2UL, _h.Sm.GetConnector(ConnectorA)!.Epoch);
        Assert.Equal(2UL, Assert.Single(r.Events).Epoch);
    }

    [Fact]
    public void Events_of_a_client_request_carry_its_reference_id()
    {
        _h.Login("a1", "1001");
        ulong id = _h.ConnectedCall();
        CommandResult r = _h.Ok(new CallReleased { ConnId = id }, Session, 77);
        Assert.NotEmpty(r.Events);
        Assert.All(r.Events, e => Assert.Equal(77u, e.ReferenceId));
        Assert.All(r.Events, e => Assert.Equal(_h.Now, e.Time));
    }

    [Fact]
    public void Unknown_command_kind_is_rejected()
    {
        CommandResult r = _h.Apply(new Command());
        Assert.Equal(RejectReason.UnknownCommand, r.RejectReason);
    }
}
