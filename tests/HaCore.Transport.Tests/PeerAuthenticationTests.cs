using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HaCore.Raft;

namespace HaCore.Transport.Tests;

/// <summary>Peer authentication over TCP: the cluster secret handshake, duplicate ids, certificate identities.</summary>
public sealed partial class TcpTransportContractTests
{
    private static readonly byte[] Secret = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private static readonly byte[] OtherSecret = [.. Enumerable.Range(101, 32).Select(i => (byte)i)];

    [Fact]
    public async Task A_node_with_the_wrong_secret_neither_sends_nor_receives()
    {
        OptionsOverride = (id, s) => WithSecret(Options(id, s), id == 1 ? OtherSecret : Secret);
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        Transport(1).TrySend(Messages.Heartbeat(1, 2, 1));
        Transport(2).TrySend(Messages.Heartbeat(2, 1, 2));
        // Two refusals on each side: the reconnect after the first was refused as well.
        await Wait.UntilAsync(() => Refusals(1) >= 2 && Refusals(2) >= 2, "each dialer refuses the other, also after reconnecting");
        Assert.Empty(Sink(1).Messages);
        Assert.Empty(Sink(2).Messages);
    }

    private int Refusals(ulong node) => _loggers[node].Entries.Count(e => e.EventId == 3004 && e.Message.Contains("did not prove the cluster secret", StringComparison.Ordinal));

    [Fact]
    public async Task A_dialer_with_a_wrong_secret_is_refused_with_bad_proof()
    {
        await StartAsync(2);
        Transport(2).SetPeers([AbsentAddress(3)]);
        Assert.Equal(HandshakeStatus.BadProof, await RefusedHandshakeAsync(3, 2, OtherSecret));
        Assert.True(_loggers[2].Has(3003, "BadProof: node 3 did not prove the cluster secret"));
    }

    [Fact]
    public async Task A_dialer_without_a_secret_is_refused()
    {
        await StartAsync(2);
        Transport(2).SetPeers([AbsentAddress(3)]);
        Assert.Equal(HandshakeStatus.AuthenticationMismatch, await RefusedHandshakeAsync(3, 2, secret: null));
        Assert.True(_loggers[2].Has(3003, "node 3 has no cluster secret configured"));

        // A real unauthenticated node (explicitly allowed on its side) is refused too.
        OptionsOverride = (id, s) => id == 3 ? WithSecret(Options(id, s), null, allowUnauthenticated: true) : Options(id, s);
        await StartAsync(3);
        Transport(3).SetPeers([AddressOf(2)]);
        Transport(2).SetPeers([AddressOf(3)]);
        Transport(3).TrySend(Messages.Vote(3, 2, 50));
        await Wait.UntilAsync(() => _loggers[3].Has(3004, "AuthenticationMismatch"), "the unauthenticated dialer is told why");
        Assert.True(_loggers[3].Has(3017), "running unauthenticated is a warning");
        Assert.Empty(Sink(2).Messages);
    }

    [Fact]
    public async Task A_proof_made_with_an_accepted_older_secret_is_accepted_during_rotation()
    {
        OptionsOverride = (id, s) => id == 1
            ? WithSecret(Options(id, s), OtherSecret, accepted: [Secret])
            : WithSecret(Options(id, s), Secret, accepted: [OtherSecret]);
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        Assert.True(Transport(1).TrySend(Messages.Heartbeat(1, 2, 5)));
        Assert.True(Transport(2).TrySend(Messages.Heartbeat(2, 1, 6)));
        await Wait.UntilAsync(() => Sink(2).Messages.Any(m => m.Context == 5) && Sink(1).Messages.Any(m => m.Context == 6), "old and new secret both accepted");
    }

