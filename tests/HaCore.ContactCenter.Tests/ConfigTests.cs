using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

public sealed class ConfigTests
{
    private readonly Harness _h = new();

    [Fact]
    public void ConfigApplied_sets_version_hash_options_and_DNs()
    {
        var c = new ConfigApplied { Version = 5, Hash = System.Text.Encoding.UTF8.GetBytes("h5"), Options = { Kv("addp-timeout", "10") }, RemovedOptions = { "protocol" } };
        c.DnUpserts.Add(new Dn { Id = Dn("1005"), Type = AddressType.Dn, Place = "P5" });
        CommandResult r = _h.Ok(c);
        Assert.Equal(EventKind.ConfigApplied, r.Events[0].Kind);
        Assert.Equal(5, _h.Sm.Config.ConfigVersion);
        Assert.Equal(["addp-timeout"], _h.Sm.Config.Options.Select(o => o.Key));
        Assert.NotNull(_h.Sm.GetDn(Dn("1005")));
    }

    [Fact]
    public void ConfigApplied_rejects_a_stale_version()
    {
        _h.Rejects(new ConfigApplied { Version = 1 }, RejectReason.StaleConfigVersion);
    }

    [Fact]
    public void ConfigApplied_removes_idle_DNs_and_rejects_removing_a_DN_in_use()
    {
        _h.Login("a1", "1001");
        _h.Rejects(new ConfigApplied { Version = 2, DnRemovals = { Dn("1001") } }, RejectReason.DnInUse);
        _h.Rejects(new ConfigApplied { Version = 2, DnRemovals = { Dn("zzz") } }, RejectReason.UnknownDn);
        _h.Ok(new ConfigApplied { Version = 2, DnRemovals = { Dn("1004") } });
        Assert.Null(_h.Sm.GetDn(Dn("1004")));
    }

    [Fact]
    public void Invariant2_peer_DN_shares_the_place()
    {
        var bad = new ConfigApplied { Version = 2 };
        bad.DnUpserts.Add(new Dn { Id = Dn("1101"), Type = AddressType.Dn, Place = "PX", PeerDn = Dn("1001") });
        _h.Rejects(bad, RejectReason.PlaceMismatch);
        var good = new ConfigApplied { Version = 2 };
        good.DnUpserts.Add(new Dn { Id = Dn("1101"), Type = AddressType.Dn, Place = "P1", PeerDn = Dn("1001") });
        _h.Ok(good);
    }

    [Fact]
    public void Invariant2_a_DN_with_a_logged_in_agent_keeps_its_place()
    {
        _h.Login("a1", "1001");
        var move = new ConfigApplied { Version = 2 };
        move.DnUpserts.Add(new Dn { Id = Dn("1001"), Type = AddressType.Dn, Place = "P2" });
        _h.Rejects(move, RejectReason.DnInUse);
    }

    [Fact]
    public void Invariant13_config_fingerprint_is_identical_on_replicas()
    {
        var a = new Harness();
        var b = new Harness();
        var c = new ConfigApplied { Version = 9, Hash = System.Text.Encoding.UTF8.GetBytes("x"), Options = { Kv("dr-forward", "oos") } };
        a.Ok(c);
        b.Ok(c);
        Assert.Equal(a.Sm.Config, b.Sm.Config);
        Assert.Equal(a.Sm.ComputeStateHashHex(), b.Sm.ComputeStateHashHex());
    }

    [Fact]
    public void ConfigApplied_rejects_removing_a_peer_DN_or_a_logged_in_agent_queue()
    {
        var peer = new ConfigApplied { Version = 2 };
        peer.DnUpserts.Add(new Dn { Id = Dn("1101"), Type = AddressType.Dn, Place = "P4", PeerDn = Dn("1004") });
        _h.Ok(peer);
        _h.Rejects(new ConfigApplied { Version = 3, DnRemovals = { Dn("1004") } }, RejectReason.DnInUse);
        _h.Ok(new ConfigApplied { Version = 3, DnRemovals = { Dn("1004"), Dn("1101") } });
        _h.Login("a1", "1001");
        _h.Rejects(new ConfigApplied { Version = 4, DnRemovals = { Dn("7000") } }, RejectReason.DnInUse);
    }
}
