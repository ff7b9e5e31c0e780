using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

/// <summary>Invariant 12: a connector writes only while alive, within its lease and with its current epoch.</summary>
public sealed class FencingTests
{
    private readonly Harness _h = new();

    private static ConnCallUpserted Upsert(ulong connId, ulong epoch, string key = "u1", string connector = ConnectorA) =>
        new() { Record = new ConnectorCall { CallId = key, ConnId = connId, ConnectorId = connector }, Epoch = epoch };

    [Fact]
    public void A_connector_instance_of_an_older_epoch_is_refused()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(Upsert(id, epoch: 1));
        // The connector restarts in term 3: its new instance has epoch 3, the old one is fenced off.
        _h.Term = 3;
        _h.Ok(new ConnectorUp { ConnectorId = ConnectorA, Endpoint = "a:2", Pool = "p", LeaseMs = 10_000 });
        Assert.Equal(3UL, _h.Sm.GetConnector(ConnectorA)!.Epoch);
        _h.Rejects(Upsert(id, epoch: 1, key: "u2"), RejectReason.StaleConnectorEpoch);
        _h.Rejects(new ConnCallRemoved { CallId = "u1", ConnectorId = ConnectorA, Epoch = 1 }, RejectReason.StaleConnectorEpoch);
        _h.Ok(Upsert(id, epoch: 3, key: "u2"));
        _h.Ok(new ConnCallRemoved { CallId = "u1", ConnectorId = ConnectorA, Epoch = 3 });
    }

    [Fact]
    public void Removing_a_record_needs_a_live_owner_within_its_lease()
    {
        ulong id = _h.ConnectedCall();
        _h.Ok(Upsert(id, epoch: 0));
        _h.Ok(new B2BUpserted { Record = new B2BCall { B2BId = "b1", ConnId = id, ConnectorId = ConnectorA } });
        _h.Now += 20_000;
        _h.Rejects(Upsert(id, epoch: 0, key: "u3"), RejectReason.ConnectorLeaseExpired);
        _h.Rejects(new ConnCallRemoved { CallId = "u1", ConnectorId = ConnectorA }, RejectReason.ConnectorLeaseExpired);
        _h.Ok(new ConnectorUp { ConnectorId = ConnectorA, Endpoint = "a:1", Pool = "p", LeaseMs = 10_000 });
        _h.Ok(new ConnCallRemoved { CallId = "u1", ConnectorId = ConnectorA });
        _h.Ok(new ConnectorDown { ConnectorId = ConnectorA });
        _h.Rejects(new B2BRemoved { B2BId = "b1", ConnectorId = ConnectorA }, RejectReason.ConnectorNotAlive);
    }
}
