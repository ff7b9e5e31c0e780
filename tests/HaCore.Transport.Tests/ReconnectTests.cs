using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace HaCore.Transport.Tests;

/// <summary>Reconnecting to a peer that comes back.</summary>
public sealed class ReconnectTests
{
    private static readonly byte[] Secret = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public async Task A_peer_that_dials_in_ends_the_reconnect_backoff_to_it()
    {
        // Node 1 first finds node 2 down and backs off for 10-20 s; node 2 then starts and dials node 1. Node 1 must
        // reach node 2 at once, not when its backoff runs out: a restarted follower otherwise hears from no leader
        // for as long as the backoff its absence grew (up to ReconnectBackoffMax, 5 s by default).
        var ct = TestContext.Current.CancellationToken;
        var port2 = FreePort();
        await using var one = new TcpRaftTransport(Options(1, 0, peerPort: port2));
        var sink1 = new RecordingSink();
        await one.StartAsync(sink1, ct);
        Assert.True(one.TrySend(Messages.Append(1, 2, 1)));
        await Wait.UntilAsync(() => sink1.Unreachable.Contains(2UL), "node 1 finds node 2 unreachable");

        await using var two = new TcpRaftTransport(Options(2, port2, peerPort: one.LocalEndPoint!.Port));
        var sink2 = new RecordingSink();
        await two.StartAsync(sink2, ct);
        Assert.True(two.TrySend(Messages.Append(2, 1, 1)));
        await Wait.UntilAsync(() => sink1.From(2).Any(), "node 1 hears from node 2");

        Assert.True(one.TrySend(Messages.Append(1, 2, 2)));
        await Wait.UntilAsync(() => sink2.From(1).Any(), "node 1 reaches node 2 before its 10 s backoff runs out", seconds: 5);
    }

    private static TcpTransportOptions Options(ulong id, int port, int peerPort) => new()
    {
        NodeId = id,
        ClusterId = "reconnect",
        ListenEndPoint = new IPEndPoint(IPAddress.Loopback, port),
        Peers = [new PeerAddress(3 - id, new IPEndPoint(IPAddress.Loopback, peerPort))],
        ClusterSecret = Secret,
        ReconnectBackoffMin = TimeSpan.FromSeconds(20),
        ReconnectBackoffMax = TimeSpan.FromSeconds(40),
    };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
