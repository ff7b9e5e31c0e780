using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

public sealed class ConfigTests
{
    private readonly Harness _h = new();

    [Fact]
    public void ConfigApplied_sets_version_hash_options_and_DNs()
    {
        var c = new ConfigApplied { Version = 5, Options = { Kv("addp-timeout", "10") }, RemovedOptions = { "protocol" } };
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
        var c = new ConfigApplied { Version = 9, Options = { Kv("dr-forward", "oos") } };
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

    [Fact]
    public void Invariant13_a_change_whose_hash_is_not_the_configurations_is_refused()
    {
        // Fails on the code before: any bytes were stored as the committed hash.
        string before = _h.Sm.ComputeStateHashHex();
        _h.Rejects(new ConfigApplied { Version = 2, Hash = System.Text.Encoding.UTF8.GetBytes("whatever"), Options = { Kv("x", "1") } }, RejectReason.ConfigHashMismatch);
        var stale = new ConfigApplied { Version = 2, Options = { Kv("x", "1") } };
        stale.Hash = _h.Sm.ConfigHashAfter(new ConfigApplied { Version = 2, Options = { Kv("x", "2") } });
        _h.Rejects(stale, RejectReason.ConfigHashMismatch);
        Assert.Equal(before, _h.Sm.ComputeStateHashHex());
        Assert.Equal(1, _h.Sm.Config.ConfigVersion);
    }

    [Fact]
    public void Invariant13_the_committed_hash_is_the_configurations_whatever_the_path()
    {
        // Two replicas reach the same configuration by different changes and versions: same hash, and a node
        // compares its own configuration with the committed one by hash.
        var a = new Harness();
        var b = new Harness();
        a.Ok(new ConfigApplied { Version = 2, Options = { Kv("x", "1"), Kv("y", "2") } });
        a.Ok(new ConfigApplied { Version = 3, RemovedOptions = { "y" }, DnRemovals = { Dn("1004") } });
        b.Ok(new ConfigApplied { Version = 7, Options = { Kv("x", "1") }, DnRemovals = { Dn("1004") } });
        Assert.Equal(a.Sm.Config.ConfigHash.ToArray(), b.Sm.Config.ConfigHash.ToArray());
        Snapshot s = a.Sm.CreateSnapshot();
        byte[] local = ContactCenterStateMachine.ComputeConfigHash(s.Dns, s.Config!.Options, s.Config.LoginConflictPolicy);
        Assert.True(a.Sm.ConfigMatches(local));
        Assert.False(a.Sm.ConfigMatches(ContactCenterStateMachine.ComputeConfigHash(s.Dns, [], s.Config.LoginConflictPolicy)));
        // A DN's calls, agent and flags are not configuration.
        a.Login("a1", "1001");
        a.Ok(new DndOn { Dn = Dn("1002") });
        Assert.True(a.Sm.ConfigMatches(ContactCenterStateMachine.ComputeConfigHash(a.Sm.CreateSnapshot().Dns, s.Config.Options, s.Config.LoginConflictPolicy)));
    }

    [Fact]
    public void Invariant13_a_node_refuses_leadership_while_the_committed_configuration_is_not_its_own()
    {
        // Node A was started with the configuration v2 leaves; node B with one option more.
        var probe = new Harness();
        probe.Ok(new ConfigApplied { Version = 2, Options = { Kv("x", "1") } });
        Snapshot s = probe.Sm.CreateSnapshot();
        byte[] hashA = ContactCenterStateMachine.ComputeConfigHash(s.Dns, s.Config!.Options, s.Config.LoginConflictPolicy);
        byte[] hashB = ContactCenterStateMachine.ComputeConfigHash(s.Dns, [.. s.Config.Options, Kv("z", "9")], s.Config.LoginConflictPolicy);

        var a = new Harness(options: new ContactCenterOptions { LocalConfigHash = hashA });
        var b = new Harness(options: new ContactCenterOptions { LocalConfigHash = hashB });
        var noCheck = new Harness();
        foreach (var h in new[] { a, b, noCheck })
        {
            // The harness's start-up configuration (v1) is committed: neither node's, so both refuse.
            Assert.Equal(h != noCheck, h.Sm.LeadershipRefusal is not null);
            h.Ok(new ConfigApplied { Version = 2, Options = { Kv("x", "1") } });
        }

        Assert.Null(a.Sm.LeadershipRefusal);
        Assert.Null(noCheck.Sm.LeadershipRefusal); // no local hash: no check
        Assert.Contains("invariant 13", b.Sm.LeadershipRefusal, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexString(hashB)[..16], b.Sm.LeadershipRefusal, StringComparison.Ordinal);

        // B's configuration is committed next: now A refuses and B may lead. A snapshot carries the committed hash.
        b.Ok(new ConfigApplied { Version = 3, Options = { Kv("z", "9") } });
        a.Ok(new ConfigApplied { Version = 3, Options = { Kv("z", "9") } });
        Assert.Null(b.Sm.LeadershipRefusal);
        Assert.NotNull(a.Sm.LeadershipRefusal);
        var restored = new Harness(populated: false, options: new ContactCenterOptions { LocalConfigHash = hashB });
        restored.Sm.LoadSnapshot(a.Sm.CreateSnapshot());
        Assert.Null(restored.Sm.LeadershipRefusal);
        var restoredA = new Harness(populated: false, options: new ContactCenterOptions { LocalConfigHash = hashA });
        restoredA.Sm.LoadSnapshot(a.Sm.CreateSnapshot());
        Assert.NotNull(restoredA.Sm.LeadershipRefusal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(33)]
    public void Invariant13_a_local_hash_that_is_not_a_SHA256_is_refused_at_start(int length)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ContactCenterStateMachine(new ContactCenterOptions { LocalConfigHash = new byte[length] }));
        Assert.Equal(nameof(ContactCenterOptions.LocalConfigHash), e.ParamName);
    }
}
