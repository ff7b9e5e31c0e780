using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace HaCore.Transport.Tests;

/// <summary>A peer that is down is an expected state: one line per report, no stack trace, rate-limited per peer.</summary>
public sealed class ConnectionLoggingTests
{
    [Fact]
    public async Task A_peer_that_refuses_connections_is_reported_once_per_interval_without_a_stack_trace()
    {
        // A port that nobody listens on: bound, then closed.
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        var logger = new FakeLogger<TcpRaftTransport>();
        await using var transport = new TcpRaftTransport(
            new TcpTransportOptions
            {
                NodeId = 1,
                ClusterId = "logging",
                ClusterSecret = new byte[32],
                ReconnectBackoffMin = TimeSpan.FromMilliseconds(10),
                ReconnectBackoffMax = TimeSpan.FromMilliseconds(20),
                Peers = [new PeerAddress(2, new IPEndPoint(IPAddress.Loopback, port))],
            },
            logger);
        await transport.StartAsync(new RecordingSink(), TestContext.Current.CancellationToken);
        transport.TrySend(new HaCore.Raft.Message { Type = HaCore.Raft.MessageType.Heartbeat, From = 1, To = 2, Term = 1 });

        // Dozens of refused attempts (10-20 ms apart) in two seconds.
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        var records = logger.Collector.GetSnapshot();
        var reports = records.Where(r => r.Id.Id == 3023).ToList();
        var report = Assert.Single(reports);
        Assert.Null(report.Exception);
        Assert.Contains("ConnectionRefused", report.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", report.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(records, r => r.Id.Id == 3002);
        Assert.Equal(LogLevel.Warning, report.Level);
    }
}
