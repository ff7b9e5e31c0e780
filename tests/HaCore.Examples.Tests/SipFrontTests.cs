using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using HaCore.ContactCenter;
using HaCore.Raft;
using HaCore.TServer.Node;
using HaCore.TServer.Sip;
using HaCore.TServer.Web;
using Microsoft.Extensions.Logging.Abstractions;

namespace HaCore.Examples.Tests;

/// <summary>Three T-Server nodes in this process (TCP between them, real data directories), their SIP fronts on UDP.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hacore-tserver-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public TServerNode?[] Nodes { get; } = new TServerNode?[4];

    public async ValueTask InitializeAsync()
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var basePort = HaCore.TServer.Driver.FailoverRun.FindBasePort();
        for (ulong id = 1; id <= 3; id++)
        {
            Nodes[id] = await TServerNode.StartAsync(
                new TServerOptions { NodeId = id, BasePort = basePort, Agents = 4, DataDirectory = Path.Combine(_root, $"node-{id}"), ClusterSecret = secret, TickInterval = TimeSpan.FromMilliseconds(20) },
                NullLoggerFactory.Instance, sipPort: 0);
        }

        // Wait for the configuration, then log agent 1001 in and make it ready (as its desktop would).
        await Leader().Node.WaitForLeaderAsync(TimeSpan.FromSeconds(40));
        var configured = DateTime.UtcNow.AddSeconds(40);
        while (await NotConfiguredAsync())
        {
            // Every node proposes the configuration at start; on a loaded machine it may not be applied yet, and
            // a registration before it would be refused (and that refusal remembered for its ReferenceID).
            Assert.True(DateTime.UtcNow < configured, "the configuration was not applied within 40 s");
            await Task.Delay(50);
        }

        var session = "desk-1001";
        uint reference = 0;
        foreach (var (action, request) in new (string, DesktopRequest)[]
        {
            ("open", new(0)), ("register", new(0, Dn: "1001")), ("login", new(0, "a1001", "1001")), ("ready", new(0, "a1001")),
        })
        {
            var command = WebEndpoints.BuildCommand(session, action, request with { ReferenceId = ++reference })!;
            var deadline = DateTime.UtcNow.AddSeconds(40);
            while (true)
            {
                try
                {
                    var result = await Leader().ProposeAsync(new ClientRequestId(TServerNode.SessionGuid(session), reference), command, CancellationToken.None);
                    Assert.Equal(RejectReason.None, result.RejectReason);
                    break;
                }
                catch (HaCoreException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
            }
        }
    }

    private async Task<bool> NotConfiguredAsync()
    {
        try
        {
            return (await Leader().Node.ReadAsync(m => m.GetDn(TServerOptions.Dn("1001")) is null, ReadConsistency.Linearizable, CancellationToken.None)).Value;
        }
        catch (HaCoreException)
        {
            return true; // an election under way: ask again
        }
    }

    public TServerNode Leader()
    {
        var deadline = DateTime.UtcNow.AddSeconds(40);
        while (DateTime.UtcNow < deadline)
        {
            if (Nodes.FirstOrDefault(n => n is { Node.Status.Role: RaftRole.Leader }) is { } leader)
            {
                return leader;
            }

            Thread.Sleep(20);
        }

        throw new TimeoutException("no leader");
    }

    public TServerNode Follower() => Nodes.First(n => n is not null && n.Node.Status.Role == RaftRole.Follower)!;

    public async ValueTask DisposeAsync()
    {
        foreach (var n in Nodes)
        {
            if (n is not null)
            {
                await n.DisposeAsync();
            }
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

public sealed class SipFrontTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly SipLimits Limits = new();

    private static string Options(string callId) =>
        $"OPTIONS sip:tserver@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK{callId}\r\nFrom: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:tserver@127.0.0.1>\r\nCall-ID: {callId}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

    private static string Invite(string callId) =>
        $"INVITE sip:800@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK{callId}\r\nFrom: caller <sip:5550001@127.0.0.1>;tag=7\r\nTo: <sip:800@127.0.0.1>\r\nCall-ID: {callId}\r\nCSeq: 1 INVITE\r\nX-ANI: 5550001\r\nX-Campaign: spring\r\nContent-Length: 0\r\n\r\n";

    private static async Task<List<SipMessage>> ExchangeAsync(UdpClient client, IPEndPoint target, string text, int expected, TimeSpan timeout, Func<SipMessage, bool>? until = null)
    {
        // Late answers to earlier requests are not this exchange's.
        while (client.Available > 0)
        {
            await client.ReceiveAsync(TestContext.Current.CancellationToken);
        }

        await client.SendAsync(Encoding.UTF8.GetBytes(text), target, TestContext.Current.CancellationToken);
        var got = new List<SipMessage>();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            while (got.Count < expected && !(until is not null && got.Any(until)))
            {
                var r = await client.ReceiveAsync(cts.Token);
                Assert.Equal(SipParseStatus.Ok, SipMessage.TryParse(r.Buffer, Limits, out var m));
                got.Add(m);
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
        }

        return got;
    }

    [Fact]
    public async Task A_follower_answers_503_with_Retry_After_and_the_leader_200()
    {
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var follower = cluster.Follower();
        var fromFollower = await ExchangeAsync(client, follower.Sip.LocalEndPoint, Options("probe-f"), 1, TimeSpan.FromSeconds(5));
        var response = Assert.Single(fromFollower);
        Assert.Equal(503, response.StatusCode);
        Assert.Equal("1", response.Header("Retry-After"));

        var invite = await ExchangeAsync(client, follower.Sip.LocalEndPoint, Invite("follower-invite"), 1, TimeSpan.FromSeconds(5));
        Assert.Equal(503, Assert.Single(invite).StatusCode);
        Assert.Null(cluster.Leader().Dialogs.Find("follower-invite"));

        var fromLeader = await ExchangeAsync(client, cluster.Leader().Sip.LocalEndPoint, Options("probe-l"), 1, TimeSpan.FromSeconds(5));
        Assert.Equal(200, Assert.Single(fromLeader).StatusCode);
    }

    [Fact]
    public async Task Malformed_datagrams_get_400_or_are_dropped_and_the_front_keeps_answering()
    {
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var leader = cluster.Leader().Sip.LocalEndPoint;
        var bad = Invite("bad-1").Replace("Content-Length: 0", "Content-Length: 900", StringComparison.Ordinal);
        var answer = await ExchangeAsync(client, leader, bad, 1, TimeSpan.FromSeconds(5));
        Assert.Equal(400, Assert.Single(answer).StatusCode);
        foreach (var junk in new[] { "garbage", new string('A', 9000), "\0\0\0" })
        {
            Assert.Empty(await ExchangeAsync(client, leader, junk, 1, TimeSpan.FromMilliseconds(300)));
        }

        Assert.Equal(200, Assert.Single(await ExchangeAsync(client, leader, Options("after-junk"), 1, TimeSpan.FromSeconds(5))).StatusCode);
    }

    [Fact]
    public async Task A_retransmitted_INVITE_is_applied_once()
    {
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var leader = cluster.Leader();
        var callId = "retransmitted-" + Guid.NewGuid().ToString("N")[..8];
        var invite = Invite(callId);

        // The same INVITE three times at once (a retransmission while the first is being committed), then again
        // after the 180 (a retransmission of a dialog the state knows).
        var first = ExchangeAsync(client, leader.Sip.LocalEndPoint, invite, 2, TimeSpan.FromSeconds(10));
        await client.SendAsync(Encoding.UTF8.GetBytes(invite), leader.Sip.LocalEndPoint, TestContext.Current.CancellationToken);
        await client.SendAsync(Encoding.UTF8.GetBytes(invite), leader.Sip.LocalEndPoint, TestContext.Current.CancellationToken);
        var responses = await first;
        Assert.Contains(responses, m => m.StatusCode == 100);
        Assert.Contains(responses, m => m.StatusCode == 180);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        var again = await ExchangeAsync(client, leader.Sip.LocalEndPoint, invite, 10, TimeSpan.FromSeconds(5), m => m.StatusCode == 180);
        Assert.Equal(180, Assert.Single(again).StatusCode);

        // The same request sent to another node after it became leader is the same (source, sequence): proposing it
        // again gives the first result, and the log holds one CallCreated for the Call-ID.
        var dialog = leader.Dialogs.Find(callId)!;
        Assert.NotNull(dialog);
        Assert.Equal("1001", dialog.AgentDn);
        var follower = cluster.Follower();
        var replay = await follower.ProposeAsync(SipFront.RequestOf(callId, 1, 1), new Command
        {
            CallCreated = new CallCreated { Dn = TServerOptions.Trunk, InitialState = PartyState.Dialing, OtherDn = TServerOptions.Dn("1002"), CallType = CallType.Inbound },
        }, TestContext.Current.CancellationToken);
        Assert.Equal(dialog.ConnId, replay.ConnId);

        var created = 0;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(2));
        var until = leader.Node.Status.AppliedIndex;
        try
        {
            await foreach (var applied in leader.Node.SubscribeAsync(1, cts.Token))
            {
                if (applied.Command.CallCreated is { } cc && cc.UserData.Any(p => p.Key == DialogTable.KeyCallId && p.Value?.Str == callId))
                {
                    created++;
                }

                if (applied.Index >= until)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
        }

        Assert.Equal(1, created);
        var call = (await leader.Node.ReadAsync(m => m.GetCall(dialog.ConnId), cancellationToken: TestContext.Current.CancellationToken)).Value!;
        Assert.Contains(call.UserData, p => p.Key == "X-Campaign" && p.Value?.Str == "spring");
        Assert.Equal("5550001", call.Ani);

        // CANCEL before the agent answers: 200 to the CANCEL, 487 to the INVITE, the call abandoned.
        var cancel = invite.Replace("INVITE sip", "CANCEL sip", StringComparison.Ordinal).Replace("CSeq: 1 INVITE", "CSeq: 1 CANCEL", StringComparison.Ordinal);
        var cancelled = await ExchangeAsync(client, leader.Sip.LocalEndPoint, cancel, 10, TimeSpan.FromSeconds(10), m => m.StatusCode == 487);
        Assert.Contains(cancelled, m => m.StatusCode == 200 && m.CSeqMethod == "CANCEL");
        Assert.Contains(cancelled, m => m.StatusCode == 487 && m.CSeqMethod == "INVITE");
        Assert.Null((await leader.Node.ReadAsync(m => m.GetCall(dialog.ConnId), cancellationToken: TestContext.Current.CancellationToken)).Value);
    }
    [Fact]
    public async Task The_desktops_answer_sends_200_and_its_release_sends_BYE()
    {
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var leader = cluster.Leader();
        var callId = "answered-" + Guid.NewGuid().ToString("N")[..8];
        var ringing = await ExchangeAsync(client, leader.Sip.LocalEndPoint, Invite(callId), 10, TimeSpan.FromSeconds(10), m => m.StatusCode == 180);
        Assert.Contains(ringing, m => m.StatusCode == 180);
        var dialog = leader.Dialogs.Find(callId)!;

        // The desktop answers (as POST /api/desktop/desk-1001/answer would): the SIP front sends 200 OK with SDP.
        var answer = WebEndpoints.BuildCommand("desk-1001", "answer", new DesktopRequest(100, Dn: dialog.AgentDn, ConnId: dialog.ConnId))!;
        Assert.Equal(RejectReason.None, (await leader.ProposeAsync(new ClientRequestId(TServerNode.SessionGuid("desk-1001"), 100), answer, TestContext.Current.CancellationToken)).RejectReason);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(10));
        SipMessage ok;
        do
        {
            Assert.Equal(SipParseStatus.Ok, SipMessage.TryParse((await client.ReceiveAsync(cts.Token)).Buffer, Limits, out ok));
        }
        while (ok.StatusCode != 200);

        Assert.Equal("INVITE", ok.CSeqMethod);
        Assert.StartsWith("v=0", ok.Body, StringComparison.Ordinal);
        Assert.Equal(dialog.ToTag, SipMessage.Param(ok.To, "tag"));
        var ack = $"ACK sip:800@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKack\r\nFrom: caller <sip:5550001@127.0.0.1>;tag=7\r\nTo: {ok.To}\r\nCall-ID: {callId}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n";
        await client.SendAsync(Encoding.UTF8.GetBytes(ack), leader.Sip.LocalEndPoint, TestContext.Current.CancellationToken);

        // The desktop releases: the front sends BYE to the caller and the call is released.
        var release = WebEndpoints.BuildCommand("desk-1001", "release", new DesktopRequest(101, Dn: dialog.AgentDn, ConnId: dialog.ConnId))!;
        Assert.Equal(RejectReason.None, (await leader.ProposeAsync(new ClientRequestId(TServerNode.SessionGuid("desk-1001"), 101), release, TestContext.Current.CancellationToken)).RejectReason);
        SipMessage bye;
        do
        {
            Assert.Equal(SipParseStatus.Ok, SipMessage.TryParse((await client.ReceiveAsync(cts.Token)).Buffer, Limits, out bye));
        }
        while (!bye.IsRequest);

        Assert.Equal("BYE", bye.Method);
        Assert.Equal(callId, bye.CallId);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await leader.Node.ReadAsync(m => m.GetCall(dialog.ConnId), cancellationToken: TestContext.Current.CancellationToken)).Value is not null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Null((await leader.Node.ReadAsync(m => m.GetCall(dialog.ConnId), cancellationToken: TestContext.Current.CancellationToken)).Value);
    }
    [Fact]
    public async Task With_no_free_agent_a_call_waits_with_music_and_rings_the_first_agent_freed()
    {
        using var first = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var second = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var leader = cluster.Leader();
        var a = "queue-a-" + Guid.NewGuid().ToString("N")[..8];
        var b = "queue-b-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Contains(await ExchangeAsync(first, leader.Sip.LocalEndPoint, Invite(a), 10, TimeSpan.FromSeconds(10), m => m.StatusCode == 180), m => m.StatusCode == 180);
        Assert.Contains(await ExchangeAsync(second, leader.Sip.LocalEndPoint, Invite(b), 10, TimeSpan.FromSeconds(10), m => m.StatusCode == 180), m => m.StatusCode == 180);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (leader.Dialogs.Find(b) is not { TreatmentActive: true } && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        var waiting = leader.Dialogs.Find(b)!;
        Assert.True(waiting.Queued);
        Assert.True(waiting.TreatmentActive);
        Assert.Equal("1001", leader.Dialogs.Find(a)!.AgentDn);

        // The first caller hangs up before the answer: agent 1001 is free, the waiting call's music ends and it rings there.
        var cancelA = Invite(a).Replace("INVITE sip", "CANCEL sip", StringComparison.Ordinal).Replace("CSeq: 1 INVITE", "CSeq: 1 CANCEL", StringComparison.Ordinal);
        Assert.Contains(await ExchangeAsync(first, leader.Sip.LocalEndPoint, cancelA, 10, TimeSpan.FromSeconds(10), m => m.StatusCode == 487), m => m.StatusCode == 487);
        deadline = DateTime.UtcNow.AddSeconds(10);
        while (leader.Dialogs.Find(b) is not { Ringing: true } && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        var rung = leader.Dialogs.Find(b)!;
        Assert.False(rung.Queued);
        Assert.False(rung.TreatmentActive);
        Assert.Equal("1001", rung.AgentDn);
        var call = (await leader.Node.ReadAsync(m => m.GetCall(rung.ConnId), cancellationToken: TestContext.Current.CancellationToken)).Value!;
        Assert.Empty(call.Treatments);
        Assert.Contains(call.Parties, p => p.Dn?.Number == "1001" && p.State == PartyState.Alerting);
        Assert.DoesNotContain(call.Parties, p => p.Dn?.Number == "7000");

        var cancelB = Invite(b).Replace("INVITE sip", "CANCEL sip", StringComparison.Ordinal).Replace("CSeq: 1 INVITE", "CSeq: 1 CANCEL", StringComparison.Ordinal);
        Assert.Contains(await ExchangeAsync(second, leader.Sip.LocalEndPoint, cancelB, 10, TimeSpan.FromSeconds(10), m => m.StatusCode == 487), m => m.StatusCode == 487);
    }
}
