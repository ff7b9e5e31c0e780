using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

/// <summary>
/// Invariant 12: every connector command presents the epoch of the connector's current incarnation; a
/// connector writes only while alive and within its lease; DN reassignment moves record ownership and
/// adopts a dead connector's records in the same entry.
/// </summary>
public sealed class FencingTests
{
    private readonly Harness _h = new();

    private static ConnCallUpserted Upsert(ulong connId, ulong epoch, string key = "u1", string connector = ConnectorA) =>
        new() { Record = new ConnectorCall { CallId = key, ConnId = connId, ConnectorId = connector }, Epoch = epoch };

    private ulong EpochOf(string connector) => _h.Sm.GetConnector(connector)!.Epoch;

    [Fact]
    public void A_connector_instance_of_an_older_epoch_is_refused()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(Upsert(id, epoch: 1));
        // The connector restarts in term 3: its new instance has epoch 2, the old one is fenced off.
        _h.Term = 3;
        CommandResult up = _h.Ok(new ConnectorUp { ConnectorId = ConnectorA, Endpoint = "a:2", Pool = "p", LeaseMs = 10_000 });
        Assert.Equal(2UL, EpochOf(ConnectorA));
        Assert.Equal(2UL, Assert.Single(up.Events).Epoch);
        _h.Rejects(Upsert(id, epoch: 1, key: "u2"), RejectReason.StaleConnectorEpoch);
        _h.Rejects(new ConnCallRemoved { CallId = "u1", ConnectorId = ConnectorA, Epoch = 1 }, RejectReason.StaleConnectorEpoch);
        _h.Ok(Upsert(id, epoch: 2, key: "u2"));
        _h.Ok(new ConnCallRemoved { CallId = "u1", ConnectorId = ConnectorA, Epoch = 2 });
    }

    [Fact]
    public void Two_incarnations_in_the_same_term_have_different_epochs()
    {
        // Fails on the code before: the epoch was the Raft term, so both instances had epoch 1 and the old one kept writing.
        ulong id = _h.ConnectedCall();
        _h.Ok(new ConnectorUp { ConnectorId = ConnectorA, Endpoint = "a:2", Pool = "p", LeaseMs = 10_000 });
        _h.Rejects(Upsert(id, epoch: 1), RejectReason.StaleConnectorEpoch);
        _h.Ok(Upsert(id, epoch: 2));
    }

    [Fact]
    public void Epoch_zero_is_refused_on_every_fenced_command()
    {
        // Fails on the code before: 0 wrote unfenced, and ConnectorDown and DnsReassigned carried no epoch.
        ulong id = _h.ConnectedCall();
        _h.Rejects(Upsert(id, epoch: 0), RejectReason.StaleConnectorEpoch);
        _h.Rejects(new B2BUpserted { Record = new B2BCall { B2BId = "b", ConnId = id, ConnectorId = ConnectorA } }, RejectReason.StaleConnectorEpoch);
        _h.Rejects(new ConnectorDown { ConnectorId = ConnectorA }, RejectReason.StaleConnectorEpoch);
        _h.Ok(new DnsReassigned { Assignments = { new DnAssignment { Dn = Dn("1001"), ConnectorId = ConnectorA } } });
        _h.Rejects(new DnsReassigned { FromConnectorId = ConnectorA, Assignments = { new DnAssignment { Dn = Dn("1001"), ConnectorId = ConnectorB } } }, RejectReason.StaleConnectorEpoch);
        Assert.True(_h.Sm.GetConnector(ConnectorA)!.Alive);
    }

    [Fact]
    public void A_stale_down_or_renewal_does_not_touch_the_new_incarnation()
    {
        _h.Ok(new ConnectorUp { ConnectorId = ConnectorA, Endpoint = "a:2", Pool = "p", LeaseMs = 10_000 });
        _h.Rejects(new ConnectorDown { ConnectorId = ConnectorA, Epoch = 1 }, RejectReason.StaleConnectorEpoch);
        _h.Rejects(new ConnectorUp { ConnectorId = ConnectorA, Endpoint = "a:1", LeaseMs = 99_000, Epoch = 1 }, RejectReason.StaleConnectorEpoch);
        // A renewal with the current epoch extends the lease and keeps the epoch.
        _h.Ok(new ConnectorUp { ConnectorId = ConnectorA, Endpoint = "a:2", LeaseMs = 50_000, Epoch = 2 });
        Assert.Equal(2UL, EpochOf(ConnectorA));
        Assert.Equal(_h.Now + 50_000, _h.Sm.GetConnector(ConnectorA)!.LeaseExpiresAt);
        _h.Ok(new ConnectorDown { ConnectorId = ConnectorA, Epoch = 2 });
        // A down connector comes back as a new incarnation (epoch 0), not by renewing.
        _h.Rejects(new ConnectorUp { ConnectorId = ConnectorA, LeaseMs = 1_000, Epoch = 2 }, RejectReason.ConnectorNotAlive);
        _h.Rejects(new ConnectorUp { ConnectorId = "new", LeaseMs = 1_000, Epoch = 1 }, RejectReason.UnknownConnector);
    }

    [Fact]
    public void Removing_a_record_needs_a_live_owner_within_its_lease()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(Upsert(id, epoch: 1));
        _h.Ok(new B2BUpserted { Record = new B2BCall { B2BId = "b1", ConnId = id, ConnectorId = ConnectorA }, Epoch = 1 });
        _h.Now += 20_000;
        _h.Rejects(Upsert(id, epoch: 1, key: "u3"), RejectReason.ConnectorLeaseExpired);
        _h.Rejects(new ConnCallRemoved { CallId = "u1", ConnectorId = ConnectorA, Epoch = 1 }, RejectReason.ConnectorLeaseExpired);
        _h.Ok(new ConnectorUp { ConnectorId = ConnectorA, Endpoint = "a:1", Pool = "p", LeaseMs = 10_000 });
        _h.Ok(new ConnCallRemoved { CallId = "u1", ConnectorId = ConnectorA, Epoch = 2 });
        _h.Ok(new ConnectorDown { ConnectorId = ConnectorA, Epoch = 2 });
        _h.Rejects(new B2BRemoved { B2BId = "b1", ConnectorId = ConnectorA, Epoch = 2 }, RejectReason.ConnectorNotAlive);
    }

    [Fact]
    public void Reassigning_DNs_moves_the_records_of_their_calls_in_the_same_entry()
    {
        // Fails on the code before: the records kept their dead owner, and B needed one upsert per record.
        _h.Ok(new DnsReassigned { Assignments = { new DnAssignment { Dn = Dn("1001"), ConnectorId = ConnectorA }, new DnAssignment { Dn = Dn("1002"), ConnectorId = ConnectorA } } });
        ulong onMoved = _h.ConnectedCall("1001");
        ulong onKept = _h.ConnectedCall("1002");
        _h.Ok(Upsert(onMoved, epoch: 1, key: "moved"));
        _h.Ok(new ConnConversationUpserted { Record = new ConnectorConversation { ConversationId = "cv", ConnId = onMoved, ConnectorId = ConnectorA }, Epoch = 1 });
        _h.Ok(Upsert(onKept, epoch: 1, key: "kept"));
        _h.Ok(new ConnectorDown { ConnectorId = ConnectorA, Epoch = 1 });
        CommandResult r = _h.Ok(new DnsReassigned
        {
            FromConnectorId = ConnectorA, FromEpoch = 1,
            Assignments = { new DnAssignment { Dn = Dn("1001"), ConnectorId = ConnectorB } },
        });
        Assert.Equal(ConnectorB, _h.Sm.GetConnectorCall("moved")!.ConnectorId);
        Assert.Equal(ConnectorB, _h.Sm.GetConversation("cv")!.ConnectorId);
        Assert.Equal(ConnectorA, _h.Sm.GetConnectorCall("kept")!.ConnectorId);
        Assert.Equal(["cv", "moved"], r.Events.Where(e => e.Kind == EventKind.ConnectorRecordUpserted).Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.All(r.Events.Where(e => e.Kind == EventKind.ConnectorRecordUpserted), e => Assert.Equal(ConnectorB, e.ConnectorId));
        // B now writes them with its own epoch; A's next incarnation cannot take them back while B is alive.
        _h.Ok(Upsert(onMoved, epoch: 1, key: "moved", connector: ConnectorB));
        _h.Ok(new ConnectorUp { ConnectorId = ConnectorA, LeaseMs = 10_000 });
        _h.Rejects(Upsert(onMoved, epoch: 2, key: "moved"), RejectReason.RecordOwnedByOtherConnector);
    }

    [Fact]
    public void Adopting_a_dead_connectors_calls_is_one_entry_and_the_lease_is_checked()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(Upsert(id, epoch: 1, key: "u1"));
        _h.Ok(new B2BUpserted { Record = new B2BCall { B2BId = "b1", ConnId = id, ConnectorId = ConnectorA }, Epoch = 1 });
        _h.Ok(new ConnConferenceUpserted { Record = new ConnectorConference { ConferenceUri = "sip:pool", ConnectorId = ConnectorA, Pooled = true }, Epoch = 1 });
        var adopt = new DnsReassigned { FromConnectorId = ConnectorA, FromEpoch = 1, AdoptingConnectorId = ConnectorB, AdoptingEpoch = 1 };
        // A is alive within its lease: its records are its own (one claim wins).
        _h.Rejects(adopt, RejectReason.RecordOwnedByOtherConnector);
        _h.Rejects(new DnsReassigned { FromConnectorId = ConnectorA, FromEpoch = 1, AdoptingConnectorId = ConnectorB, AdoptingEpoch = 7 }, RejectReason.StaleConnectorEpoch);
        // A's lease runs out (no ConnectorDown yet); B renews its own lease and adopts everything in one entry.
        _h.Now += 20_000;
        _h.Rejects(adopt, RejectReason.ConnectorLeaseExpired);
        _h.Ok(new ConnectorUp { ConnectorId = ConnectorB, Endpoint = "b:1", Pool = "p", LeaseMs = 10_000, Epoch = 1 });
        CommandResult r = _h.Ok(adopt);
        Assert.Equal(3, r.Events.Count(e => e.Kind == EventKind.ConnectorRecordUpserted && e.ConnectorId == ConnectorB));
        Assert.Equal(ConnectorB, _h.Sm.GetConnectorCall("u1")!.ConnectorId);
        Assert.Equal(ConnectorB, _h.Sm.GetB2BCall("b1")!.ConnectorId);
        Assert.Equal(ConnectorB, _h.Sm.GetConference("sip:pool")!.ConnectorId);
        _h.Ok(new ConnCallRemoved { CallId = "u1", ConnectorId = ConnectorB, Epoch = 1 });
    }

    [Fact]
    public void A_reassignment_cannot_take_DNs_of_a_connector_it_does_not_name()
    {
        _h.Ok(new DnsReassigned { Assignments = { new DnAssignment { Dn = Dn("1001"), ConnectorId = ConnectorA } } });
        _h.Rejects(new DnsReassigned { Assignments = { new DnAssignment { Dn = Dn("1001"), ConnectorId = ConnectorB } } }, RejectReason.InvalidArgument);
        _h.Rejects(new DnsReassigned { FromConnectorId = ConnectorB, FromEpoch = 1, Assignments = { new DnAssignment { Dn = Dn("1001"), ConnectorId = ConnectorB } } }, RejectReason.InvalidArgument);
        _h.Ok(new DnsReassigned { FromConnectorId = ConnectorA, FromEpoch = 1, Assignments = { new DnAssignment { Dn = Dn("1001"), ConnectorId = ConnectorB } } });
    }
}
