using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using HaCore.Transport;

namespace HaCore;

/// <summary>The <c>Tls</c> section of the HaCore configuration: certificates from files, trust, pinning.</summary>
internal static class TlsConfiguration
{
    public static TcpTransportOptions Bind(TcpTransportOptions transport, IConfigurationSection section)
    {
        string? certificateFile = null, keyFile = null, password = null;
        var cas = new List<X509Certificate2>();
        var thumbprints = new List<string>();
        var pinned = new Dictionary<ulong, IReadOnlyCollection<string>>();
        foreach (var child in section.GetChildren())
        {
            switch (child.Key)
            {
                case "CertificateFile":
                    certificateFile = ExistingFile(child);
                    break;
                case "KeyFile":
                    keyFile = ExistingFile(child);
                    break;
                case "CertificatePassword":
                    password = child.Value;
                    break;
                case "TrustedCaFiles":
                    foreach (var file in child.GetChildren())
                    {
                        var path = ExistingFile(file);
                        var collection = new X509Certificate2Collection();
                        HaCoreConfiguration.Try(file, () => Wrap(file, () => collection.ImportFromPemFile(path)));
                        if (collection.Count == 0)
                        {
                            throw HaCoreConfiguration.Invalid(file, $"'{path}' holds no PEM certificate");
                        }

                        cas.AddRange(collection);
                    }

                    break;
                case "TrustedThumbprints":
                    thumbprints.AddRange(child.GetChildren().Select(t => Hex(t, 20)));
                    break;
                case "PinnedPeerCertificates":
                    foreach (var node in child.GetChildren())
                    {
                        if (!ulong.TryParse(node.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id == 0)
                        {
                            throw HaCoreConfiguration.Invalid(node, $"'{node.Key}' is not a node id (a positive integer)");
                        }

                        var prints = node.GetChildren().Select(t => Hex(t, 32)).ToArray();
                        pinned[id] = prints.Length > 0 ? prints : [Hex(node, 32)];
                    }

                    break;
                default:
                    throw HaCoreConfiguration.Invalid(child, "is not a TLS setting (CertificateFile, KeyFile, CertificatePassword, TrustedCaFiles, TrustedThumbprints, PinnedPeerCertificates)");
            }
        }

        if (certificateFile is null)
        {
            throw HaCoreConfiguration.Invalid(section, "needs CertificateFile (this node's certificate with its private key)");
        }

        var source = new ReloadingCertificateFile(certificateFile, keyFile, password);
        try
        {
            source.Current();
        }
        catch (Exception ex) when (ex is CryptographicException or IOException)
        {
            throw HaCoreConfiguration.Invalid(
                section,
                $"CertificateFile '{certificateFile}' with KeyFile '{keyFile ?? "(none: the key in the same file)"}' cannot be loaded: {ex.Message}");
        }
        return transport with
        {
            CertificateProvider = source.Current,
            TrustedCaCertificates = [.. transport.TrustedCaCertificates, .. cas],
            TrustedThumbprints = [.. transport.TrustedThumbprints, .. thumbprints],
            PinnedPeerCertificates = pinned.Count > 0 ? pinned : transport.PinnedPeerCertificates,
        };
    }

    private static string ExistingFile(IConfigurationSection section)
    {
        var path = section.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw HaCoreConfiguration.Invalid(section, $"the file '{path}' does not exist");
        }

        return Path.GetFullPath(path);
    }

    private static string Hex(IConfigurationSection section, int bytes)
    {
        var text = (section.Value ?? string.Empty).Replace(":", string.Empty, StringComparison.Ordinal);
        if (text.Length != bytes * 2 || !text.All(char.IsAsciiHexDigit))
        {
            throw HaCoreConfiguration.Invalid(section, $"'{section.Value}' is not a thumbprint of {bytes} bytes in hex");
        }

        return text;
    }

    // Certificate files that cannot be read are configuration errors that name the section.
    private static void Wrap(IConfigurationSection section, Action load)
    {
        try
        {
            load();
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException(ex.Message, ex);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException(ex.Message, ex);
        }
    }
}

/// <summary>
/// This node's certificate from a file, read again when the file's write time changes: a renewed certificate is
/// presented on the next connection without a restart. A file that cannot be read keeps the last good certificate.
/// </summary>
internal sealed class ReloadingCertificateFile(string certificateFile, string? keyFile, string? password)
{
    private readonly Lock _gate = new();
    private (DateTime CertificateTime, DateTime KeyTime, X509Certificate2 Certificate)? _loaded;

    public X509Certificate2 Current()
    {
        lock (_gate)
        {
            var certificateTime = File.GetLastWriteTimeUtc(certificateFile);
            var keyTime = keyFile is null ? default : File.GetLastWriteTimeUtc(keyFile);
            if (_loaded is { } loaded && loaded.CertificateTime == certificateTime && loaded.KeyTime == keyTime)
            {
                return loaded.Certificate;
            }

            try
            {
                var certificate = Load();
                _loaded = (certificateTime, keyTime, certificate);
                return certificate;
            }
            catch (Exception ex) when (_loaded is not null && ex is CryptographicException or IOException)
            {
                // Half-written during a rotation: the old certificate stays until the new one reads.
                return _loaded.Value.Certificate;
            }
        }
    }

    private X509Certificate2 Load()
    {
        X509Certificate2 certificate;
        if (keyFile is not null)
        {
            certificate = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        }
        else if (IsPem(certificateFile))
        {
            certificate = X509Certificate2.CreateFromPemFile(certificateFile);
        }
        else
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(certificateFile, password);
        }

        if (!certificate.HasPrivateKey)
        {
            throw new CryptographicException($"The certificate in '{certificateFile}' has no private key (give KeyFile).");
        }

        return certificate;
    }

    private static bool IsPem(string path)
    {
        using var reader = new StreamReader(path);
        var buffer = new char[64];
        int read = reader.ReadBlock(buffer, 0, buffer.Length);
        return new string(buffer, 0, read).Contains("-----BEGIN", StringComparison.Ordinal);
    }
}
