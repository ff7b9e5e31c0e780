using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using HaCore.Raft;
using HaCore.Transport;

namespace HaCore.Fuzz.Targets;

/// <summary>
/// What an acceptor reads after a complete mutual-TLS handshake: the input is the plaintext a TLS client sends once
/// its handshake with node 2 has finished (the HaCore hello and proof, then frames), encrypted by a real
/// <see cref="SslStream"/> client and served by the transport's own inbound handler, the one accepted sockets get
/// (<c>ServeInboundForFuzzingAsync</c>: TLS, the hello checks with the node id bound to the certificate, frames to the
/// node). Mode byte: bit 0 recomputes frame checksums; bit 1 makes the client present node 3's certificate instead of
/// node 1's.
/// Contract: the connection ends without an exception the handler does not expect; the node receives messages only
/// when the hello named the node its certificate names, and each message comes from that node and is addressed to
/// node 2. Each execution costs a TLS handshake, so this target runs a few hundred inputs a second.
/// </summary>
public sealed class TlsSessionTarget : FuzzTarget
{
    /// <summary>Mode bit: the client presents node 3's certificate.</summary>
    public const byte Node3CertificateFlag = 2;

    private static readonly EndPoint Nowhere = new IPEndPoint(IPAddress.Loopback, 1);
    private static readonly Lazy<System.Security.Cryptography.X509Certificates.X509Certificate2> ServerCertificate =
        new(() => FuzzCertificates.WithNodeKey(FuzzCertificates.NodeCertificate(2, "node-2", [$"hacore://{FuzzCertificates.Cluster}/2"])));

    private static readonly Lazy<System.Security.Cryptography.X509Certificates.X509Certificate2>[] ClientCertificates =
    [
        new(() => FuzzCertificates.WithNodeKey(FuzzCertificates.NodeCertificate(1, "node-1", [$"hacore://{FuzzCertificates.Cluster}/1"]))),
        new(() => FuzzCertificates.WithNodeKey(FuzzCertificates.NodeCertificate(3, "node-3", [$"hacore://{FuzzCertificates.Cluster}/3"]))),
    ];

    /// <summary>Messages the node received for the last input (tests: a seed's frames reach the node).</summary>
    public int LastDelivered { get; private set; }

    /// <inheritdoc />
    public override string Name => "tls-session";

    /// <inheritdoc />
    public override string Description => "the plaintext after a complete mutual-TLS handshake (hello, proof, frames): TcpRaftTransport's inbound handler with certificate-bound node ids";

    /// <inheritdoc />
    public override IEnumerable<(string Name, byte[] Data)> GenerateSeeds()
    {
        var frames = TransportSeeds.Messages().Select(m => TransportSeeds.Frame(m.Message)).ToList();
        var snapshot = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        var ack = TransportSeeds.AckFrame(new SnapshotAck(20, 3, 128, SnapshotAckStatus.Progress));
        yield return ("node-1-messages", [Checksums.FixFlag, .. Hello(1), .. Proof(), .. TransportSeeds.Concat(frames)]);
        yield return ("node-1-snapshot-chunks", [Checksums.FixFlag, .. Hello(1), .. Proof(), .. TransportSeeds.Concat(TransportSeeds.ChunkFrames(snapshot, 128))]);
        yield return ("node-1-unexpected-ack", [Checksums.FixFlag, .. Hello(1), .. Proof(), .. ack]);
        yield return ("node-1-raw", [0, .. Hello(1), .. Proof(), .. TransportSeeds.Concat(frames.Take(2))]);
        yield return ("node-3-certificate-claims-node-1", [Checksums.FixFlag | Node3CertificateFlag, .. Hello(1), .. Proof(), .. TransportSeeds.Concat(frames)]);
        yield return ("node-1-claims-node-3", [Checksums.FixFlag, .. Hello(3), .. Proof()]);
    }