    [Fact]
    public async Task A_recorded_handshake_replayed_to_a_new_acceptor_is_refused()
    {
        await StartAsync(2);
        await using var relay = new TcpRelay(_tcp[2].LocalEndPoint!);
        await StartAsync(1);
        Transport(1).SetPeers([new PeerAddress(2, relay.EndPoint)]);
        Transport(2).SetPeers([AddressOf(1)]);
        Assert.True(Transport(1).TrySend(Messages.Heartbeat(1, 2, 9)));
        await Wait.UntilAsync(() => Sink(2).Messages.Any(m => m.Context == 9), "a real handshake through the relay");
        var recorded = relay.FirstFrames(2); // the dialer's hello and proof, as sent on the wire
        await StopAsync(1);
        await StopAsync(2);

        await StartAsync(2);
        Transport(2).SetPeers([AbsentAddress(1)]);
        using var client = new TcpClient();
        await client.ConnectAsync(_tcp[2].LocalEndPoint!, TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(recorded, TestContext.Current.CancellationToken);
        var (_, challenge) = await ReadFrameAsync(stream);
        Assert.True(ControlFrames.IsChallenge(challenge));
        var (_, result) = await ReadFrameAsync(stream);
        Assert.Equal(HandshakeStatus.BadProof, ControlFrames.DecodeHelloReply(result).Status);
        await AssertClosedAsync(client);
        Assert.True(_loggers[2].Has(3003, "BadProof"));
        Assert.Empty(Sink(2).Messages);
    }

    [Fact]
    public async Task The_acceptors_own_proof_reflected_back_is_refused()
    {
        await StartAsync(2);
        Transport(2).SetPeers([AbsentAddress(3)]);
        var (status, client) = await RawHandshakeAsync(3, 2, secret: Secret, proof: challenge => challenge.Proof.ToArray());
        using (client)
        {
            Assert.Equal(HandshakeStatus.BadProof, status);
            await AssertClosedAsync(client);
        }
    }

    [Fact]
    public async Task A_hello_of_protocol_version_1_is_refused_in_a_reply_version_1_can_read()
    {
        await StartAsync(2);
        Transport(2).SetPeers([AbsentAddress(3)]);
        using var client = new TcpClient();
        await client.ConnectAsync(_tcp[2].LocalEndPoint!, TestContext.Current.CancellationToken);
        var buffer = new byte[256];
        var n = ControlFrames.EncodeHello(new Hello(ControlFrames.Magic, 1, "test-cluster", 3, 2), buffer); // version 1's layout
        await client.GetStream().WriteAsync(buffer.AsMemory(0, n), TestContext.Current.CancellationToken);
        var (_, reply) = await ReadFrameAsync(client.GetStream());
        Assert.Equal(9, reply.Length);
        Assert.Equal(HandshakeStatus.ProtocolVersionMismatch, ControlFrames.DecodeHelloReply(reply).Status);
        await AssertClosedAsync(client);
        Assert.True(_loggers[2].Has(3003, "protocol version 1, this node speaks 2"));
    }

    [Fact]
    public async Task A_second_process_claiming_a_connected_node_id_is_refused_and_the_first_keeps_working()
    {
        await StartAsync(2);
        Transport(2).SetPeers([AbsentAddress(3)]);
        using var first = await HandshakeAsAsync(3, 2, instance: 7);
        var (status, second) = await RawHandshakeAsync(3, 2, Secret, instance: 8);
        using (second)
        {
            Assert.Equal(HandshakeStatus.DuplicateNodeId, status);
            await AssertClosedAsync(second);
        }

        Assert.True(_loggers[2].Has(3003, "duplicate node id 3"));
        var frame = new byte[128];
        var n = RaftMessageCodec.Encode(Messages.Heartbeat(3, 2, 78), frame);
        await first.GetStream().WriteAsync(frame.AsMemory(0, n), TestContext.Current.CancellationToken);
        await Wait.UntilAsync(() => Sink(2).Messages.Any(m => m.Context == 78), "the first connection still delivers");
    }

    [Fact]
    public async Task Two_transports_with_the_same_node_id_the_first_keeps_its_connection()
    {
        await StartAsync(2);
        await StartAsync(1);
        Connect(1, 2);
        Assert.True(Transport(1).TrySend(Messages.Heartbeat(1, 2, 1)));
        await Wait.UntilAsync(() => Sink(2).Messages.Any(m => m.Context == 1), "the real node 1 connects");

        // An impostor process, configured as node 1 too (same secret: a misconfiguration).
        var impostorLogger = new CapturingLogger();
        await using var impostor = new TcpRaftTransport(
            new TcpTransportOptions
            {
                NodeId = 1,
                ClusterId = "test-cluster",
                ClusterSecret = Secret,
                ReconnectBackoffMin = TimeSpan.FromMilliseconds(10),
                ReconnectBackoffMax = TimeSpan.FromMilliseconds(100),
                Peers = [AddressOf(2)],
            },
            impostorLogger);
        await impostor.StartAsync(new RecordingSink(), TestContext.Current.CancellationToken);
        impostor.TrySend(Messages.Heartbeat(1, 2, 666));
        await Wait.UntilAsync(() => impostorLogger.Has(3004, "DuplicateNodeId") && _loggers[2].Has(3003, "duplicate node id 1"), "the impostor is refused, naming the cause");
        for (ulong i = 2; i < 6; i++)
        {
            Assert.True(Transport(1).TrySend(Messages.Heartbeat(1, 2, i)));
        }

        await Wait.UntilAsync(() => Sink(2).Messages.Count(m => m.Context is >= 2 and < 6) == 4, "the real node keeps delivering");
        Assert.DoesNotContain(Sink(2).Messages, m => m.Context == 666);
    }

    [Fact]
    public async Task A_forged_high_term_append_from_an_unauthenticated_socket_does_not_change_the_term()
    {
        ulong[] ids = [1, 2, 3];
        var nodes = new Dictionary<ulong, RaftOverTransport>();
        try
        {
            foreach (var id in ids)
            {
                nodes[id] = new RaftOverTransport(id, ids, new LateTransport(() => Transport(id)));
                await StartAsync(id, nodes[id]);
            }

            Connect(ids);
            foreach (var node in nodes.Values)
            {
                node.Start();
            }

            await Wait.UntilAsync(() => nodes.Values.Count(n => n.IsLeader) == 1, "one leader");
            var target = nodes.First(kv => !kv.Value.IsLeader).Key;
            var impersonated = ids.First(id => id != target && !nodes[id].IsLeader);

            // The impersonated follower goes away, so its id is free; a majority still runs.
            await nodes[impersonated].DisposeAsync();
            nodes.Remove(impersonated);
            await StopAsync(impersonated);
            var termBefore = nodes[target].Term;

            var forged = new Message { Type = MessageType.Append, From = impersonated, To = target, Term = 1000, Index = 0, LogTerm = 0, Commit = 0 };
            var frame = new byte[256];
            var n = RaftMessageCodec.Encode(forged, frame);
            // The target must have seen the real node's connection close, or it would refuse the forged
            // handshakes as duplicates before checking their proofs.
            await Wait.UntilAsync(() => !_tcp[target].HasInboundFrom(impersonated), "the target drops the impersonated node's connection");
            foreach (var secret in new[] { null, OtherSecret })
            {
                // The forged frame is written right after the hello without a secret (refused there), and
                // after the proof with a wrong one, whatever the answers.
                try
                {
                    var (status, client) = await RawHandshakeAsync(impersonated, target, secret, afterHello: secret is null ? frame[..n] : null, afterProof: frame[..n]);
                    using (client)
                    {
                        Assert.NotEqual(HandshakeStatus.Accepted, status);
                    }
                }
                catch (Exception ex) when (ex is EndOfStreamException or IOException)
                {
                    // Refused and closed (reset, as the forged bytes were left unread).
                }
            }

            // A barrier: the target applies a later entry of the real leader, so it has handled whatever reached it.
            var mark = "after the forgeries"u8.ToArray();
            nodes.Values.First(n => n.IsLeader).Propose(mark);
            await Wait.UntilAsync(() => nodes[target].Applied.Any(a => a.AsSpan().SequenceEqual(mark)), "the target keeps following the real leader");
            Assert.True(nodes[target].Term < 1000, $"term {nodes[target].Term}");
            Assert.Equal(termBefore, nodes[target].Term);
        }
        finally
        {
            foreach (var node in nodes.Values)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_valid_certificate_naming_another_node_is_refused()
    {
        using var cert1 = SelfSigned("node1-claims-2", 2); // trusted, but its SAN names node 2
        using var cert2 = SelfSigned("node2", 2);
        OptionsOverride = (id, s) => Tls(Options(id, s), id == 1 ? cert1 : cert2, trusted: [cert1.Thumbprint, cert2.Thumbprint]);
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        Transport(1).TrySend(Messages.Vote(1, 2, 99));
        await Wait.UntilAsync(() => _loggers[2].Has(3003, "CertificateIdentityMismatch") && _loggers[2].Has(3003, "/2, not hacore://test-cluster/1"), "node 2 refuses node 1's certificate for id 1");
        Assert.Empty(Sink(2).Messages);
        await StopAllAsync();
    }

    [Fact]
    public async Task A_certificate_that_does_not_match_the_nodes_pin_is_refused_and_a_matching_one_accepted()
    {
        using var cert1 = SelfSigned("node1");
        using var cert2 = SelfSigned("node2");
        using var other = SelfSigned("not-node1");
        var pins = new Dictionary<ulong, IReadOnlyCollection<string>>
        {
            [1] = [PeerCertificateIdentity.Sha256Thumbprint(other)],
            [2] = [PeerCertificateIdentity.Sha256Thumbprint(cert2)],
        };

        // Node 1's certificate is trusted (SHA-1 list) but node 1 is pinned to another certificate.
        OptionsOverride = (id, s) => Tls(Options(id, s), id == 1 ? cert1 : cert2, trusted: [cert1.Thumbprint], pins: pins);
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        Transport(1).TrySend(Messages.Vote(1, 2, 99));
        await Wait.UntilAsync(() => _loggers[2].Has(3003, "is not pinned for node 1"), "pin mismatch refused");
        Assert.Empty(Sink(2).Messages);
        await StopAllAsync();
    }

    [Fact]
    public async Task Pinned_certificates_without_names_are_accepted()
    {
        using var cert1 = SelfSigned("node1");
        using var cert2 = SelfSigned("node2");
        var pins = new Dictionary<ulong, IReadOnlyCollection<string>>
        {
            [1] = [PeerCertificateIdentity.Sha256Thumbprint(cert1)],
            [2] = [PeerCertificateIdentity.Sha256Thumbprint(cert2)],
        };
        OptionsOverride = (id, s) => Tls(Options(id, s), id == 1 ? cert1 : cert2, trusted: [], pins: pins);
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        Assert.True(Transport(1).TrySend(Messages.Heartbeat(1, 2, 4)));
        await Wait.UntilAsync(() => Sink(2).Messages.Any(m => m.Context == 4), "pinned peers connect");
        await StopAllAsync();
    }

    [Fact]
    public async Task An_expired_certificate_is_refused()
    {
        using var cert1 = SelfSigned("node1", 1, notAfter: DateTimeOffset.UtcNow.AddHours(-1));
        using var cert2 = SelfSigned("node2", 2);
        OptionsOverride = (id, s) => Tls(Options(id, s), id == 1 ? cert1 : cert2, trusted: [cert1.Thumbprint, cert2.Thumbprint]);
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        Transport(1).TrySend(Messages.Vote(1, 2, 99));
        await Wait.UntilAsync(() => _loggers[2].Has(3012, "expired"), "expired certificate refused");
        Assert.Empty(Sink(2).Messages);
        await StopAllAsync();
    }

    [Fact]
    public async Task A_rotated_certificate_is_used_on_new_connections_without_a_restart()
    {
        using var oldCert = SelfSigned("node1-old", 1);
        using var newCert = SelfSigned("node1-new", 1);
        using var cert2 = SelfSigned("node2", 2);
        var current = oldCert;
        var pins = new Dictionary<ulong, IReadOnlyCollection<string>>
        {
            [1] = [PeerCertificateIdentity.Sha256Thumbprint(newCert)], // node 2 already expects the new one
            [2] = [PeerCertificateIdentity.Sha256Thumbprint(cert2)],
        };
        OptionsOverride = (id, s) => id == 1
            ? Tls(Options(id, s), null, trusted: [], pins: pins, provider: () => Volatile.Read(ref current))
            : Tls(Options(id, s), cert2, trusted: [], pins: pins);
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        Transport(1).TrySend(Messages.Heartbeat(1, 2, 1));
        await Wait.UntilAsync(() => _loggers[2].Has(3012, "node1-old"), "the old certificate is refused");
        Assert.Empty(Sink(2).Messages);

        Volatile.Write(ref current, newCert);
        Transport(1).TrySend(Messages.Heartbeat(1, 2, 2));
        await Wait.UntilAsync(() => Sink(2).Messages.Any(m => m.Context is 1 or 2), "the next connection presents the new certificate");
        await StopAllAsync();
    }

    [Fact]
    public async Task During_a_ca_rotation_certificates_of_the_old_and_the_new_ca_are_both_accepted()
    {
        using var oldCa = Ca("old CA");
        using var newCa = Ca("new CA");
        using var cert1 = IssuedBy(oldCa, "node1", 1, nodeId: 1);
        using var cert2 = IssuedBy(newCa, "node2", 2, nodeId: 2);
        OptionsOverride = (id, s) => Options(id, s) is var o
            ? new TcpTransportOptions
            {
                NodeId = o.NodeId,
                ClusterId = o.ClusterId,
                ListenEndPoint = o.ListenEndPoint,
                ReconnectBackoffMin = o.ReconnectBackoffMin,
                ReconnectBackoffMax = o.ReconnectBackoffMax,
                Certificate = id == 1 ? cert1 : cert2,
                TrustedCaCertificates = [oldCa, newCa],
            }
            : throw new InvalidOperationException();
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        Assert.True(Transport(1).TrySend(Messages.Heartbeat(1, 2, 5)));
        Assert.True(Transport(2).TrySend(Messages.Heartbeat(2, 1, 6)));
        await Wait.UntilAsync(() => Sink(2).Messages.Any(m => m.Context == 5) && Sink(1).Messages.Any(m => m.Context == 6), "both CAs trusted");
        await StopAllAsync();

        static X509Certificate2 Ca(string name)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        }
    }

    [Fact]
    public void Authentication_options_are_validated()
    {
        static string Error(TcpTransportOptions o) => Assert.Throws<ArgumentException>(o.Validate).Message;

        var none = Error(new TcpTransportOptions { NodeId = 1, ClusterId = "c" });
        Assert.Contains("ClusterSecret", none, StringComparison.Ordinal);
        Assert.Contains("AllowUnauthenticatedPeers", none, StringComparison.Ordinal);
        Assert.Contains("Certificate", none, StringComparison.Ordinal);
        Assert.Contains("at least 16 bytes", Error(new TcpTransportOptions { NodeId = 1, ClusterId = "c", ClusterSecret = new byte[15] }), StringComparison.Ordinal);
        Assert.Contains("AcceptedClusterSecrets", Error(new TcpTransportOptions { NodeId = 1, ClusterId = "c", ClusterSecret = Secret, AcceptedClusterSecrets = [new byte[8]] }), StringComparison.Ordinal);
        Assert.Contains("AcceptedClusterSecrets", Error(new TcpTransportOptions { NodeId = 1, ClusterId = "c", AllowUnauthenticatedPeers = true, AcceptedClusterSecrets = [Secret] }), StringComparison.Ordinal);
        Assert.Contains("MaxPendingHandshakes", Error(new TcpTransportOptions { NodeId = 1, ClusterId = "c", ClusterSecret = Secret, MaxPendingHandshakes = 0 }), StringComparison.Ordinal);
        Assert.Contains("MaxPendingHandshakes", Error(new TcpTransportOptions { NodeId = 1, ClusterId = "c", ClusterSecret = Secret, MaxInboundConnections = 4, MaxPendingHandshakes = 5 }), StringComparison.Ordinal);
        Assert.Contains("HandshakeTimeout", Error(new TcpTransportOptions { NodeId = 1, ClusterId = "c", ClusterSecret = Secret, HandshakeTimeout = TimeSpan.Zero }), StringComparison.Ordinal);
        new TcpTransportOptions { NodeId = 1, ClusterId = "c", ClusterSecret = new byte[16] }.Validate();
        new TcpTransportOptions { NodeId = 1, ClusterId = "c", AllowUnauthenticatedPeers = true }.Validate();
    }

    [Fact]
    public async Task Beyond_the_pending_limit_the_oldest_handshake_is_closed_and_a_silent_one_times_out()
    {
        OptionsOverride = (id, _) => new TcpTransportOptions { NodeId = id, ClusterId = "test-cluster", ClusterSecret = Secret, MaxPendingHandshakes = 1, HandshakeTimeout = TimeSpan.FromMilliseconds(500) };
        await StartAsync(2);
        using var oldest = new TcpClient();
        await oldest.ConnectAsync(_tcp[2].LocalEndPoint!, TestContext.Current.CancellationToken);
        await Wait.UntilAsync(() => _tcp[2].PendingHandshakes == 1, "the silent connection's handshake is pending");
        using var newer = new TcpClient();
        await newer.ConnectAsync(_tcp[2].LocalEndPoint!, TestContext.Current.CancellationToken);
        await AssertClosedAsync(oldest); // made room for the newer one
        Assert.True(_loggers[2].Has(3019, "1 handshakes already pending: closing the oldest, from 127.0.0.1:" + ((IPEndPoint)oldest.Client.LocalEndPoint!).Port));
        Assert.Equal(1, _tcp[2].PendingHandshakes);
        Assert.Equal(1, _tcp[2].RefusedConnections("pending_evicted"));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await AssertClosedAsync(newer); // the deadline
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"closed after {clock.Elapsed}");
        await Wait.UntilAsync(() => _loggers[2].Has(3020, "within 500 ms"), "the deadline is named in the log");
        await Wait.UntilAsync(() => _tcp[2].PendingHandshakes == 0, "the slot is free again");
    }

    [Fact]
    public void The_refusal_log_is_rate_limited()
    {
        long now = 0;
        var limiter = new LogRateLimiter(3, TimeSpan.FromSeconds(10), () => now);
        var passed = Enumerable.Range(0, 100).Count(_ => limiter.TryAcquire(out long _));
        Assert.Equal(3, passed);
        now = 10_000;
        Assert.True(limiter.TryAcquire(out var suppressed));
        Assert.Equal(97, suppressed);
    }

    [Fact]
    public void Certificate_uris_name_one_node_of_one_cluster()
    {
        Assert.True(PeerCertificateIdentity.Names("hacore://test-cluster/3", "test-cluster", 3));
        Assert.True(PeerCertificateIdentity.Names("HACORE://Test-Cluster/3", "test-cluster", 3));
        Assert.False(PeerCertificateIdentity.Names("hacore://test-cluster/3", "test-cluster", 4));
        Assert.False(PeerCertificateIdentity.Names("hacore://other/3", "test-cluster", 3));
        Assert.False(PeerCertificateIdentity.Names("hacore://test-cluster/03", "test-cluster", 3));
        Assert.False(PeerCertificateIdentity.Names("https://test-cluster/3", "test-cluster", 3));
        Assert.Equal("hacore://a%20b/7", TcpTransportOptions.CertificateUriFor("a b", 7));
        Assert.True(PeerCertificateIdentity.Names(TcpTransportOptions.CertificateUriFor("a b", 7), "a b", 7));
    }

    private static TcpTransportOptions WithSecret(TcpTransportOptions o, byte[]? secret, IReadOnlyCollection<byte[]>? accepted = null, bool allowUnauthenticated = false) => new()
    {
        NodeId = o.NodeId,
        ClusterId = o.ClusterId,
        ListenEndPoint = o.ListenEndPoint,
        ReconnectBackoffMin = o.ReconnectBackoffMin,
        ReconnectBackoffMax = o.ReconnectBackoffMax,
        RandomSeed = o.RandomSeed,
        ClusterSecret = secret,
        AcceptedClusterSecrets = accepted ?? [],
        AllowUnauthenticatedPeers = allowUnauthenticated,
    };

    private static TcpTransportOptions Tls(
        TcpTransportOptions o,
        X509Certificate2? certificate,
        string[] trusted,
        Dictionary<ulong, IReadOnlyCollection<string>>? pins = null,
        Func<X509Certificate2>? provider = null) => new()
    {
        NodeId = o.NodeId,
        ClusterId = o.ClusterId,
        ListenEndPoint = o.ListenEndPoint,
        ReconnectBackoffMin = o.ReconnectBackoffMin,
        ReconnectBackoffMax = o.ReconnectBackoffMax,
        RandomSeed = o.RandomSeed,
        Certificate = certificate,
        CertificateProvider = provider,
        TrustedThumbprints = trusted,
        PinnedPeerCertificates = pins ?? [],
    };

    /// <summary>
    /// A raw handshake with node <paramref name="to"/> as node <paramref name="from"/>: hello, then
    /// (when challenged) a proof made with <paramref name="secret"/> (zeros without), or by
    /// <paramref name="proof"/>. Returns the acceptor's last answer and the open connection.
    /// </summary>
    private async Task<(HandshakeStatus Status, TcpClient Client)> RawHandshakeAsync(
        ulong from,
        ulong to,
        byte[]? secret,
        ulong instance = 7,
        Func<HelloChallenge, byte[]>? proof = null,
        ushort version = ControlFrames.ProtocolVersion,
        uint magic = ControlFrames.Magic,
        byte[]? afterHello = null,
        byte[]? afterProof = null)
    {
        var ct = TestContext.Current.CancellationToken;
        var client = new TcpClient();
        await client.ConnectAsync(_tcp[to].LocalEndPoint!, ct);
        var stream = client.GetStream();
        var nonce = RandomNumberGenerator.GetBytes(ControlFrames.NonceBytes);
        var buffer = new byte[512];
        var n = ControlFrames.EncodeHello(new Hello(magic, version, "test-cluster", from, to) { HasSecret = secret is not null, Nonce = nonce, Instance = instance }, buffer);
        await stream.WriteAsync(buffer.AsMemory(0, n), ct);
        await WriteQuietlyAsync(afterHello);
        var (_, reply) = await ReadFrameAsync(stream);
        if (!ControlFrames.IsChallenge(reply))
        {
            return (ControlFrames.DecodeHelloReply(reply).Status, client);
        }

        var challenge = ControlFrames.DecodeChallenge(reply);
        var context = new ProofContext(nonce, challenge.Nonce, instance, "test-cluster", from, to);
        var ours = proof?.Invoke(challenge)
            ?? (secret is null ? new byte[ControlFrames.ProofBytes] : ClusterSecretProof.Compute(secret, ProofDirection.Dialer, context));
        n = ControlFrames.EncodeProof(ours, buffer);
        await stream.WriteAsync(buffer.AsMemory(0, n), ct);
        await WriteQuietlyAsync(afterProof);
        var (_, result) = await ReadFrameAsync(stream);
        return (ControlFrames.DecodeHelloReply(result).Status, client);

        async Task WriteQuietlyAsync(byte[]? bytes)
        {
            if (bytes is not null)
            {
                try
                {
                    await stream.WriteAsync(bytes, ct);
                }
                catch (IOException)
                {
                    // The acceptor may already have closed: that is the point.
                }
            }
        }
    }

    private static async Task<(FrameKind Kind, byte[] Payload)> ReadFrameAsync(NetworkStream stream)
    {
        var ct = TestContext.Current.CancellationToken;
        var header = new byte[4];
        await stream.ReadExactlyAsync(header, ct);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var frame = new byte[length + 4];
        header.CopyTo(frame, 0);
        await stream.ReadExactlyAsync(frame.AsMemory(4), ct);
        var payload = RaftMessageCodec.ValidateFrame(frame, 1024, out var kind);
        return (kind, payload.ToArray());
    }
}

/// <summary>Lets a node loop be built before its transport exists (the transport delivers to the loop).</summary>
internal sealed class LateTransport(Func<IRaftTransport> transport) : IRaftTransport
{
    public ulong LocalId => transport().LocalId;

