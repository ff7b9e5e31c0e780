using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HaCore.Tests;

/// <summary>Mutual TLS from the configuration's <c>Tls</c> section: PEM files, a trusted CA, pinning, and a certificate
/// renewed on disk and presented without a restart.</summary>
public sealed class TlsConfigurationTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"hacore-tls-{Guid.NewGuid():N}");

    public TlsConfigurationTests() => Directory.CreateDirectory(_root);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static X509Certificate2 Ca(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    // A node certificate naming hacore://<cluster>/<node> in its SAN, signed by the CA.
    private static X509Certificate2 Issue(X509Certificate2 ca, ulong node, int serial)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=node{node}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(Transport.TcpTransportOptions.CertificateUriFor("7", node)));
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), BitConverter.GetBytes(serial));
        return issued.CopyWithPrivateKey(key);
    }

    private (string Certificate, string Key) WritePem(X509Certificate2 certificate, string name)
    {
        var cert = Path.Combine(_root, name + ".crt");
        var key = Path.Combine(_root, name + ".key");
        File.WriteAllText(cert, certificate.ExportCertificatePem());
        File.WriteAllText(key, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (cert, key);
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private Dictionary<string, string?> Settings(ulong id, int[] ports, string caFile)
    {
        var (cert, key) = ($"{_root}/node{id}.crt", $"{_root}/node{id}.key");
        var settings = new Dictionary<string, string?>
        {
            ["HaCore:NodeId"] = id.ToString(CultureInfo.InvariantCulture),
            ["HaCore:ClusterId"] = "7",
            ["HaCore:DataDirectory"] = Path.Combine(_root, $"data-{id}"),
            ["HaCore:ListenEndPoint"] = $"127.0.0.1:{ports[id - 1]}",
            ["HaCore:TickInterval"] = "00:00:00.020",
            ["HaCore:ElectionTicks"] = "10",
            ["HaCore:Storage:SegmentSizeBytes"] = (1 << 20).ToString(CultureInfo.InvariantCulture),
            ["HaCore:Storage:MaxRecordBytes"] = (64 << 10).ToString(CultureInfo.InvariantCulture),
            ["HaCore:Storage:ZeroFillSegments"] = "false",
            ["HaCore:Transport:HandshakeTimeout"] = "00:00:03",
            ["HaCore:Tls:CertificateFile"] = cert,
            ["HaCore:Tls:KeyFile"] = key,
            ["HaCore:Tls:TrustedCaFiles:0"] = caFile,
        };
        for (var i = 1; i <= ports.Length; i++)
        {
            settings[$"HaCore:Members:{i}"] = $"127.0.0.1:{ports[i - 1]}";
        }

        return settings;
    }

    private static HaCoreNodeOptions Bound(Dictionary<string, string?> settings)
    {
        var options = new HaCoreNodeOptions();
        HaCoreConfiguration.Bind(options, new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection("HaCore"));
        return options;
    }

    private static ServiceProvider Node(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHaCore<KvStateMachine, string, string>(configuration.GetSection("HaCore"), _ => new KvStateMachine(), StringCodec.Instance, StringCodec.Instance);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Three_nodes_configured_with_tls_files_form_a_cluster_and_a_renewed_certificate_is_used_without_a_restart()
    {
        using var ca = Ca("hacore-test-ca");
        var caFile = Path.Combine(_root, "ca.crt");
        File.WriteAllText(caFile, ca.ExportCertificatePem());
        for (ulong id = 1; id <= 3; id++)
        {
            using var cert = Issue(ca, id, (int)id);
            WritePem(cert, $"node{id}");
        }

        int[] ports = [FreePort(), FreePort(), FreePort()];
        var providers = new[] { Node(Settings(1, ports, caFile)), Node(Settings(2, ports, caFile)), Node(Settings(3, ports, caFile)) };
        var hosts = providers.Select(p => p.GetRequiredService<HaCoreNode<KvStateMachine, string, string>>()).ToArray();
        try
        {
            var node1 = Bound(Settings(1, ports, caFile)).Transport;
            Assert.True(node1.UseTls);
            Assert.Null(node1.ClusterSecret);
            var before = node1.CertificateProvider!();
            Assert.True(before.HasPrivateKey);

            foreach (var host in hosts)
            {
                await host.StartAsync(Ct);
            }

            var leader = await hosts[0].Node.WaitForLeaderAsync(Wait, Ct);
            await hosts[(int)leader - 1].Node.ProposeAsync("set k v1", Ct);

            // Node 1's certificate is renewed on disk; the next handshake presents the new one.
            using (var renewed = Issue(ca, 1, 101))
            {
                WritePem(renewed, "node1");
                File.SetLastWriteTimeUtc($"{_root}/node1.crt", DateTime.UtcNow.AddSeconds(5));
                var after = node1.CertificateProvider!();
                Assert.Equal(renewed.Thumbprint, after.Thumbprint);
                Assert.NotEqual(before.Thumbprint, after.Thumbprint);
            }

            // Restart nodes 2 and 3 so that every connection to and from node 1 is made again, with its new certificate.
            foreach (var i in new[] { 1, 2 })
            {
                await hosts[i].StopAsync(CancellationToken.None);
                await providers[i].DisposeAsync();
                providers[i] = Node(Settings((ulong)i + 1, ports, caFile));
                hosts[i] = providers[i].GetRequiredService<HaCoreNode<KvStateMachine, string, string>>();
                await hosts[i].StartAsync(Ct);
            }

            leader = await hosts[1].Node.WaitForLeaderAsync(Wait, Ct);
            await hosts[(int)leader - 1].Node.ProposeAsync("set k v2", Ct);
            var read = await hosts[1].Node.ReadAsync(s => s.Get("k"), cancellationToken: Ct);
            Assert.Equal("v2", read.Value);
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.StopAsync(CancellationToken.None);
            }

            foreach (var provider in providers)
            {
                await provider.DisposeAsync();
            }
        }
    }

    [Fact]
    public void Tls_and_transport_settings_bind_and_bad_ones_name_their_path()
    {
        using var ca = Ca("ca");
        using var cert = Issue(ca, 1, 1);
        var (certFile, keyFile) = WritePem(cert, "node1");
        var caFile = Path.Combine(_root, "ca.crt");
        File.WriteAllText(caFile, ca.ExportCertificatePem());
        var pin = new string('a', 64);
        var settings = new Dictionary<string, string?>
        {
            ["HaCore:Tls:CertificateFile"] = certFile,
            ["HaCore:Tls:KeyFile"] = keyFile,
            ["HaCore:Tls:TrustedCaFiles:0"] = caFile,
            ["HaCore:Tls:PinnedPeerCertificates:2:0"] = pin,
            ["HaCore:Transport:MaxFrameBytes"] = "1048576",
        };

        var bound = Bound(settings).Transport;
        Assert.Equal(cert.Thumbprint, bound.CertificateProvider!().Thumbprint);
        Assert.Equal(ca.Thumbprint, Assert.Single(bound.TrustedCaCertificates).Thumbprint);
        Assert.Equal(pin, Assert.Single(bound.PinnedPeerCertificates[2]));
        Assert.Equal(1 << 20, bound.MaxFrameBytes);

        // A key file that does not hold the key keeps the certificate that was read last.
        File.WriteAllText(keyFile, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
        File.SetLastWriteTimeUtc(keyFile, DateTime.UtcNow.AddSeconds(5));
        Assert.Equal(cert.Thumbprint, bound.CertificateProvider!().Thumbprint);
        WritePem(cert, "node1");

        string Error(string key, string? value)
        {
            var s = new Dictionary<string, string?>(settings) { [key] = value };
            return Assert.Throws<ArgumentException>(() => Bound(s)).Message;
        }

        Assert.Contains("HaCore:Tls:CertificateFile", Error("HaCore:Tls:CertificateFile", Path.Combine(_root, "missing.crt")), StringComparison.Ordinal);
        Assert.Contains("KeyFile '" + caFile, Error("HaCore:Tls:KeyFile", caFile), StringComparison.Ordinal); // a certificate, not a key
        Assert.Contains("HaCore:Tls:PinnedPeerCertificates:2:0", Error("HaCore:Tls:PinnedPeerCertificates:2:0", "abc"), StringComparison.Ordinal);
        Assert.Contains("HaCore:Tls:TrustedCaFile", Error("HaCore:Tls:TrustedCaFile", caFile), StringComparison.Ordinal);
        Assert.Contains("HaCore:Transport:NodeId", Error("HaCore:Transport:NodeId", "3"), StringComparison.Ordinal);
    }
}
