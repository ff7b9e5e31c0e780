using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using HaCore.Raft;
using HaCore.Transport;

namespace HaCore.Fuzz.Targets;

/// <summary>
/// The transport handshake (protocol version 2) as one side receives it, over in-memory streams, through
/// <c>TcpRaftTransport</c>'s own handshake code with a cluster secret: the frame reader (1 KiB handshake
/// limit), hello, challenge, proof and result decoding, the hello checks, the proofs, the duplicate-id
/// registration. The input is a mode byte and the bytes that side receives:
/// <list type="bullet">
/// <item>bit 2 clear: the acceptor (node 2, peers 1 and 3) receives a hello and a proof;
/// bit 2 set: the dialer (node 1, dialling node 2) receives a challenge and a result;</item>
/// <item>bit 1: the proof in the input is replaced by the valid one for the handshake's nonces (the
/// transport's nonces are fixed for the target), so the fuzzer reaches what follows a valid proof;</item>
/// <item>bit 0: frame checksums are recomputed (after bit 1).</item>
/// </list>
/// A side may only accept when the input carried the valid proof of the other side, and it must answer
/// every hello it does not accept with a refusal; a refusal is a normal outcome on both sides.
/// Documented errors: <see cref="RaftFrameException"/> and <see cref="EndOfStreamException"/>.
/// </summary>
public sealed class HandshakeTarget : FuzzTarget
{
    /// <summary>Mode bit: replace the proof in the input by the valid one.</summary>
    public const byte FixProofFlag = 2;

    /// <summary>Mode bit: fuzz the dialer's side instead of the acceptor's.</summary>
    public const byte DialerFlag = 4;

    private const string Cluster = "fuzz-cluster";
    private static readonly byte[] Secret = [.. Enumerable.Range(40, 32).Select(i => (byte)i)];
    private static readonly byte[] AcceptorNonce = [.. Enumerable.Repeat((byte)0xA5, ControlFrames.NonceBytes)];
    private static readonly byte[] DialerNonce = [.. Enumerable.Repeat((byte)0x5A, ControlFrames.NonceBytes)];
    private static readonly EndPoint Nowhere = new IPEndPoint(IPAddress.Loopback, 1);

    /// <summary>The outcome of the last input: the peer the acceptor accepted (0 when refused), or on the
    /// dialer's side 1 when it accepted its peer and 0 when refused (tests: the seeds reach acceptance).</summary>
    public ulong LastAccepted { get; private set; }

    /// <inheritdoc />
    public override string Name => "transport-handshake";

    /// <inheritdoc />
    public override string Description => "handshake bytes received by the acceptor (hello, proof) or the dialer (challenge, result): decoding, checks, proofs, registration";

    /// <inheritdoc />
    public override IEnumerable<(string Name, byte[] Data)> GenerateSeeds()
    {
        // Acceptor: what a real dialer (node 1, instance 7) sends, with the valid proof for the fixed acceptor nonce.
        var hello = Hello(TransportSeeds.Sender, TransportSeeds.Receiver, Cluster, instance: 7);
        var proof = ProofFrame(ClusterSecretProof.Compute(Secret, ProofDirection.Dialer, AcceptorContext(Decode(hello))));
        yield return ("acceptor-accepted", [Checksums.FixFlag | FixProofFlag, .. hello, .. proof]);
        yield return ("acceptor-accepted-raw", [0, .. hello, .. proof]);
        yield return ("acceptor-wrong-proof", [Checksums.FixFlag, .. hello, .. ProofFrame(new byte[ControlFrames.ProofBytes])]);
        yield return ("acceptor-unknown-peer", [Checksums.FixFlag | FixProofFlag, .. Hello(9, TransportSeeds.Receiver, Cluster, instance: 7), .. proof]);
        yield return ("acceptor-other-cluster", [Checksums.FixFlag, .. Hello(TransportSeeds.Sender, TransportSeeds.Receiver, "another", instance: 7)]);
        var v1 = new byte[256];
        var n = ControlFrames.EncodeHello(new Hello(ControlFrames.Magic, 1, Cluster, TransportSeeds.Sender, TransportSeeds.Receiver), v1);
        yield return ("acceptor-version-1", [Checksums.FixFlag, .. v1.AsSpan(0, n)]);

        // Dialer: what a real acceptor (node 2) answers, with the valid acceptor proof (fixed up by the target).
        var challenge = new byte[256];
        n = ControlFrames.EncodeChallenge(TransportSeeds.Receiver, AcceptorNonce, new byte[ControlFrames.ProofBytes], challenge);
        var accepted = new byte[64];
        var m = ControlFrames.EncodeHelloReply(HandshakeStatus.Accepted, TransportSeeds.Receiver, accepted);
        yield return ("dialer-accepted", [Checksums.FixFlag | FixProofFlag | DialerFlag, .. challenge.AsSpan(0, n), .. accepted.AsSpan(0, m)]);
        var refused = new byte[64];
        m = ControlFrames.EncodeHelloReply(HandshakeStatus.BadProof, TransportSeeds.Receiver, refused);
        yield return ("dialer-refused-after-challenge", [Checksums.FixFlag | FixProofFlag | DialerFlag, .. challenge.AsSpan(0, n), .. refused.AsSpan(0, m)]);
        yield return ("dialer-refused", [Checksums.FixFlag | DialerFlag, .. refused.AsSpan(0, m)]);
    }

