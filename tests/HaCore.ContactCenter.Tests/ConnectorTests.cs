using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

public sealed class ConnectorTests
{
    private readonly Harness _h = new();

    private static DnsReassigned Assign(string from, params (string Dn, string Connector)[] moves)
    {
        var c = new DnsReassigned { FromConnectorId = from, FromEpoch = from.Length == 0 ? 0UL : 1UL };
        foreach ((string dn, string connector) in moves)
        {
            c.Assignments.Add(new DnAssignment { Dn = Dn(dn), ConnectorId = connector });
        }

        return c;
    }

    [Fact]
    public void ConnectorUp_registers_a_live_connector_with_its_first_epoch()
    {
        _h.Ok(new ConnectorUp { ConnectorId = "c3", Endpoint = "h:1", LeaseMs = 100 });
        Connector c = _h.Sm.GetConnector("c3")!;
        Assert.True(c.Alive);
        Assert.Equal(1UL, c.Epoch);
        _h.Rejects(new ConnectorUp { ConnectorId = "" }, RejectReason.InvalidArgument);
    }

    [Fact]
    public void ConnectorDown_unassigns_its_DNs_and_rejects_repeats()
    {
        _h.Ok(Assign("", ("1001", ConnectorA), ("1002", ConnectorA), ("1003", ConnectorB)));
        Assert.Equal(["1001", "1002"], _h.Sm.GetDnsOfConnector(ConnectorA).Select(d => d.Number));
        _h.Ok(new ConnectorDown { ConnectorId = ConnectorA, Epoch = 1 });
        Assert.Empty(_h.Sm.GetDnsOfConnector(ConnectorA));
        Assert.Null(_h.Sm.GetConnectorOfDn(Dn("1001")));
        _h.Rejects(new ConnectorDown { ConnectorId = ConnectorA, Epoch = 1 }, RejectReason.AlreadyInState);
        _h.Rejects(new ConnectorDown { ConnectorId = "zz" }, RejectReason.UnknownConnector);
    }

    [Fact]
    public void DnsReassigned_moves_all_DNs_in_one_entry_or_none()
    {
        _h.Ok(Assign("", ("1001", ConnectorA), ("1002", ConnectorA)));
        _h.Ok(Assign(ConnectorA, ("1001", ConnectorB), ("1002", ConnectorB)));
        Assert.Equal(2, _h.Sm.GetDnsOfConnector(ConnectorB).Count);
        _h.Ok(new ConnectorDown { ConnectorId = ConnectorA, Epoch = 1 });
        _h.Rejects(Assign(ConnectorB, ("1001", ConnectorA), ("1002", ConnectorB)), RejectReason.ConnectorNotAlive);
        _h.Rejects(Assign(ConnectorB, ("1001", "c9")), RejectReason.UnknownConnector);
        _h.Rejects(Assign(ConnectorB, ("1001", ConnectorB), ("1001", ConnectorB)), RejectReason.InvalidArgument);
    }

