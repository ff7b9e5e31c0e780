using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

/// <summary>Every collection and payload has a configured bound; a command over it changes nothing.</summary>
public sealed class LimitTests
{
    private static Harness With(ContactCenterOptions options) => new(options: options);

    [Fact]
    public void Options_are_validated_when_the_state_machine_is_created()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ContactCenterStateMachine(new ContactCenterOptions { MaxCalls = 0 }));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ContactCenterStateMachine(new ContactCenterOptions { MaxUserDataBytes = -1 }));
        Assert.Equal("MaxUserDataBytes", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ContactCenterStateMachine(new ContactCenterOptions { DedupeWindowMs = -1 }));
        new ContactCenterOptions().Validate();
    }

    [Fact]
    public void Calls_are_bounded()
    {
        var h = With(new ContactCenterOptions { MaxCalls = 2 });
        h.ConnectedCall();
        h.ConnectedCall("1002");
        CommandResult r = h.Rejects(new CallCreated { Dn = Dn("9001"), InitialState = PartyState.Dialing }, RejectReason.LimitExceeded);
        Assert.Contains("limit of 2", r.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parties_per_call_are_bounded_for_every_way_a_party_joins()
    {
        var h = With(new ContactCenterOptions { MaxPartiesPerCall = 2 });
        ulong id = h.ConnectedCall();
        h.Rejects(new PartyRinging { ConnId = id, Dn = Dn("1002") }, RejectReason.LimitExceeded);
        h.Rejects(new PartyDialing { ConnId = id, Dn = Dn("1002") }, RejectReason.LimitExceeded);
        h.Rejects(new PartyQueued { ConnId = id, Queue = Dn("7000") }, RejectReason.LimitExceeded);
        h.Rejects(new DestinationBusy { ConnId = id, Dn = Dn("1002") }, RejectReason.LimitExceeded);
        h.Rejects(new PartyAdded { ConnId = id, Dn = Dn("1002"), Role = PartyRole.ConferenceMember }, RejectReason.LimitExceeded);
    }

    [Fact]
    public void A_conference_merge_over_the_party_bound_is_refused_and_the_transfer_that_removes_the_controller_is_not()
    {
        var h = With(new ContactCenterOptions { MaxPartiesPerCall = 2 });
        ulong m = h.ConnectedCall();
        ulong k = h.Ok(new CallCreated { Dn = Dn("1001"), InitialState = PartyState.Dialing, OrigConnId = m }).ConnId;
        h.Ok(new PartyRinging { ConnId = k, Dn = Dn("1002") });
        h.Rejects(new PartyChanged { ConnId = k, NewConnId = m }, RejectReason.LimitExceeded);
        h.Ok(new TransferStarted { ConnId = m, Controller = Dn("1001"), Kind = TransferKind.TwoStep, Target = Dn("1002") });
        h.Ok(new TransferCompleted { ConnId = m });
        Assert.Equal(2, h.Call(m).Parties.Count);
    }

    [Fact]
    public void User_data_keys_and_bytes_are_bounded()
    {
        var h = With(new ContactCenterOptions { MaxUserDataKeys = 2, MaxUserDataBytes = 100 });
        ulong id = h.ConnectedCall();
        h.Ok(new UserDataAttached { ConnId = id, Pairs = { Kv("a", "1"), Kv("b", "2") } });
        h.Rejects(new UserDataAttached { ConnId = id, Pairs = { Kv("c", "3") } }, RejectReason.LimitExceeded);
        h.Rejects(new UserDataUpdated { ConnId = id, Pairs = { Kv("c", "3") } }, RejectReason.LimitExceeded);
        h.Ok(new UserDataUpdated { ConnId = id, Pairs = { Kv("a", "replaced") } });
        var big = new KvPair { Key = "b", Value = new KvValue { Binary = new byte[100] } };
        h.Rejects(new UserDataUpdated { ConnId = id, Pairs = { big } }, RejectReason.LimitExceeded);
        h.Rejects(new CallCreated { Dn = Dn("9001"), InitialState = PartyState.Dialing, UserData = { big } }, RejectReason.LimitExceeded);
    }

    [Fact]
    public void Treatments_ISCC_links_and_other_key_value_lists_are_bounded()
    {
        var h = With(new ContactCenterOptions { MaxTreatmentsPerCall = 1, MaxIsccLinksPerCall = 1, MaxKeyValueListBytes = 50 });
        ulong id = h.ConnectedCall();
        var big = new KvPair { Key = "p", Value = new KvValue { Binary = new byte[60] } };
        h.Rejects(new TreatmentRequested { ConnId = id, Dn = Dn("8000"), Parameters = { big } }, RejectReason.LimitExceeded);
        h.Ok(new TreatmentRequested { ConnId = id, Dn = Dn("8000") });
        h.Rejects(new TreatmentRequested { ConnId = id, Dn = Dn("9600") }, RejectReason.LimitExceeded);
        h.Ok(new IsccRequested { ConnId = id, TransactionId = 1, RemoteLocation = "B", TimeoutMs = 10 });
        h.Rejects(new IsccRequested { ConnId = id, TransactionId = 2, RemoteLocation = "B", TimeoutMs = 10 }, RejectReason.LimitExceeded);
        h.Rejects(new AgentLoggedIn { AgentId = "a1", Dn = Dn("1003"), Reasons = { big } }, RejectReason.LimitExceeded);
        h.Login("a1", "1003");
        h.Rejects(new AgentNotReady { AgentId = "a1", WorkMode = AgentWorkMode.AuxWork, Reasons = { big } }, RejectReason.LimitExceeded);
    }

    [Fact]
    public void Agents_sessions_subscriptions_connectors_and_records_are_bounded()
    {
        var h = With(new ContactCenterOptions { MaxAgents = 1, MaxSessions = 2, MaxSubscriptionsPerSession = 1, MaxSubscriptions = 2, MaxConnectors = 2, MaxConnectorRecords = 1 });
        h.Login("a1", "1001");
        h.Rejects(new AgentLoggedIn { AgentId = "a2", Dn = Dn("1002") }, RejectReason.LimitExceeded);
        h.Ok(new AgentLoggedOut { AgentId = "a1" });
        h.Login("a1", "1002");

        h.Ok(new SessionOpened { SessionId = "s2", LeaseMs = 60_000 });
        h.Rejects(new SessionOpened { SessionId = "s3", LeaseMs = 60_000 }, RejectReason.LimitExceeded);

        h.Ok(new AddressRegistered { Dn = Dn("1001") }, Session);
        h.Rejects(new AddressRegistered { Dn = Dn("1002") }, RejectReason.LimitExceeded, Session);
        h.Ok(new AddressRegistered { Dn = Dn("1001") }, "s2");
        h.Ok(new AddressUnregistered { Dn = Dn("1001") }, "s2");
        h.Ok(new AddressRegistered { Dn = Dn("1002") }, "s2");

        h.Rejects(new ConnectorUp { ConnectorId = "conn-c", Endpoint = "c:1", LeaseMs = 10_000 }, RejectReason.LimitExceeded);
        ulong id = h.ConnectedCall();
        h.Ok(new ConnCallUpserted { Record = new ConnectorCall { CallId = "u1", ConnId = id, ConnectorId = ConnectorA }, Epoch = 1 });
        h.Ok(new ConnCallUpserted { Record = new ConnectorCall { CallId = "u1", ConnId = id, ConnectorId = ConnectorA, ConversationId = "v" }, Epoch = 1 });
        h.Rejects(new B2BUpserted { Record = new B2BCall { B2BId = "b1", ConnId = id, ConnectorId = ConnectorA }, Epoch = 1 }, RejectReason.LimitExceeded);
    }

    [Fact]
    public void Configured_DNs_and_options_are_bounded()
    {
        var h = new Harness(populated: false, options: new ContactCenterOptions { MaxDns = 10, MaxConfigOptions = 1 });
        h.Rejects(StandardConfig(1), RejectReason.LimitExceeded);
        var small = new ConfigApplied { Version = 1, Options = { Kv("a", "1") } };
        small.DnUpserts.Add(new Dn { Id = Dn("1001"), Type = AddressType.Dn });
        h.Ok(small);
        h.Rejects(new ConfigApplied { Version = 2, Options = { Kv("b", "1") } }, RejectReason.LimitExceeded);
        h.Ok(new ConfigApplied { Version = 2, Options = { Kv("a", "2") } });
    }
}
