using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HaCore.Raft;

namespace HaCore.Transport.Tests;

/// <summary>The contract over TCP on 127.0.0.1, plus what only TCP has: handshake, framing, TLS, resume.</summary>
public sealed partial class TcpTransportContractTests : TransportContractTests
{
    private readonly Dictionary<ulong, int> _ports = [];
    private readonly Dictionary<ulong, TcpRaftTransport> _tcp = [];
    private readonly Dictionary<ulong, CapturingLogger> _loggers = [];

    private Func<ulong, NodeSettings, TcpTransportOptions>? OptionsOverride { get; set; }

    private protected override IRaftTransport Create(ulong id, NodeSettings settings)
    {
        var options = OptionsOverride?.Invoke(id, settings) ?? Options(id, settings);
        var logger = new CapturingLogger();
        var transport = new TcpRaftTransport(options, logger);
        _tcp[id] = transport;
        _loggers[id] = logger;
        return transport;
    }

    private protected override PeerAddress AddressOf(ulong id)
    {
        var endPoint = _tcp[id].LocalEndPoint!;
        _ports[id] = endPoint.Port;
        return new PeerAddress(id, endPoint);
    }

    private protected override PeerAddress AbsentAddress(ulong id) => new(id, new IPEndPoint(IPAddress.Loopback, 1));

