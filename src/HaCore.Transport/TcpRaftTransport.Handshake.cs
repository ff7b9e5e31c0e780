using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace HaCore.Transport;

// The handshake of both sides (docs/transport.md, docs/security.md): hello, challenge, proof, result;
// the checks of the hello, the cluster secret proofs, certificate identities, duplicate ids.
public sealed partial class TcpRaftTransport
{
    /// <summary>The dialer's side of the handshake (docs/transport.md): hello, challenge, proof, result.</summary>
    internal async Task DialHandshakeAsync(Stream stream, OutboundPeer peer, CancellationToken ct)
    {
        var buffer = new byte[ControlFrames.MaxHandshakeFrameBytes];
        var nonce = _newNonce();
        var hello = new Hello(ControlFrames.Magic, ControlFrames.ProtocolVersion, _options.ClusterId, LocalId, peer.Id)
        {
            HasSecret = _proof is not null,
            Nonce = nonce,
            Instance = _instance,
        };
        var n = ControlFrames.EncodeHello(hello, buffer);
        await stream.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
        using var reader = new FrameReader(stream, ControlFrames.MaxHandshakeFrameBytes);
        var reply = await ReadReplyAsync(reader, ct).ConfigureAwait(false);
        if (!ControlFrames.IsChallenge(reply.Span))
        {
            var (status, responder) = ControlFrames.DecodeHelloReply(reply.Span);
            throw Refused(status == HandshakeStatus.Accepted ? "accepted without a challenge (not protocol version 2)" : $"{status}", responder);
        }

        var challenge = ControlFrames.DecodeChallenge(reply.Span);
        var context = new ProofContext(nonce, challenge.Nonce, _instance, _options.ClusterId, LocalId, peer.Id);
        if (_proof is not null && !_proof.Verify(ProofDirection.Acceptor, context, challenge.Proof.Span))
        {
            throw Refused("the peer did not prove the cluster secret (it holds another secret, or is not a node of this cluster)", challenge.Responder);
        }

        var proof = _proof?.Compute(ProofDirection.Dialer, context) ?? new byte[ControlFrames.ProofBytes];
        n = ControlFrames.EncodeProof(proof, buffer);
        await stream.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
        reply = await ReadReplyAsync(reader, ct).ConfigureAwait(false);
        var (result, acceptor) = ControlFrames.DecodeHelloReply(reply.Span);
        if (result != HandshakeStatus.Accepted)
        {
            throw Refused($"{result}", acceptor);
        }

        HandshakeRefusedException Refused(string what, ulong responder)
        {
            var reason = $"{what} (we are node {LocalId} of cluster '{_options.ClusterId}', expecting node {peer.Id}; it is node {responder})";
            Log.HandshakeRefusedOutbound(_logger, LocalId, peer.Id, peer.EndPoint, reason);
            return new HandshakeRefusedException(reason);
        }

        static async Task<ReadOnlyMemory<byte>> ReadReplyAsync(FrameReader reader, CancellationToken ct)
        {
            var frame = await reader.ReadAsync(ct).ConfigureAwait(false)
                ?? throw new HandshakeRefusedException("the peer closed the connection during the handshake (a node of protocol version 1 closes on a version 2 hello)");
            if (frame.Kind != FrameKind.HelloReply)
            {
                throw new RaftFrameException($"Expected a handshake reply, got frame kind {frame.Kind}.");
            }

            return frame.Payload.ToArray();
        }
    }

