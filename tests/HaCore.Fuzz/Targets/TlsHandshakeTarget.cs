using System.Buffers.Binary;
using System.Net;
using HaCore.Transport;

namespace HaCore.Fuzz.Targets;

/// <summary>
/// The server side of TLS on an accepted Raft connection, through the transport's own
/// <c>AuthenticateInboundTlsAsync</c> (SslStream over the platform's TLS, here OpenSSL) with node 2's
/// CA-issued certificate: the input is the first flight of bytes a dialer sends (TLS records holding a
/// ClientHello, or anything else), read from an in-memory stream that then ends. Whatever the bytes,
/// the connection must be refused (a one-flight input cannot finish a handshake) and counted, within the
/// deadline, and the server's answer stays small; an exception escaping the transport is a finding (the
/// first run found SslStream's hello parser throwing <c>ArgumentOutOfRangeException</c>, which escaped
/// the transport's catch of <c>AuthenticationException</c> and <c>IOException</c>).
/// Coverage: afl sees the .NET side only (SslStream's record framing and the transport's handling);
/// OpenSSL's parser is not instrumented.
/// </summary>
public sealed class TlsHandshakeTarget : FuzzTarget
{
    private static readonly EndPoint Nowhere = new IPEndPoint(IPAddress.Loopback, 1);
    private static readonly Lazy<TcpRaftTransport> Transport = new(() => TcpRaftTransport.ForHandshakeFuzzing(
        new TcpTransportOptions
        {
            NodeId = 2,
            ClusterId = FuzzCertificates.Cluster,
            Peers = [new PeerAddress(1, Nowhere), new PeerAddress(3, Nowhere)],
            Certificate = FuzzCertificates.WithNodeKey(FuzzCertificates.NodeCertificate(2, "node-2", [$"hacore://{FuzzCertificates.Cluster}/2"])),
            TrustedCaCertificates = [FuzzCertificates.Ca],
        },
        () => new byte[ControlFrames.NonceBytes]));

    /// <summary>Bytes the server wrote for the last input (tests: a seed's ClientHello gets the server's flight).</summary>
    public long LastWritten { get; private set; }

    /// <inheritdoc />
    public override string Name => "tls-handshake";

    /// <inheritdoc />
    public override string Description => "the first TLS flight an acceptor receives (ClientHello records or anything else): TcpRaftTransport.AuthenticateInboundTlsAsync over SslStream";

    /// <inheritdoc />
    public override IEnumerable<(string Name, byte[] Data)> GenerateSeeds()
    {
        var tls13 = ClientHello(tls13: true);
        var tls12 = ClientHello(tls13: false);
        yield return ("client-hello-tls13", Record(22, tls13));
        yield return ("client-hello-tls12", Record(22, tls12));
        yield return ("client-hello-in-two-records", [.. Record(22, tls13[..40]), .. Record(22, tls13[40..])]);
        yield return ("client-hello-then-alert", [.. Record(22, tls13), .. Record(21, [2, 40])]);
        var hello = new byte[256];
        var n = ControlFrames.EncodeHello(new Hello(ControlFrames.Magic, ControlFrames.ProtocolVersion, FuzzCertificates.Cluster, 1, 2) { Nonce = new byte[ControlFrames.NonceBytes], Instance = 7 }, hello);
        yield return ("plaintext-hacore-hello", hello[..n]);
    }

    /// <inheritdoc />
    protected override void Execute(ReadOnlySpan<byte> input)
    {
        LastWritten = 0;
        var stream = new InputStream(input.ToArray());
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var ssl = Transport.Value.AuthenticateInboundTlsAsync(stream, Nowhere, deadline.Token).GetAwaiter().GetResult();
        LastWritten = stream.WrittenBytes;
        Check(ssl is null, "a one-flight input finished a TLS handshake");
        Check(stream.WrittenBytes <= 64 << 10, $"the TLS server wrote {stream.WrittenBytes} bytes for one flight");
    }

    /// <inheritdoc />
    protected override bool IsDocumentedError(Exception error) => false;

    /// <summary>A TLS record of <paramref name="type"/> (22 handshake, 21 alert) around <paramref name="body"/>.</summary>
    private static byte[] Record(byte type, byte[] body)
    {
        var record = new byte[5 + body.Length];
        record[0] = type;
        record[1] = 3;
        record[2] = 1;
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(3), (ushort)body.Length);
        body.CopyTo(record, 5);
        return record;
    }

    /// <summary>A ClientHello handshake message with fixed random, session id and key share, offering
    /// TLS 1.3 and 1.2 (<paramref name="tls13"/>) or 1.2 only, the suites and groups .NET servers take.</summary>
    private static byte[] ClientHello(bool tls13)
    {
        var body = new List<byte> { 3, 3 };
        body.AddRange(Enumerable.Range(0, 32).Select(i => (byte)(i * 13 + 1)));
        body.Add(32);
        body.AddRange(Enumerable.Range(0, 32).Select(i => (byte)(0xC0 ^ i)));
        ushort[] suites = tls13 ? [0x1301, 0x1302, 0x1303, 0xC02F, 0xC030, 0xC02B, 0xC02C] : [0xC02F, 0xC030, 0xC02B, 0xC02C, 0x009E];
        AddU16(body, (ushort)(suites.Length * 2));
        foreach (var suite in suites)
        {
            AddU16(body, suite);
        }

        body.AddRange([1, 0]); // compression: null only

        var extensions = new List<byte>();
        Extension(extensions, 0x000A, [0, 6, 0, 0x1D, 0, 0x17, 0, 0x18]); // supported groups: x25519, P-256, P-384
        Extension(extensions, 0x000B, [1, 0]); // EC point formats: uncompressed
        Extension(extensions, 0x000D, [0, 10, 8, 4, 4, 1, 4, 3, 8, 5, 5, 1]); // signature algorithms
        Extension(extensions, 0x0017, []); // extended master secret
        Extension(extensions, 0xFF01, [0]); // renegotiation info
        if (tls13)
        {
            Extension(extensions, 0x002B, [4, 3, 4, 3, 3]); // supported versions: 1.3, 1.2
            var share = new List<byte> { 0, 36, 0, 0x1D, 0, 32 };
            share.AddRange(Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + 9)));
            Extension(extensions, 0x0033, [.. share]); // key share: x25519
        }

        AddU16(body, (ushort)extensions.Count);
        body.AddRange(extensions);

        var message = new byte[4 + body.Count];
        message[0] = 1; // client_hello
        message[1] = (byte)(body.Count >> 16);
        message[2] = (byte)(body.Count >> 8);
        message[3] = (byte)body.Count;
        body.CopyTo(message, 4);
        return message;
    }

    private static void Extension(List<byte> extensions, ushort type, byte[] data)
    {
        AddU16(extensions, type);
        AddU16(extensions, (ushort)data.Length);
        extensions.AddRange(data);
    }

    private static void AddU16(List<byte> bytes, ushort value)
    {
        bytes.Add((byte)(value >> 8));
        bytes.Add((byte)value);
    }
}