    [Fact]
    public void Connector_conference_upsert_and_remove()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(new ConnConferenceUpserted { Record = new ConnectorConference { ConferenceUri = "sip:conf1", ConnId = id, ConnectorId = ConnectorA }, Epoch = 1 });
        _h.Ok(new ConnConferenceUpserted { Record = new ConnectorConference { ConferenceUri = "sip:pool1", ConnectorId = ConnectorA, Pooled = true }, Epoch = 1 });
        _h.Rejects(new ConnConferenceUpserted { Record = new ConnectorConference { ConferenceUri = "sip:x", ConnId = 5, ConnectorId = ConnectorA }, Epoch = 1 }, RejectReason.UnknownCall);
        _h.Rejects(new ConnConferenceRemoved { ConferenceUri = "sip:conf1", ConnectorId = ConnectorB, Epoch = 1 }, RejectReason.RecordOwnedByOtherConnector);
        _h.Ok(new ConnConferenceRemoved { ConferenceUri = "sip:conf1", ConnectorId = ConnectorA, Epoch = 1 });
        _h.Rejects(new ConnConferenceRemoved { ConferenceUri = "sip:conf1", ConnectorId = ConnectorA, Epoch = 1 }, RejectReason.UnknownConnectorRecord);
    }

    [Fact]
    public void Connector_conversation_upsert_and_remove()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(new ConnConversationUpserted { Record = new ConnectorConversation { ConversationId = "cv1", ConnId = id, ConnectorId = ConnectorA, Modalities = 4, Participants = { "sip:a" } }, Epoch = 1 });
        _h.Rejects(new ConnConversationUpserted { Record = new ConnectorConversation { ConversationId = "cv1", ConnId = id, ConnectorId = ConnectorB }, Epoch = 1 }, RejectReason.RecordOwnedByOtherConnector);
        _h.Ok(new ConnConversationRemoved { ConversationId = "cv1", ConnectorId = ConnectorA, Epoch = 1 });
        _h.Rejects(new ConnConversationRemoved { ConversationId = "cv1", ConnectorId = ConnectorA, Epoch = 1 }, RejectReason.UnknownConnectorRecord);
    }

    [Fact]
    public void Connector_call_upsert_and_remove()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(new ConnCallUpserted { Record = new ConnectorCall { CallId = "ucma-1", ConnId = id, ConnectorId = ConnectorA, Parties = { new ConnectorParty { SipUri = "sip:a", Dn = Dn("1001") } } }, Epoch = 1 });
        _h.Ok(new ConnectorDown { ConnectorId = ConnectorB, Epoch = 1 });
        _h.Rejects(new ConnCallUpserted { Record = new ConnectorCall { CallId = "ucma-2", ConnId = id, ConnectorId = ConnectorB }, Epoch = 1 }, RejectReason.ConnectorNotAlive);
        _h.Ok(new ConnCallRemoved { CallId = "ucma-1", ConnectorId = ConnectorA, Epoch = 1 });
    }

    [Fact]
    public void B2B_upsert_and_remove()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(new B2BUpserted { Record = new B2BCall { B2BId = "b1", ConnId = id, ConnectorId = ConnectorA, FrontLegCallId = "f", BackLegCallId = "b" }, Epoch = 1 });
        _h.Rejects(new B2BUpserted { Record = new B2BCall { B2BId = "", ConnId = id, ConnectorId = ConnectorA }, Epoch = 1 }, RejectReason.InvalidArgument);
        _h.Rejects(new B2BRemoved { B2BId = "b1", ConnectorId = ConnectorB, Epoch = 1 }, RejectReason.RecordOwnedByOtherConnector);
        _h.Ok(new B2BRemoved { B2BId = "b1", ConnectorId = ConnectorA, Epoch = 1 });
    }

    [Fact]
    public void A_live_connector_adopts_the_records_of_a_dead_one_and_only_one_claim_wins()
    {
        ulong id = _h.ConnectedCall();
        var record = new ConnectorCall { CallId = "ucma-1", ConnId = id, ConnectorId = ConnectorA };
        _h.Ok(new ConnCallUpserted { Record = record, Epoch = 1 });
        var claim = new ConnectorCall { CallId = "ucma-1", ConnId = id, ConnectorId = ConnectorB };
        _h.Rejects(new ConnCallUpserted { Record = claim, Epoch = 1 }, RejectReason.RecordOwnedByOtherConnector);
        _h.Ok(new ConnectorDown { ConnectorId = ConnectorA, Epoch = 1 });
        _h.Ok(new ConnCallUpserted { Record = claim, Epoch = 1 });
        // A comes back (epoch 2) and claims again: B is alive and owns it now; A's old instance is fenced.
        _h.Ok(new ConnectorUp { ConnectorId = ConnectorA, LeaseMs = 10_000 });
        _h.Rejects(new ConnCallUpserted { Record = record, Epoch = 1 }, RejectReason.StaleConnectorEpoch);
        _h.Rejects(new ConnCallUpserted { Record = record, Epoch = 2 }, RejectReason.RecordOwnedByOtherConnector);
    }
}