    /// <inheritdoc />
    protected override void Execute(ReadOnlySpan<byte> input)
    {
        LastDelivered = 0;
        var mode = input.IsEmpty ? (byte)0 : input[0];
        var data = input.IsEmpty ? [] : input[1..].ToArray();
        if ((mode & Checksums.FixFlag) != 0)
        {
            Checksums.FixFrames(data);
        }

        var certified = (mode & Node3CertificateFlag) != 0 ? 3UL : 1UL;
        var sink = new Sink();
        var transport = TcpRaftTransport.ForHandshakeFuzzing(
            new TcpTransportOptions
            {
                NodeId = TransportSeeds.Receiver,
                ClusterId = FuzzCertificates.Cluster,
                Peers = [new PeerAddress(1, Nowhere), new PeerAddress(3, Nowhere)],
                Certificate = ServerCertificate.Value,
                TrustedCaCertificates = [FuzzCertificates.Ca],
                MaxFrameBytes = TransportFramesTarget.MaxFrameBytes,
                SnapshotChunkBytes = TransportFramesTarget.MaxFrameBytes / 2,
            },
            () => new byte[ControlFrames.NonceBytes]);
        try
        {
            var (server, client) = Duplex.Create();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(4));
            var served = transport.ServeInboundForFuzzingAsync(server, sink, deadline.Token);
            using (var tls = new SslStream(client, leaveInnerStreamOpen: false, (_, _, _, _) => true))
            {
                tls.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = "node-2",
                        ClientCertificates = [ClientCertificates[certified == 1 ? 0 : 1].Value],
                        CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
                        EnabledSslProtocols = SslProtocols.None,
                    },
                    deadline.Token).GetAwaiter().GetResult();
                var drain = tls.CopyToAsync(Stream.Null, deadline.Token); // the server's challenge, reply and acks
                try
                {
                    tls.WriteAsync(data, deadline.Token).AsTask().GetAwaiter().GetResult();
                    tls.ShutdownAsync().GetAwaiter().GetResult();
                }
                catch (IOException)
                {
                    // The server closed the connection before reading everything (a refused hello, a bad frame).
                }

                client.CompleteWrites();
                served.GetAwaiter().GetResult();
                try
                {
                    drain.GetAwaiter().GetResult();
                }
                catch (IOException)
                {
                }
            }

            Check(!deadline.IsCancellationRequested, "the connection was still being served 4 s after its input ended");
            Check(transport.UnexpectedInboundFailures == 0, "the inbound handler ended on an exception it does not expect");
            foreach (var message in sink.Delivered)
            {
                Check(message.From == certified && message.To == TransportSeeds.Receiver, $"delivered {message.From}->{message.To} on a connection whose certificate names node {certified}");
            }

            LastDelivered = sink.Delivered.Count;
        }
        finally
        {
            transport.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <inheritdoc />
    protected override bool IsDocumentedError(Exception error) => false;

    private static byte[] Hello(ulong from)
    {
        var frame = new byte[512];
        var n = ControlFrames.EncodeHello(new Hello(ControlFrames.Magic, ControlFrames.ProtocolVersion, FuzzCertificates.Cluster, from, TransportSeeds.Receiver) { Nonce = new byte[ControlFrames.NonceBytes], Instance = 7 }, frame);
        return frame[..n];
    }

    private static byte[] Proof()
    {
        var frame = new byte[128];
        var n = ControlFrames.EncodeProof(new byte[ControlFrames.ProofBytes], frame);
        return frame[..n];
    }

    /// <summary>The node: records what the transport delivers (its queue is never full).</summary>
    private sealed class Sink : IRaftMessageSink
    {
        private readonly Lock _gate = new();

        public List<Message> Delivered { get; } = [];

        public bool OnMessage(in Message message)
        {
            lock (_gate)
            {
                Delivered.Add(message);
            }

            return true;
        }

        public void OnSnapshotStatus(ulong peer, bool delivered)
        {
        }

        public void OnUnreachable(ulong peer)
        {
        }
    }

    /// <summary>Two ends of an in-memory connection: what one end writes, the other reads.</summary>
    private sealed class Duplex(PipeReader reader, PipeWriter writer) : Stream
    {
        private readonly Stream _in = reader.AsStream();
        private readonly Stream _out = writer.AsStream();

        public static (Duplex Server, Duplex Client) Create()
        {
            var toServer = new Pipe();
            var toClient = new Pipe();
            return (new Duplex(toServer.Reader, toClient.Writer), new Duplex(toClient.Reader, toServer.Writer));
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        /// <summary>Ends this side's writes: the other side reads the end of the stream.</summary>
        public void CompleteWrites() => writer.Complete();

        public override int Read(byte[] buffer, int offset, int count) => _in.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _in.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _in.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => _out.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _out.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _out.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Flush() => _out.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => _out.FlushAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                reader.Complete();
                writer.Complete();
            }

            base.Dispose(disposing);
        }
    }
}