    private TcpTransportOptions Options(ulong id, NodeSettings settings, string cluster = "test-cluster")
    {
        var maxFrame = (int)Math.Min(4 << 20, settings.QueueBytes);
        return new TcpTransportOptions
        {
            NodeId = id,
            ClusterId = cluster,
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, _ports.GetValueOrDefault(id)),
            MaxFrameBytes = maxFrame,
            PeerQueueBytesLimit = settings.QueueBytes,
            SnapshotChunkBytes = Math.Min(settings.SnapshotChunkBytes, maxFrame / 2),
            ConnectTimeout = TimeSpan.FromSeconds(3),
            ReconnectBackoffMin = TimeSpan.FromMilliseconds(10),
            ReconnectBackoffMax = TimeSpan.FromMilliseconds(100),
            RandomSeed = (int)id,
            ClusterSecret = Secret,
        };
    }

    [Fact]
    public async Task A_handshake_with_the_wrong_cluster_id_is_refused_and_logged_on_both_sides()
    {
        OptionsOverride = (id, s) => Options(id, s, cluster: id == 1 ? "cluster-a" : "cluster-b");
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        Transport(1).TrySend(Messages.Heartbeat(1, 2));
        await Wait.UntilAsync(() => _loggers[2].Has(3003, "cluster id 'cluster-a'"), "refusal logged by the acceptor");
        await Wait.UntilAsync(() => _loggers[1].Has(3004, "ClusterIdMismatch"), "refusal logged by the dialer");
        Assert.Empty(Sink(2).Messages);
    }

    [Fact]
    public async Task A_handshake_with_the_wrong_node_id_is_refused_and_logged_on_both_sides()
    {
        await StartAsync(1);
        await StartAsync(3);
        Transport(3).SetPeers([AddressOf(1)]);

        // Node 1 believes node 2 lives where node 3 listens.
        Transport(1).SetPeers([new PeerAddress(2, AddressOf(3).EndPoint)]);
        Transport(1).TrySend(Messages.Heartbeat(1, 2));
        await Wait.UntilAsync(() => _loggers[3].Has(3003, "dialled node 2, but this is node 3"), "refusal logged by the acceptor");
        await Wait.UntilAsync(() => _loggers[1].Has(3004, "WrongNodeId"), "refusal logged by the dialer");
        Assert.Empty(Sink(3).Messages);
    }

    [Fact]
    public async Task Handshakes_with_a_wrong_version_or_from_an_unknown_peer_are_refused()
    {
        await StartAsync(2);
        Transport(2).SetPeers([AbsentAddress(3)]);
        Assert.Equal(HandshakeStatus.ProtocolVersionMismatch, await RefusedHandshakeAsync(3, 2, Secret, version: 99));
        Assert.Equal(HandshakeStatus.UnknownPeer, await RefusedHandshakeAsync(4, 2, Secret));
        Assert.Equal(HandshakeStatus.BadMagic, await RefusedHandshakeAsync(3, 2, Secret, magic: 0x1234));
        Assert.True(_loggers[2].Has(3003, "protocol version 99"));
        Assert.True(_loggers[2].Has(3003, "node 4 is not a peer"));
    }

    [Fact]
    public async Task A_snapshot_over_the_receivers_limit_is_reported_not_delivered()
    {
        OptionsOverride = (id, s) =>
        {
            var o = Options(id, s);
            return new TcpTransportOptions
            {
                NodeId = o.NodeId,
                ClusterId = o.ClusterId,
                ListenEndPoint = o.ListenEndPoint,
                ReconnectBackoffMin = o.ReconnectBackoffMin,
                ReconnectBackoffMax = o.ReconnectBackoffMax,
                MaxSnapshotBytes = id == 2 ? 100_000 : o.MaxSnapshotBytes,
                ClusterSecret = o.ClusterSecret,
            };
        };
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        Assert.True(Transport(1).TrySend(Messages.Snapshot(1, 2, new byte[200_000])));
        await Wait.UntilAsync(() => Sink(1).SnapshotStatuses.Contains((2ul, false)), "refused snapshot reported");
        Assert.True(_loggers[2].Has(3010));
        Assert.DoesNotContain(Sink(2).Messages, m => m.Type == MessageType.Snapshot);
    }

    [Fact]
    public async Task A_snapshot_to_an_unreachable_peer_is_given_up_after_the_attempt_limit()
    {
        await StartAsync(1);
        Transport(1).SetPeers([AbsentAddress(2)]);
        Assert.True(Transport(1).TrySend(Messages.Snapshot(1, 2, new byte[1000])));
        await Wait.UntilAsync(() => Sink(1).SnapshotStatuses.Contains((2ul, false)), "snapshot given up");
        Assert.True(_loggers[1].Has(3014));
    }

    [Fact]
    public async Task A_malformed_frame_closes_only_that_connection()
    {
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        Transport(2).SetPeers([AddressOf(1), AbsentAddress(3)]);

        using var rogue = await HandshakeAsAsync(3, 2);
        var junk = new byte[64];
        BinaryPrimitives.WriteUInt32LittleEndian(junk, 60);
        junk[4] = RaftMessageCodec.FormatVersion;
        junk[5] = 1; // a message frame whose checksum is wrong
        await rogue.GetStream().WriteAsync(junk, TestContext.Current.CancellationToken);
        await AssertClosedAsync(rogue);
        await Wait.UntilAsync(() => _loggers[2].Has(3005, "checksum"), "malformed frame logged");

        Assert.True(Transport(1).TrySend(Messages.Heartbeat(1, 2, 42)));
        await Wait.UntilAsync(() => Sink(2).Messages.Any(m => m.Context == 42), "node 1 still delivers");
    }

    [Fact]
    public async Task A_new_connection_from_a_peer_closes_its_older_one()
    {
        await StartAsync(2);
        Transport(2).SetPeers([AbsentAddress(3)]);
        using var first = await HandshakeAsAsync(3, 2);
        using var second = await HandshakeAsAsync(3, 2);
        await AssertClosedAsync(first);

        var frame = new byte[128];
        var n = RaftMessageCodec.Encode(Messages.Heartbeat(3, 2, 77), frame);
        await second.GetStream().WriteAsync(frame.AsMemory(0, n), TestContext.Current.CancellationToken);
        await Wait.UntilAsync(() => Sink(2).Messages.Any(m => m.Context == 77), "a message on the newer connection");
    }

    [Fact]
    public async Task A_frame_over_the_limit_is_refused()
    {
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        Transport(2).SetPeers([AddressOf(1), AbsentAddress(3)]);

        using var rogue = await HandshakeAsAsync(3, 2);
        var prefix = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix, 1u << 30); // claims 1 GiB: refused before any allocation
        await rogue.GetStream().WriteAsync(prefix, TestContext.Current.CancellationToken);
        await AssertClosedAsync(rogue);
        await Wait.UntilAsync(() => _loggers[2].Has(3005, "exceeds"), "oversized frame logged");

        // The sender refuses to queue what the receiver would refuse.
        Assert.False(Transport(1).TrySend(Messages.Append(1, 2, 1, payloadBytes: 5 << 20)));
        Assert.True(_loggers[1].Has(3007));
        Assert.True(Transport(1).TrySend(Messages.Heartbeat(1, 2, 43)));
        await Wait.UntilAsync(() => Sink(2).Messages.Any(m => m.Context == 43), "node 1 still delivers");
    }

    [Fact]
    public async Task An_interrupted_snapshot_resumes_from_the_acknowledged_offset()
    {
        const int size = 4 << 20;
        const int chunk = 64 << 10;
        await StartAsync(1, new NodeSettings(SnapshotChunkBytes: chunk));
        await StartAsync(2, new NodeSettings(SnapshotChunkBytes: chunk));
        Connect(1, 2);
        var sender = _tcp[1];
        var aborted = 0;
        sender.SnapshotAckObserved = (peer, received) =>
        {
            if (received >= size / 3 && Interlocked.Exchange(ref aborted, 1) == 0)
            {
                sender.FindPeer(peer)!.AbortConnection();
            }
        };

        var data = Messages.RandomBytes(size, seed: 11);
        Assert.True(Transport(1).TrySend(Messages.Snapshot(1, 2, data)));
        await Wait.UntilAsync(() => Sink(1).SnapshotStatuses.Contains((2ul, true)), "snapshot delivered");

        var peer2 = sender.FindPeer(2)!;
        Assert.Equal(1, aborted);
        Assert.True(peer2.LastResumeOffset >= size / 3, $"resumed from {peer2.LastResumeOffset}, not from the acknowledged offset");
        Assert.True(peer2.SnapshotBytesSent <= size + (5L * chunk), $"sent {peer2.SnapshotBytesSent} bytes for a {size}-byte snapshot: it restarted");
        Assert.True(_loggers[1].Has(3008), "resume logged");
        var received = Sink(2).Messages.Single(m => m.Type == MessageType.Snapshot);
        Assert.True(received.Snapshot!.Data.Span.SequenceEqual(data));
    }

    [Fact]
    public async Task A_receiver_that_restarts_mid_snapshot_gets_it_from_the_start()
    {
        const int size = 2 << 20;
        const int chunk = 64 << 10;
        await StartAsync(1, new NodeSettings(SnapshotChunkBytes: chunk));
        await StartAsync(2, new NodeSettings(SnapshotChunkBytes: chunk));
        Connect(1, 2);
        var sender = _tcp[1];
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var resume = new ManualResetEventSlim();
        sender.SnapshotAckObserved = (_, received) =>
        {
            if (received >= size / 3 && paused.TrySetResult())
            {
                // Holds the sender's ack reader (so the transfer stalls) while the receiver restarts.
                resume.Wait(TimeSpan.FromSeconds(20));
            }
        };

        var data = Messages.RandomBytes(size, seed: 12);
        Assert.True(Transport(1).TrySend(Messages.Snapshot(1, 2, data)));
        await paused.Task.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        await StopAsync(2);
        var restarted = await StartAsync(2, new NodeSettings(SnapshotChunkBytes: chunk));
        Transport(2).SetPeers([AddressOf(1)]);
        resume.Set();

        await Wait.UntilAsync(() => Sink(1).SnapshotStatuses.Contains((2ul, true)), "snapshot delivered to the restarted node");
        var received = restarted.Messages.Single(m => m.Type == MessageType.Snapshot);
        Assert.True(received.Snapshot!.Data.Span.SequenceEqual(data));
        Assert.True(sender.FindPeer(2)!.SnapshotBytesSent > size, "the new receiver had nothing, so the transfer started over");
    }

    [Fact]
    public async Task Mutual_tls_accepts_trusted_certificates_and_refuses_an_untrusted_one()
    {
        using var cert1 = SelfSigned("node1", 1);
        using var cert2 = SelfSigned("node2", 2);
        using var rogueCert = SelfSigned("rogue", 3);
        string[] trusted = [cert1.Thumbprint, cert2.Thumbprint];
        OptionsOverride = (id, s) =>
        {
            var o = Options(id, s);
            return new TcpTransportOptions
            {
                NodeId = o.NodeId,
                ClusterId = o.ClusterId,
                ListenEndPoint = o.ListenEndPoint,
                ReconnectBackoffMin = o.ReconnectBackoffMin,
                ReconnectBackoffMax = o.ReconnectBackoffMax,
                Certificate = id switch { 1 => cert1, 2 => cert2, _ => rogueCert },
                TrustedThumbprints = id == 3 ? [.. trusted, rogueCert.Thumbprint] : trusted,
            };
        };
        await StartAsync(1);
        await StartAsync(2);
        await StartAsync(3);
        Connect(1, 2, 3);

        Assert.True(Transport(1).TrySend(Messages.Heartbeat(1, 2, 5)));
        Assert.True(Transport(2).TrySend(Messages.Heartbeat(2, 1, 6)));
        await Wait.UntilAsync(() => Sink(2).Messages.Any(m => m.Context == 5) && Sink(1).Messages.Any(m => m.Context == 6), "trusted peers exchange messages");

        // The rogue node holds a certificate nobody trusts: it cannot send votes or entries.
        Transport(3).TrySend(new Message { Type = MessageType.Vote, From = 3, To = 1, Term = 99 });
        Transport(3).TrySend(Messages.Append(3, 2, 1));
        await Wait.UntilAsync(() => _loggers[1].Has(3012, "rogue") && _loggers[2].Has(3012, "rogue"), "rogue certificate rejected");
        Assert.DoesNotContain(Sink(1).Messages, m => m.From == 3);
        Assert.DoesNotContain(Sink(2).Messages, m => m.From == 3);
        await StopAllAsync(); // before the certificates are disposed
    }

    [Fact]
    public async Task Mutual_tls_accepts_certificates_issued_by_the_trusted_ca()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=HaCore test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var cert1 = IssuedBy(ca, "node1", 1, nodeId: 1);
        using var cert2 = IssuedBy(ca, "node2", 2, nodeId: 2);
        OptionsOverride = (id, s) =>
        {
            var o = Options(id, s);
            return new TcpTransportOptions
            {
                NodeId = o.NodeId,
                ClusterId = o.ClusterId,
                ListenEndPoint = o.ListenEndPoint,
                ReconnectBackoffMin = o.ReconnectBackoffMin,
                ReconnectBackoffMax = o.ReconnectBackoffMax,
                Certificate = id == 1 ? cert1 : cert2,
                TrustedCaCertificate = ca,
            };
        };
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        Assert.True(Transport(1).TrySend(Messages.Heartbeat(1, 2, 5)));
        await Wait.UntilAsync(() => Sink(2).Messages.Any(m => m.Context == 5), "a message over TLS");
        await StopAllAsync(); // before the certificates are disposed
    }

    [Fact]
    public void Invalid_options_are_refused_with_a_clear_message()
    {
        var ok = Options(1, new NodeSettings());
        ok.Validate();
        Assert.Contains("NodeId", Assert.Throws<ArgumentException>(() => new TcpTransportOptions { ClusterId = "c" }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("ClusterId", Assert.Throws<ArgumentException>(() => new TcpTransportOptions { NodeId = 1 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("PeerQueueBytesLimit", Assert.Throws<ArgumentException>(() => new TcpTransportOptions { NodeId = 1, ClusterId = "c", PeerQueueBytesLimit = 10 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("ReconnectBackoffMax", Assert.Throws<ArgumentException>(() => new TcpTransportOptions { NodeId = 1, ClusterId = "c", ReconnectBackoffMax = TimeSpan.FromMilliseconds(1) }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => new TcpTransportOptions
        {
            NodeId = 1,
            ClusterId = "c",
            Peers = [new PeerAddress(2, new IPEndPoint(IPAddress.Loopback, 1)), new PeerAddress(2, new IPEndPoint(IPAddress.Loopback, 2))],
        }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("Certificate", Assert.Throws<ArgumentException>(() => new TcpTransportOptions { NodeId = 1, ClusterId = "c", TrustedThumbprints = ["00"] }.Validate()).Message, StringComparison.Ordinal);
        Assert.Equal(TcpTransportOptions.ClusterIdFromGuid(Guid.Empty), Guid.Empty.ToString());
    }

    [Fact]
    public async Task Metrics_count_frames_bytes_and_reconnects()
    {
        var totals = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "HaCore.Transport")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => totals.AddOrUpdate(instrument.Name, value, (_, v) => v + value));
        listener.Start();

        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        for (ulong i = 0; i < 10; i++)
        {
            Assert.True(Transport(1).TrySend(Messages.Heartbeat(1, 2, i)));
        }

        await Wait.UntilAsync(() => Sink(2).Messages.Count == 10, "messages");
        // Counters are updated after the socket call returns, so the receiver may be a little ahead.
        await Wait.UntilAsync(
            () => totals.GetValueOrDefault("hacore.transport.frames_received") >= 10
                && totals.GetValueOrDefault("hacore.transport.frames_sent") >= 10
                && totals.GetValueOrDefault("hacore.transport.bytes_sent") >= 10 * 82
                && totals.GetValueOrDefault("hacore.transport.bytes_received") >= 10 * 82,
            "frames and bytes counted");
        listener.RecordObservableInstruments();
        Assert.True(totals.ContainsKey("hacore.transport.queue_bytes"));

        await StopAsync(2);
        await Wait.UntilAsync(() => totals.GetValueOrDefault("hacore.transport.reconnects") >= 1, "reconnect counted");
    }

    [Fact]
    public async Task Reconnect_backoff_doubles_with_jitter_up_to_the_maximum()
    {
        await using var transport = new TcpRaftTransport(new TcpTransportOptions
        {
            NodeId = 1,
            ClusterId = "c",
            ReconnectBackoffMin = TimeSpan.FromMilliseconds(100),
            ReconnectBackoffMax = TimeSpan.FromSeconds(1),
            RandomSeed = 5,
        });
        Assert.InRange(transport.NextBackoff(0).TotalMilliseconds, 50, 100);
        Assert.InRange(transport.NextBackoff(2).TotalMilliseconds, 200, 400);
        Assert.InRange(transport.NextBackoff(20).TotalMilliseconds, 500, 1000);
        var delays = Enumerable.Range(0, 20).Select(_ => transport.NextBackoff(3)).Distinct().Count();
        Assert.True(delays > 10, "jitter spreads the delays");
    }

    [Fact]
    public async Task StartAsync_validates_the_options()
    {
        await using var transport = new TcpRaftTransport(new TcpTransportOptions { NodeId = 1 });
        await Assert.ThrowsAsync<ArgumentException>(async () => await transport.StartAsync(new RecordingSink(), TestContext.Current.CancellationToken));
    }

    /// <summary>Opens a raw connection to node <paramref name="to"/> and passes the handshake as node <paramref name="from"/>.</summary>
    private async Task<TcpClient> HandshakeAsAsync(ulong from, ulong to, ulong instance = 7)
    {
        var (status, client) = await RawHandshakeAsync(from, to, Secret, instance);
        Assert.Equal(HandshakeStatus.Accepted, status);
        return client;
    }

    /// <summary>A raw handshake that must be refused; checks the acceptor then closes the connection.</summary>
    private async Task<HandshakeStatus> RefusedHandshakeAsync(ulong from, ulong to, byte[]? secret, ushort version = ControlFrames.ProtocolVersion, uint magic = ControlFrames.Magic)
    {
        var (status, client) = await RawHandshakeAsync(from, to, secret, version: version, magic: magic);
        using (client)
        {
            Assert.NotEqual(HandshakeStatus.Accepted, status);
            await AssertClosedAsync(client);
        }

        return status;
    }
    private static async Task AssertClosedAsync(TcpClient client)
    {
        var buffer = new byte[16];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            Assert.Equal(0, await client.GetStream().ReadAsync(buffer, timeout.Token));
        }
        catch (IOException)
        {
            // A reset is a close too.
        }
    }

    /// <summary>A self-signed certificate; with <paramref name="nodeId"/>, its SAN URI names that node of "test-cluster".</summary>
    private static X509Certificate2 SelfSigned(string name, ulong? nodeId = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        AddNodeUri(request, nodeId);
        var end = notAfter ?? DateTimeOffset.UtcNow.AddDays(1);
        return request.CreateSelfSigned(end.AddDays(-2), end);
    }

    private static void AddNodeUri(CertificateRequest request, ulong? nodeId, string cluster = "test-cluster")
    {
        if (nodeId is { } id)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddUri(new Uri(TcpTransportOptions.CertificateUriFor(cluster, id)));
            request.CertificateExtensions.Add(san.Build());
        }
    }

    private static X509Certificate2 IssuedBy(X509Certificate2 ca, string name, byte serial, ulong? nodeId = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        AddNodeUri(request, nodeId);
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), [serial, 1, 2, 3]);
        return issued.CopyWithPrivateKey(key);
    }
}

/// <summary>What the TLS acceptor does with a malformed first flight (found by the tls-handshake fuzz target).</summary>
public sealed class InboundTlsTests
{
    // A ClientHello record whose hello is cut short inside the session id, an alert record spliced into it:
    // .NET 10.0.12's TlsFrameHelper.TryParseHelloFrame throws ArgumentOutOfRangeException on it (bounds
    // checks of that parser were fixed upstream in dotnet/runtime#126352). Found by the mutation loop.
    private const string MalformedHello =
        "16030100B9010000B50303010E1B2835424F5C697683909DAA10171E252C333A41484F565D6401000000878E959CA3AAB1B8BFC6CDD4DBE2" +
        "15030100020228D3D4D5D6D7D8D9DADBDCDDDEDF000E130113021303C02FC030C02BC02C0100005E000A00080006001D00FFFF18000B0002" +
        "0100000D000C000A0804040104030805050100170000FF01000100002B00050403040303003300260024001D00200910171E7A2D636C7573" +
        "7465720000000000000000000000000000000000000000";

    [Fact]
    public async Task A_client_hello_the_tls_parser_throws_on_is_refused_as_tls()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=node-2", key, HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var nowhere = new IPEndPoint(IPAddress.Loopback, 1);
        var transport = TcpRaftTransport.ForHandshakeFuzzing(
            new TcpTransportOptions { NodeId = 2, ClusterId = "test-cluster", Certificate = cert, TrustedThumbprints = [cert.Thumbprint], Peers = [new PeerAddress(1, nowhere)] },
            () => new byte[ControlFrames.NonceBytes]);
        await using var flight = new FlightStream(Convert.FromHexString(MalformedHello));

        var ssl = await transport.AuthenticateInboundTlsAsync(flight, nowhere, TestContext.Current.CancellationToken);

        Assert.Null(ssl);
        Assert.Equal(1, transport.RefusedConnections("tls"));
    }

    /// <summary>Reads the given bytes, then the end of the stream; discards what is written.</summary>
    private sealed class FlightStream(byte[] input) : Stream
    {
        private readonly MemoryStream _input = new(input, writable: false);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _input.Read(buffer, offset, count);

        public override void Write(byte[] buffer, int offset, int count)
        {
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
