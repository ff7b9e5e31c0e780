using System.Net;
using System.Net.Sockets;
using System.Text;
using HaCore.ContactCenter;
using HaCore.TServer.Node;
using HaCore.TServer.Sip;
using HaCore.TServer.Web;

namespace HaCore.Examples.Tests;

// Its own three nodes: the test stops the leader.
public sealed class SipFailoverTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly SipLimits Limits = new();

    private static async Task<SipMessage> ReceiveAsync(UdpClient client, Func<SipMessage, bool> wanted, TimeSpan timeout)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        while (true)
        {
            if (SipMessage.TryParse((await client.ReceiveAsync(cts.Token)).Buffer, Limits, out var m) == SipParseStatus.Ok && wanted(m))
            {
                return m;
            }
        }
    }

    // Like a UAC over UDP: the request again every 500 ms, to whichever node leads now, until the wanted answer.
    private async Task<SipMessage> SendUntilAsync(UdpClient client, byte[] request, Func<SipMessage, bool> wanted, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await client.SendAsync(request, cluster.Leader().Sip.LocalEndPoint, TestContext.Current.CancellationToken);
            try
            {
                return await ReceiveAsync(client, wanted, TimeSpan.FromMilliseconds(500));
            }
            catch (OperationCanceledException) when (DateTime.UtcNow < deadline && !TestContext.Current.CancellationToken.IsCancellationRequested)
            {
            }
        }
    }

    [Fact]
    public async Task The_new_leader_takes_the_dialog_over_and_a_resent_INVITE_is_applied_once()
    {
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var callId = "failover-" + Guid.NewGuid().ToString("N")[..8];
        var invite = Encoding.UTF8.GetBytes(
            $"INVITE sip:800@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK{callId}\r\nFrom: caller <sip:5550002@127.0.0.1>;tag=8\r\nTo: <sip:800@127.0.0.1>\r\nCall-ID: {callId}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
        var ringing = await SendUntilAsync(client, invite, m => m.StatusCode == 180, TimeSpan.FromSeconds(20));
        var old = cluster.Leader();
        var connId = old.Dialogs.Find(callId)!.ConnId;

        // The leader stops; another node leads.
        var index = Array.IndexOf(cluster.Nodes, old);
        cluster.Nodes[index] = null;
        await old.DisposeAsync();
        var leader = cluster.Leader();
        Assert.NotSame(old, leader);

        // The caller's retransmission reaches the new leader: answered from the replicated dialog, nothing applied.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (leader.Dialogs.AppliedIndex < leader.Node.Status.CommitIndex && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        var again = await SendUntilAsync(client, invite, m => m.StatusCode >= 180, TimeSpan.FromSeconds(20));
        leader = cluster.Leader();
        Assert.Equal(180, again.StatusCode);
        Assert.Equal(SipMessage.Param(ringing.To, "tag"), SipMessage.Param(again.To, "tag"));
        var dialog = leader.Dialogs.Find(callId)!;
        Assert.Equal(connId, dialog.ConnId);

        // The agent answers on the new leader: its front sends the 200 OK of the dialog the old leader began.
        var answer = WebEndpoints.BuildCommand("desk-1001", "answer", new DesktopRequest(50, Dn: dialog.AgentDn, ConnId: dialog.ConnId))!;
        Assert.Equal(RejectReason.None, (await leader.ProposeAsync(new ClientRequestId(TServerNode.SessionGuid("desk-1001"), 50), answer, TestContext.Current.CancellationToken)).RejectReason);
        var ok = await ReceiveAsync(client, m => m.StatusCode == 200 && m.CSeqMethod == "INVITE", TimeSpan.FromSeconds(10));
        Assert.Equal(SipMessage.Param(ringing.To, "tag"), SipMessage.Param(ok.To, "tag"));

        // One CallCreated for the Call-ID in the new leader's log.
        var created = 0;
        var until = leader.Node.Status.AppliedIndex;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(2));
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
    }
}
