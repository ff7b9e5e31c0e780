using System.Net;
using System.Security.Cryptography;
using HaCore.ConnectorPool;
using HaCore.ContactCenter;
using HaCore.TServer.Node;
using HaCore.TServer.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HaCore.Examples.Tests;

/// <summary>Three T-Server nodes in this process with their HTTP API (the ClientTokens middleware and the connector
/// endpoints, as the node process maps them), for connectors talking to them over HTTP.</summary>
public sealed class ConnectorClusterFixture : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hacore-connpool-tests-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<WebApplication> _apps = [];
    private readonly List<TServerNode> _nodes = [];

    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);

    public ConnectorClusterFixture() => Tokens = new ClientTokens(_secret);

    public ClientTokens Tokens { get; }

    public List<Uri> Urls { get; } = [];

    public async ValueTask InitializeAsync()
    {
        var secret = _secret;
        var basePort = HaCore.TServer.Driver.FailoverRun.FindBasePort();
        for (ulong id = 1; id <= 3; id++)
        {
            var options = new TServerOptions { NodeId = id, BasePort = basePort, Agents = 2, DataDirectory = Path.Combine(_root, $"node-{id}"), ClusterSecret = secret, TickInterval = TimeSpan.FromMilliseconds(20), ConnectorImIdle = TimeSpan.FromSeconds(1) };
            var node = await TServerNode.StartAsync(options, NullLoggerFactory.Instance, sipPort: 0);
            _nodes.Add(node);
            var builder = WebApplication.CreateSlimBuilder([]);
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, options.HttpPort(id)));
            var app = builder.Build();
            app.Use(Tokens.RequireAsync);
            ConnectorEndpoints.Map(app, node, Tokens);
            await app.StartAsync(TestContext.Current.CancellationToken);
            _apps.Add(app);
            Urls.Add(new Uri($"http://127.0.0.1:{options.HttpPort(id)}"));
        }

        // The configuration (with the connector DNs) is applied once every node proposed it.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                var read = await _nodes[0].Node.ReadAsync(m => m.GetDn(TServerOptions.Dn(TServerOptions.ConnectorDn(0))) is not null, ReadConsistency.Linearizable, TestContext.Current.CancellationToken);
                if (read.Value)
                {
                    break;
                }
            }
            catch (HaCoreException)
            {
                // an election under way
            }

            Assert.True(DateTime.UtcNow < deadline, "the configuration was not applied within 60 s");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>A connector talking to the cluster with its own token.</summary>
    public (HaCore.ConnectorPool.Connector Connector, List<ConnectorReport> Reports, HttpClient Http) Connector(string id, string[] dns, TimeSpan? lease = null)
    {
        var http = new HttpClient(Tokens.Handler(ConnectorProtocol.Subject(id))) { Timeout = Timeout.InfiniteTimeSpan };
        var l = lease ?? TimeSpan.FromSeconds(30);
        var options = new ConnectorOptions { ConnectorId = id, Nodes = Urls, Dns = dns, Lease = l, RenewEvery = l / 3, AdoptAfter = TimeSpan.Zero };
        var reports = new List<ConnectorReport>();
        var connector = new HaCore.ConnectorPool.Connector(options, new NodeClient(http, options, NullLogger.Instance), r => { lock (reports) { reports.Add(r); } }, NullLogger.Instance);
        return (connector, reports, http);
    }

    /// <summary>A connector with its command endpoint (the leader's commands reach it over HTTP).</summary>
    public async Task<(HaCore.ConnectorPool.Connector Connector, List<ConnectorReport> Reports, HttpClient Http, WebApplication Commands)> ListeningConnectorAsync(string id, string[] dns)
    {
        var (connector, reports, http) = Connector(id, dns);
        var commands = await CommandListener.StartAsync(connector, TestContext.Current.CancellationToken);
        return (connector, reports, http, commands);
    }

    public async ValueTask<ConnectorsView> StateAsync(HttpClient http) =>
        await new NodeClient(http, new ConnectorOptions { ConnectorId = "reader", Nodes = Urls }, NullLogger.Instance).ReadAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }

        foreach (var n in _nodes)
        {
            await n.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>DOMAIN scenario 4 (a)-(c) and the epoch fence (scenario 11 as a connector sees it), with connectors talking
/// to three in-process T-Server nodes over their authenticated HTTP API.</summary>
public sealed class ConnectorPoolTests(ConnectorClusterFixture cluster) : IClassFixture<ConnectorClusterFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_restarted_connector_recovers_its_voice_and_IM_calls_and_its_old_instance_is_fenced()
    {
        var (old, oldReports, oldHttp) = cluster.Connector("ra", ["3001", "3002"]);
        using var h1 = oldHttp;
        await old.StartAsync(Ct);
        Assert.Equal(4, old.Owned.Count); // a voice and an IM call on each of its two DNs
        var keys = old.Owned.ToList();
        Assert.Equal(2, keys.Count(k => k.StartsWith("im-", StringComparison.Ordinal)));

        // The restart: a new instance of the same connector comes up while the old one is still there (paused).
        var (fresh, freshReports, freshHttp) = cluster.Connector("ra", ["3001", "3002"]);
        using var h2 = freshHttp;
        await fresh.StartAsync(Ct);
        Assert.Equal(old.Epoch + 1, fresh.Epoch);
        var recovered = Assert.Single(freshReports, r => r.Kind == "recovered");
        Assert.Equal((2, 2), (recovered.Voice, recovered.Im));
        Assert.Equal(keys, fresh.Owned.ToList());
        Assert.DoesNotContain(freshReports, r => r.Kind == "refused");

        // The old instance's writes carry the old epoch: a record write and its lease renewal are both refused.
        var current = (await cluster.StateAsync(freshHttp)).Records.Single(r => r.Key == keys[0]);
        var write = await old.ProposeAsync(old.Upsert(current.Key, current.Im, current.ConnId, current.Dn), Ct);
        Assert.Equal(RejectReason.StaleConnectorEpoch, write.RejectReason);
        Assert.False(await old.TickAsync(Ct));
        Assert.True(old.Fenced);
        var fenced = Assert.Single(oldReports, r => r.Kind == "fenced");
        Assert.Equal("STALE_CONNECTOR_EPOCH", fenced.Reason);
        Assert.Contains("STALE_CONNECTOR_EPOCH", fenced.Text, StringComparison.Ordinal);

        var state = await cluster.StateAsync(freshHttp);
        Assert.All(keys, k => Assert.Equal("ra", Assert.Single(state.Records, r => r.Key == k).Owner));
        Assert.True(await fresh.TickAsync(Ct));
    }

    [Fact]
    public async Task A_connector_that_stays_down_has_its_DNs_reassigned_and_its_calls_adopted_in_one_entry()
    {
        var (a, aReports, ha) = cluster.Connector("ba", ["3003", "3004"], TimeSpan.FromMilliseconds(900));
        var (b, _, hb) = cluster.Connector("bb", ["3005", "3006"], TimeSpan.FromMilliseconds(900));
        using var h1 = ha;
        using var h2 = hb;
        await a.StartAsync(Ct);
        await b.StartAsync(Ct);
        var bKeys = b.Owned.ToList();
        Assert.Equal(4, bKeys.Count);

        // b stops renewing (it died); a renews and, once b's lease has run out, adopts. The cluster is shared by the
        // tests of this class, so a may also adopt the connectors an earlier test left behind (each in its own entry):
        // only the adoption of bb is this test's.
        ConnectorReport? adopted = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (adopted is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "no adoption within 30 s");
            Assert.True(await a.TickAsync(Ct));
            lock (aReports)
            {
                adopted = aReports.FirstOrDefault(r => r.Kind == "adopted" && r.From == "bb");
            }

            await Task.Delay(100, Ct);
        }

        // One entry: both DNs and all four records (two voice, two IM) moved by the same DnsReassigned.
        Assert.Equal(("bb", 2, 2, 2), (adopted.From, adopted.Dns, adopted.Voice, adopted.Im));
        var state = await cluster.StateAsync(ha);
        Assert.Empty(state.Connectors.Single(c => c.ConnectorId == "bb").Dns);
        Assert.All(["3003", "3004", "3005", "3006"], dn => Assert.Contains(dn, state.Connectors.Single(c => c.ConnectorId == "ba").Dns));
        Assert.All(bKeys, k => Assert.Equal("ba", Assert.Single(state.Records, r => r.Key == k).Owner));
        Assert.All(bKeys, k => Assert.Contains(k, a.Owned));
        Assert.All(state.Calls.Where(c => c.Source == "bb"), c => Assert.True(c.Live));
    }

    [Fact]
    public async Task When_two_connectors_claim_one_dead_connectors_calls_exactly_one_wins()
    {
        var (a, aReports, ha) = cluster.Connector("ca", ["3007"], TimeSpan.FromMilliseconds(1500));
        var (b, bReports, hb) = cluster.Connector("cb", ["3008"], TimeSpan.FromMilliseconds(1500));
        var (dead, _, hd) = cluster.Connector("cc", ["3009"], TimeSpan.FromMilliseconds(1500));
        using var h1 = ha;
        using var h2 = hb;
        using var h3 = hd;
        await a.StartAsync(Ct);
        await b.StartAsync(Ct);
        await dead.StartAsync(Ct);
        var deadKeys = dead.Owned.ToList();
        Assert.Equal(2, deadKeys.Count);

        // While cc is alive within its lease, a claim of its calls is refused (its records are its own).
        Assert.True(await a.RenewAsync(Ct));
        Assert.True(await dead.RenewAsync(Ct));
        var early = await cluster.StateAsync(ha);
        Assert.False(await a.AdoptAsync(early.Connectors.Single(c => c.ConnectorId == "cc"), early.Records.Where(r => r.Owner == "cc").ToList(), Ct));
        Assert.Equal("RECORD_OWNED_BY_OTHER_CONNECTOR", aReports.Last(r => r.Kind == "refused").Reason);

        // cc dies; both survivors keep their leases and, from the same read of the state, claim cc's DNs and calls at once.
        ConnectorsView state;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            Assert.True(DateTime.UtcNow < deadline, "cc's lease did not run out within 30 s");
            await Task.Delay(150, Ct);
            Assert.True(await a.RenewAsync(Ct));
            Assert.True(await b.RenewAsync(Ct));
            state = await cluster.StateAsync(ha);
        }
        while (state.Connectors.Single(c => c.ConnectorId == "cc").LeaseExpiresAt >= state.NowMs - 200);

        var peer = state.Connectors.Single(c => c.ConnectorId == "cc");
        var records = state.Records.Where(r => r.Owner == "cc").ToList();
        var claims = await Task.WhenAll(a.AdoptAsync(peer, records, Ct).AsTask(), b.AdoptAsync(peer, records, Ct).AsTask());
        Assert.Single(claims, won => won);
        var (winner, loser, loserReports) = claims[0] ? (a, b, bReports) : (b, a, aReports);
        var refusal = loserReports.Last(r => r.Kind == "refused");
        Assert.Equal("cc", refusal.From);

        var after = await cluster.StateAsync(ha);
        Assert.All(deadKeys, k => Assert.Equal(winner.Id, Assert.Single(after.Records, r => r.Key == k).Owner));
        Assert.Contains("3009", after.Connectors.Single(c => c.ConnectorId == winner.Id).Dns);
        Assert.DoesNotContain("3009", after.Connectors.Single(c => c.ConnectorId == loser.Id).Dns);

        // The loser claiming one of those calls record by record is refused too: the winner is alive within its lease.
        var key = deadKeys[0];
        var record = after.Records.Single(r => r.Key == key);
        var single = await loser.ProposeAsync(loser.Upsert(key, record.Im, record.ConnId, record.Dn), Ct);
        Assert.Equal(RejectReason.RecordOwnedByOtherConnector, single.RejectReason);
    }

    // Scenario 11 by Raft term, driven directly: the connector has seen term T in the nodes' answers; a command of a
    // lower term (a deposed leader's) is refused and changes nothing, one of term T is acted on once per decision, and a
    // command of a higher term raises the bar for later ones. Without the connector's term check this fails (the stale
    // command releases the call).
    [Fact]
    public async Task A_leader_command_with_a_Raft_term_below_the_highest_the_connector_has_seen_is_refused_and_a_decision_is_acted_on_once()
    {
        var (c, reports, h) = cluster.Connector("ta", ["3010"]);
        using var http = h;
        await c.StartAsync(Ct);
        var term = c.HighestTerm;
        Assert.True(term >= 1);
        var im = (await cluster.StateAsync(h)).Records.Single(r => r.Owner == "ta" && r.Im);
        var decision = "release-im:" + im.ConnId.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var stale = await c.HandleCommandAsync(new ConnectorCommand(ConnectorProtocol.ReleaseIm, decision, im.ConnId, "3010", term - 1, 9), Ct);
        Assert.Equal("stale-term", stale.Outcome);
        Assert.Equal(term, stale.HighestTerm);
        var refused = Assert.Single(Snapshot(reports), r => r.Kind == "stale-term");
        Assert.Equal(ConnectorProtocol.StaleTerm, refused.Reason);
        Assert.Contains("STALE_RAFT_TERM", refused.Text, StringComparison.Ordinal);
        Assert.True((await cluster.StateAsync(h)).Calls.Single(x => x.ConnId == im.ConnId).Live);
        Assert.DoesNotContain(Snapshot(reports), r => r.Kind == "released");

        // The same decision from the current leader: acted on (the IM call released with its record), then once only.
        var acted = await c.HandleCommandAsync(new ConnectorCommand(ConnectorProtocol.ReleaseIm, decision, im.ConnId, "3010", term, 1), Ct);
        Assert.Equal("acted", acted.Outcome);
        var after = await cluster.StateAsync(h);
        Assert.False(after.Calls.Single(x => x.ConnId == im.ConnId).Live);
        Assert.DoesNotContain(after.Records, r => r.Key == im.Key);
        var again = await c.HandleCommandAsync(new ConnectorCommand(ConnectorProtocol.ReleaseIm, decision, im.ConnId, "3010", term, 2), Ct);
        Assert.Equal("duplicate", again.Outcome);
        var released = Assert.Single(Snapshot(reports), r => r.Kind == "released");
        Assert.Equal((term, "command"), (released.Term, released.Reason));

        // A command of a newer term (a newer leader's) raises the highest term: one of term T is now stale.
        var newer = await c.HandleCommandAsync(new ConnectorCommand(ConnectorProtocol.ReleaseIm, "release-im:999999001", 999_999_001, "3010", term + 5, 3), Ct);
        Assert.Equal("not-mine", newer.Outcome);
        Assert.Equal(term + 5, c.HighestTerm);
        var late = await c.HandleCommandAsync(new ConnectorCommand(ConnectorProtocol.ReleaseIm, "release-im:999999002", 999_999_002, "3010", term, 1), Ct);
        Assert.Equal("stale-term", late.Outcome);
        Assert.Equal(2, Snapshot(reports).Count(r => r.Kind == "stale-term"));
    }

    // The leader's command over HTTP: the IM interaction of a connector with a command endpoint passes its idle
    // timeout (1 s here) in the replicated state, and the leader tells the connector to release it, with its term.
    [Fact]
    public async Task The_leader_tells_the_owning_connector_to_release_an_idle_IM_interaction_with_its_term()
    {
        var (c, reports, h, commands) = await cluster.ListeningConnectorAsync("tb", ["3011"]);
        using var http = h;
        await using var listener = commands;
        await c.StartAsync(Ct);
        var im = (await cluster.StateAsync(h)).Records.Single(r => r.Owner == "tb" && r.Im);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        ConnectorReport? released;
        while ((released = Snapshot(reports).FirstOrDefault(r => r.Kind == "released")) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the leader did not release the idle IM interaction within 30 s");
            await Task.Delay(100, Ct);
        }

        Assert.Equal("command", released.Reason);
        Assert.True(released.Term >= 1 && released.Node is >= 1 and <= 3);
        var state = await cluster.StateAsync(h);
        Assert.False(state.Calls.Single(x => x.ConnId == im.ConnId).Live);
        Assert.Equal(released.Term, Math.Min(released.Term, state.Term));
        Assert.Single(Snapshot(reports), r => r.Kind == "released");
        Assert.DoesNotContain(Snapshot(reports), r => r.Kind == "stale-term");
        Assert.True(state.Records.Single(r => r.Owner == "tb").Im is false);
    }

    private static List<ConnectorReport> Snapshot(List<ConnectorReport> reports)
    {
        lock (reports)
        {
            return [.. reports];
        }
    }
}