    public ValueTask StartAsync(IRaftMessageSink sink, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public void SetPeers(IReadOnlyCollection<PeerAddress> peers) => transport().SetPeers(peers);

    public bool TrySend(in Message message) => transport().TrySend(message);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Forwards TCP connections to a target and records what the first client sent.</summary>
internal sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly MemoryStream _recorded = new();
    private readonly List<Task> _tasks = [];
    private int _connections;

    public TcpRelay(IPEndPoint target)
    {
        _target = target;
        _listener.Start();
        _tasks.Add(Task.Run(AcceptAsync));
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>The first <paramref name="count"/> frames the first client sent.</summary>
    public byte[] FirstFrames(int count)
    {
        byte[] bytes;
        lock (_recorded)
        {
            bytes = _recorded.ToArray();
        }

        var p = 0;
        for (var i = 0; i < count; i++)
        {
            p += (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(p)) + 4;
        }

        return bytes[..p];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await Task.WhenAll(_tasks);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var record = Interlocked.Increment(ref _connections) == 1;
            lock (_tasks)
            {
                _tasks.Add(Task.Run(() => RelayAsync(client, record)));
            }
        }
    }

    private async Task RelayAsync(TcpClient client, bool record)
    {
        using var _ = client;
        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(_target, _stop.Token);
            var down = client.GetStream();
            var up = upstream.GetStream();
            await Task.WhenAny(PumpAsync(down, up, record), PumpAsync(up, down, false));
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool record)
    {
        var buffer = new byte[16 << 10];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (record)
                {
                    lock (_recorded)
                    {
                        _recorded.Write(buffer, 0, n);
                    }
                }

                await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
    }
}