    /// <summary>
    /// The server side of TLS on an accepted connection: the TLS stream once the peer's certificate is
    /// trusted, or null (counted and logged as <c>tls</c>) when the handshake fails, whatever the TLS
    /// implementation throws on the peer's bytes; only cancellation (the deadline) escapes. The stream is the
    /// TLS stream's inner stream, closed with it. Fuzzed by the <c>tls-handshake</c> target.
    /// </summary>
    internal async Task<SslStream?> AuthenticateInboundTlsAsync(Stream stream, EndPoint? remote, CancellationToken ct)
    {
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        var tls = new SslServerAuthenticationOptions
        {
            ServerCertificate = _options.CurrentCertificate(),
            ClientCertificateRequired = true,
            RemoteCertificateValidationCallback = ValidatePeerCertificate,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        bool authenticated = false;
        try
        {
            await ssl.AuthenticateAsServerAsync(tls, ct).ConfigureAwait(false);
            authenticated = true;
            return ssl;
        }
#pragma warning disable CA1031 // Untrusted bytes: whatever the TLS parser throws on them is a refusal.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            // AuthenticationException and IOException as documented; on .NET 10.0.12 a malformed
            // ClientHello also throws ArgumentOutOfRangeException from SslStream's hello parser (the
            // tls-handshake fuzz target found it; dotnet/runtime#126352 fixed the parser upstream).
            CountRefusal("tls");
            if (MayLogRefusal("tls"))
            {
                Log.TlsFailed(_logger, LocalId, remote, ex);
            }

            return null;
        }
        finally
        {
            if (!authenticated)
            {
                // Refused, timed out or failed: the TLS state goes now, not with the finalizer.
                await ssl.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Null when the TLS peer's certificate names <paramref name="nodeId"/>; otherwise why not.</summary>
    private string? CheckCertificateIdentity(SslStream ssl, ulong nodeId)
    {
        if (ssl.RemoteCertificate is not { } remote)
        {
            return "the TLS peer presented no certificate";
        }

        var cert = remote as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(remote.GetRawCertData());
        try
        {
            return PeerCertificateIdentity.Check(cert, _options, nodeId) is { } why ? "TLS identity: " + why : null;
        }
        finally
        {
            if (!ReferenceEquals(cert, remote))
            {
                cert.Dispose();
            }
        }
    }

    /// <summary>Rate limit of inbound refusal logs, per kind of refusal (<paramref name="kind"/>, one of a
    /// fixed set), so that a flood of one kind cannot hide the others; logs how many were held back.</summary>
    private bool MayLogRefusal(string kind)
    {
        var limiter = _refusalLogs.GetOrAdd(kind, static _ => new LogRateLimiter(RefusalLogsPerWindow, RefusalLogWindow));
        if (!limiter.TryAcquire(out var suppressed))
        {
            return false;
        }

        if (suppressed > 0)
        {
            Log.RefusalsSuppressed(_logger, LocalId, suppressed, kind);
        }

        return true;
    }

    /// <summary>Rate limit of error logs of authenticated connections (malformed frames, failures).</summary>
    private bool MayLogPeerError()
    {
        if (!_peerErrorLog.TryAcquire(out var suppressed))
        {
            return false;
        }

        if (suppressed > 0)
        {
            Log.PeerErrorsSuppressed(_logger, LocalId, suppressed);
        }

        return true;
    }

    private bool ValidatePeerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            if (MayLogRefusal("certificate"))
            {
                Log.CertificateRejected(_logger, LocalId, "(unknown)", "no certificate presented");
            }

            return false;
        }

        var cert = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        try
        {
            var reason = PeerCertificateTrust.Check(cert, _options, DateTime.Now);
            if (reason is not null && MayLogRefusal("certificate"))
            {
                Log.CertificateRejected(_logger, LocalId, cert.Subject, reason);
            }

            return reason is null;
        }
        finally
        {
            if (!ReferenceEquals(cert, certificate))
            {
                cert.Dispose();
            }
        }
    }

    /// <summary>The acceptor's side of the handshake: reads and checks the hello, challenges the dialer,
    /// checks its proof and answers; the peer's id, or 0 when refused.</summary>
    internal async Task<ulong> AcceptHandshakeAsync(Stream stream, FrameReader reader, EndPoint? remote, CancellationTokenSource connection, CancellationToken ct)
    {
        var frame = await reader.ReadAsync(ct).ConfigureAwait(false)
            ?? throw new EndOfStreamException("The connection closed before its handshake.");
        if (frame.Kind != FrameKind.Hello)
        {
            throw new RaftFrameException($"Expected a handshake, got frame kind {frame.Kind}.");
        }

        var hello = ControlFrames.DecodeHello(frame.Payload.Span);
        var (status, reason) = CheckHello(hello, stream as SslStream);
        var buffer = new byte[ControlFrames.MaxHandshakeFrameBytes];
        if (status != HandshakeStatus.Accepted)
        {
            return await RefuseAsync(status, reason).ConfigureAwait(false);
        }

        var nonce = _newNonce();
        var context = new ProofContext(hello.Nonce, nonce, hello.Instance, _options.ClusterId, hello.From, LocalId);
        var ourProof = _proof?.Compute(ProofDirection.Acceptor, context) ?? new byte[ControlFrames.ProofBytes];
        var n = ControlFrames.EncodeChallenge(LocalId, nonce, ourProof, buffer);
        await stream.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);

        frame = await reader.ReadAsync(ct).ConfigureAwait(false)
            ?? throw new EndOfStreamException("The connection closed during its handshake.");
        if (frame.Kind != FrameKind.Hello)
        {
            throw new RaftFrameException($"Expected a handshake proof, got frame kind {frame.Kind}.");
        }

        var proof = ControlFrames.DecodeProof(frame.Payload.Span);
        if (_proof is not null && !_proof.Verify(ProofDirection.Dialer, context, proof))
        {
            return await RefuseAsync(HandshakeStatus.BadProof, $"node {hello.From} did not prove the cluster secret (wrong secret, or a replayed or reflected handshake)").ConfigureAwait(false);
        }

        lock (_gate)
        {
            if (_inboundByPeer.TryGetValue(hello.From, out var older))
            {
                if (older.Instance != hello.Instance)
                {
                    // Another process claims this id while the first one's authenticated connection is
                    // live: the first keeps working (as etcd's real member does); the newcomer is refused.
                    status = HandshakeStatus.DuplicateNodeId;
                    reason = $"duplicate node id {hello.From}: a live authenticated connection from node {hello.From} at {older.Remote} (instance {older.Instance:x16}) already exists, and this one comes from another process (instance {hello.Instance:x16}); keeping the existing one. Are two processes configured with node id {hello.From}?";
                }
                else
                {
                    // The same dialer reconnected: its older connection is dead (possibly half-open).
                    CancelQuietly(older.Connection);
                }
            }

            if (status == HandshakeStatus.Accepted)
            {
                // Registered before the reply is sent, so registrations follow the order in which the
                // dialer saw its connections accepted.
                _inboundByPeer[hello.From] = new InboundRegistration(connection, hello.Instance, remote);
            }
        }

        if (status == HandshakeStatus.Accepted)
        {
            // The peer is up: our own connection to it need not wait out its backoff.
            FindPeer(hello.From)?.RetryNow();
        }

        if (status != HandshakeStatus.Accepted)
        {
            return await RefuseAsync(status, reason).ConfigureAwait(false);
        }

        n = ControlFrames.EncodeHelloReply(HandshakeStatus.Accepted, LocalId, buffer);
        await stream.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
        return hello.From;

        async Task<ulong> RefuseAsync(HandshakeStatus refusal, string why)
        {
            if (MayLogRefusal(HandshakeRefusalKinds[(int)refusal]))
            {
                Log.HandshakeRefusedInbound(_logger, LocalId, remote, $"{refusal}: {why}");
            }

            var length = ControlFrames.EncodeHelloReply(refusal, LocalId, buffer);
            await stream.WriteAsync(buffer.AsMemory(0, length), ct).ConfigureAwait(false);
            return 0;
        }
    }