    /// <inheritdoc />
    protected override void Execute(ReadOnlySpan<byte> input)
    {
        LastAccepted = 0;
        var mode = input.IsEmpty ? (byte)0 : input[0];
        var data = input.IsEmpty ? [] : input[1..].ToArray();
        if ((mode & DialerFlag) != 0)
        {
            RunDialer(mode, data);
        }
        else
        {
            RunAcceptor(mode, data);
        }
    }

    /// <inheritdoc />
    protected override bool IsDocumentedError(Exception error) => error is RaftFrameException or EndOfStreamException;

    private void RunAcceptor(byte mode, byte[] data)
    {
        var frames = SplitFrames(data);
        Hello? hello = null;
        if (frames.Count > 0 && TryDecodeHello(frames[0], out var decoded))
        {
            hello = decoded;
            if ((mode & FixProofFlag) != 0 && frames.Count > 1 && FrameLength(frames[1]) == ProofFrameBytes)
            {
                ClusterSecretProof.Compute(Secret, ProofDirection.Dialer, AcceptorContext(decoded)).CopyTo(frames[1].AsSpan(RaftMessageCodec.HeaderBytes + 4));
            }
        }

        if ((mode & Checksums.FixFlag) != 0)
        {
            Checksums.FixFrames(data);
        }

        var transport = TcpRaftTransport.ForHandshakeFuzzing(Options(TransportSeeds.Receiver, TransportSeeds.Sender, 3), () => [.. AcceptorNonce]);
        var stream = new InputStream(data, keepAtMost: 4 * ControlFrames.MaxHandshakeFrameBytes);
        using var reader = new FrameReader(stream, ControlFrames.MaxHandshakeFrameBytes);
        using var connection = new CancellationTokenSource();
        var peer = transport.AcceptHandshakeAsync(stream, reader, Nowhere, connection, CancellationToken.None).GetAwaiter().GetResult();
        var written = SplitFrames(stream.Written);
        Check(written.Count > 0, "the acceptor returned without answering");
        var last = RaftMessageCodec.ValidateFrame(written[^1], ControlFrames.MaxHandshakeFrameBytes, out var kind);
        Check(kind == FrameKind.HelloReply, $"the acceptor's last answer is a frame of kind {kind}");
        var (status, responder) = ControlFrames.DecodeHelloReply(last);
        Check(responder == TransportSeeds.Receiver, $"the acceptor answered as node {responder}");
        if (peer == 0)
        {
            Check(status != HandshakeStatus.Accepted, "the acceptor refused but answered Accepted");
            Check(!transport.HasInboundFrom(TransportSeeds.Sender) && !transport.HasInboundFrom(3), "a refused handshake left a registration");
            return;
        }

        // Accepted: only a known peer that proved the secret for this connection's nonces.
        Check(status == HandshakeStatus.Accepted && written.Count == 2, $"accepted node {peer}, answering {status} in {written.Count} frames");
        Check(hello is { } h && h.From == peer && peer is TransportSeeds.Sender or 3, $"accepted node {peer}, not the known peer its hello named");
        var expected = ClusterSecretProof.Compute(Secret, ProofDirection.Dialer, AcceptorContext(hello!.Value));
        var given = frames.Count > 1 ? frames[1].AsSpan(RaftMessageCodec.HeaderBytes + 4) : default;
        Check(given.Length >= ControlFrames.ProofBytes && CryptographicOperations.FixedTimeEquals(given[..ControlFrames.ProofBytes], expected), "accepted without the valid proof");
        Check(transport.HasInboundFrom(peer), "an accepted peer is not registered");
        LastAccepted = peer;
    }

    private void RunDialer(byte mode, byte[] data)
    {
        var transport = TcpRaftTransport.ForHandshakeFuzzing(Options(TransportSeeds.Sender, TransportSeeds.Receiver), () => [.. DialerNonce]);
        var frames = SplitFrames(data);
        HelloChallenge? challenge = null;
        if (frames.Count > 0 && FrameLength(frames[0]) == ChallengeFrameBytes)
        {
            var payload = frames[0].AsSpan(RaftMessageCodec.HeaderBytes, ChallengeFrameBytes - RaftMessageCodec.FrameOverheadBytes);
            if (payload[0] == (byte)HandshakeStatus.Accepted)
            {
                challenge = ControlFrames.DecodeChallenge(payload);
                if ((mode & FixProofFlag) != 0)
                {
                    ClusterSecretProof.Compute(Secret, ProofDirection.Acceptor, DialerContext(challenge.Value, transport.Instance)).CopyTo(payload[(1 + 8 + ControlFrames.NonceBytes)..]);
                    challenge = ControlFrames.DecodeChallenge(payload);
                }
            }
        }

        if ((mode & Checksums.FixFlag) != 0)
        {
            Checksums.FixFrames(data);
        }

        var stream = new InputStream(data, keepAtMost: 4 * ControlFrames.MaxHandshakeFrameBytes);
        var peer = transport.FindPeer(TransportSeeds.Receiver)!;
        try
        {
            transport.DialHandshakeAsync(stream, peer, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (HandshakeRefusedException)
        {
            return; // refused by the acceptor, closed early, or the acceptor's proof was wrong: a normal outcome
        }
        finally
        {
            // Whatever happened, the dialer said only its hello, and after a challenge its proof.
            var written = SplitFrames(stream.Written);
            Check(written.Count is 1 or 2, $"the dialer wrote {written.Count} frames");
            RaftMessageCodec.ValidateFrame(written[0], ControlFrames.MaxHandshakeFrameBytes, out var kind);
            Check(kind == FrameKind.Hello, "the dialer's first frame is not a hello");
        }

        // Accepted: only after the acceptor's valid proof for this connection's nonces.
        Check(challenge is not null, "the dialer accepted without a challenge");
        var expected = ClusterSecretProof.Compute(Secret, ProofDirection.Acceptor, DialerContext(challenge!.Value, transport.Instance));
        Check(CryptographicOperations.FixedTimeEquals(challenge.Value.Proof.Span, expected), "the dialer accepted an acceptor that did not prove the secret");
        LastAccepted = 1;
    }

    private static int ProofFrameBytes => RaftMessageCodec.FrameOverheadBytes + 4 + ControlFrames.ProofBytes;

    private static int ChallengeFrameBytes => RaftMessageCodec.FrameOverheadBytes + 1 + 8 + ControlFrames.NonceBytes + ControlFrames.ProofBytes;

    private static TcpTransportOptions Options(ulong self, params ulong[] peers) => new()
    {
        NodeId = self,
        ClusterId = Cluster,
        ClusterSecret = Secret,
        Peers = [.. peers.Select(p => new PeerAddress(p, Nowhere))],
    };

    private static ProofContext AcceptorContext(in Hello hello) =>
        new(hello.Nonce, AcceptorNonce, hello.Instance, Cluster, hello.From, TransportSeeds.Receiver);

    private static ProofContext DialerContext(in HelloChallenge challenge, ulong instance) =>
        new(DialerNonce, challenge.Nonce, instance, Cluster, TransportSeeds.Sender, TransportSeeds.Receiver);

    private static byte[] Hello(ulong from, ulong to, string cluster, ulong instance)
    {
        var frame = new byte[512];
        var n = ControlFrames.EncodeHello(new Hello(ControlFrames.Magic, ControlFrames.ProtocolVersion, cluster, from, to) { HasSecret = true, Nonce = DialerNonce, Instance = instance }, frame);
        return frame[..n];
    }

    private static Hello Decode(byte[] frame) => ControlFrames.DecodeHello(RaftMessageCodec.ValidateFrame(frame, ControlFrames.MaxHandshakeFrameBytes, out _));

    private static byte[] ProofFrame(byte[] proof)
    {
        var frame = new byte[128];
        var n = ControlFrames.EncodeProof(proof, frame);
        return frame[..n];
    }

    private static bool TryDecodeHello(ArraySegment<byte> frame, out Hello hello)
    {
        hello = default;
        if (frame.Count < RaftMessageCodec.FrameOverheadBytes + 6)
        {
            return false;
        }

        try
        {
            hello = ControlFrames.DecodeHello(frame.AsSpan(RaftMessageCodec.HeaderBytes, frame.Count - RaftMessageCodec.FrameOverheadBytes));
            return hello.Nonce.Length == ControlFrames.NonceBytes;
        }
        catch (RaftFrameException)
        {
            return false;
        }
    }

    private static int FrameLength(ArraySegment<byte> frame) => frame.Count;

    /// <summary>The whole frames at the start of <paramref name="stream"/>, as far as their lengths are plausible (views into it).</summary>
    private static List<ArraySegment<byte>> SplitFrames(byte[] stream)
    {
        var frames = new List<ArraySegment<byte>>();
        var p = 0;
        while (stream.Length - p >= 4)
        {
            var length = BinaryPrimitives.ReadUInt32LittleEndian(stream.AsSpan(p));
            if (length < RaftMessageCodec.FrameOverheadBytes - 4 || length > (uint)(stream.Length - p - 4) || length > ControlFrames.MaxHandshakeFrameBytes)
            {
                break;
            }

            frames.Add(new ArraySegment<byte>(stream, p, (int)length + 4));
            p += (int)length + 4;
        }

        return frames;
    }
}