    private (HandshakeStatus Status, string Reason) CheckHello(in Hello hello, SslStream? tls)
    {
        if (hello.Magic != ControlFrames.Magic)
        {
            return (HandshakeStatus.BadMagic, $"bad magic 0x{hello.Magic:x8}");
        }

        if (hello.ProtocolVersion != ControlFrames.ProtocolVersion)
        {
            return (HandshakeStatus.ProtocolVersionMismatch, $"protocol version {hello.ProtocolVersion}, this node speaks {ControlFrames.ProtocolVersion} (upgrade every node; versions before 2 do not authenticate peers)");
        }

        if (!string.Equals(hello.ClusterId, _options.ClusterId, StringComparison.Ordinal))
        {
            return (HandshakeStatus.ClusterIdMismatch, $"cluster id '{hello.ClusterId}' from node {hello.From}, this node is in cluster '{_options.ClusterId}'");
        }

        if (hello.To != LocalId || hello.From == 0 || hello.From == LocalId)
        {
            return (HandshakeStatus.WrongNodeId, $"node {hello.From} dialled node {hello.To}, but this is node {LocalId}");
        }

        if (!Volatile.Read(ref _peers).ContainsKey(hello.From))
        {
            return (HandshakeStatus.UnknownPeer, $"node {hello.From} is not a peer of node {LocalId}");
        }

        if (hello.HasSecret != (_proof is not null))
        {
            return (HandshakeStatus.AuthenticationMismatch, _proof is not null
                ? $"node {hello.From} has no cluster secret configured, this node requires one"
                : $"node {hello.From} proves a cluster secret, this node has none configured");
        }

        if (tls is not null && CheckCertificateIdentity(tls, hello.From) is { } wrongIdentity)
        {
            return (HandshakeStatus.CertificateIdentityMismatch, $"node {hello.From} claims an id its certificate does not name: {wrongIdentity}");
        }

        return (HandshakeStatus.Accepted, string.Empty);
    }
}
