using System.Globalization;
using System.Net;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace HaCore;

/// <summary>
/// Reads <see cref="HaCoreNodeOptions"/> from configuration (for example the <c>HaCore</c> section of
/// <c>appsettings.json</c>): every simple setting by its property name (<c>NodeId</c>, <c>ClusterId</c>,
/// <c>DataDirectory</c>, <c>TickInterval</c>, <c>ElectionTicks</c>, ...), and:
/// <list type="bullet">
/// <item><c>ListenEndPoint</c>: <c>"127.0.0.1:7001"</c>;</item>
/// <item><c>Members</c>: node id to endpoint, this node included (<c>{ "1": "10.0.0.1:7001", "2": ... }</c>); they are
/// the peers and, unless <c>InitialVoters</c> or <c>Join</c> is given, the initial voters;</item>
/// <item><c>InitialVoters</c>: a list of ids; <c>Join</c>: <c>true</c> for a node that waits to be added;</item>
/// <item><c>ClusterSecret</c>: the peer authentication secret in hex (keep it out of files: an environment variable
/// such as <c>HaCore__ClusterSecret</c> does);</item>
/// <item><c>AdminEndPoint</c>: <c>"127.0.0.1:7101"</c>, and <c>AdminSecret</c> in hex (the cluster secret when absent);</item>
/// <item><c>Storage</c>: the <see cref="Storage.StorageOptions"/> settings;</item>
/// <item><c>Transport</c>: the simple <see cref="Transport.TcpTransportOptions"/> settings (limits, timeouts,
/// <c>AllowUnauthenticatedPeers</c>);</item>
/// <item><c>Tls</c>: mutual TLS from files: <c>CertificateFile</c> (PEM, with <c>KeyFile</c>; or PKCS#12 with
/// <c>CertificatePassword</c>), reread when the file changes so a renewed certificate is used without a restart;
/// <c>TrustedCaFiles</c> (PEM files, each with one or more CA certificates: list the old and the new CA during a
/// rotation); <c>TrustedThumbprints</c>; and <c>PinnedPeerCertificates</c> (node id to SHA-256 thumbprints).</item>
/// </list>
/// An unknown key or a value of the wrong form is refused with its path.
/// </summary>
public static class HaCoreConfiguration
{
    private static byte[] HexOf(IConfigurationSection child)
    {
        try
        {
            return System.Convert.FromHexString(child.Value ?? string.Empty);
        }
        catch (FormatException)
        {
            throw Invalid(child, "must be hex digits");
        }
    }

    /// <summary>Applies <paramref name="section"/> to <paramref name="options"/>.</summary>
    /// <param name="options">The options to fill.</param>
    /// <param name="section">The configuration section.</param>
    /// <exception cref="ArgumentException">A key is unknown or a value has the wrong form; the message gives its path.</exception>
    public static void Bind(HaCoreNodeOptions options, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(section);
        var join = false;
        var votersGiven = false;
        foreach (var child in section.GetChildren())
        {
            switch (child.Key)
            {
                case "ListenEndPoint":
                    options.ListenEndPoint = EndPointOf(child);
                    break;
                case "AdminEndPoint":
                    options.AdminEndPoint = EndPointOf(child);
                    break;
                case "AdminSecret":
                    options.AdminSecret = HexOf(child);
                    break;
                case "Members":
                    foreach (var member in child.GetChildren())
                    {
                        options.Peers[IdOf(member, member.Key)] = EndPointOf(member);
                    }

                    break;
                case "InitialVoters":
                    votersGiven = true;
                    options.InitialVoters.Clear();
                    foreach (var voter in child.GetChildren())
                    {
                        options.InitialVoters.Add(IdOf(voter, voter.Value));
                    }

                    break;
                case "Join":
                    join = Convert<bool>(child);
                    break;
                case "ClusterSecret":
                    options.Transport = options.Transport with { ClusterSecret = HexOf(child) };
                    break;
                case "Storage":
                    var storage = options.Storage;
                    Try(child, () => child.Bind(storage, o => o.ErrorOnUnknownConfiguration = true));
                    break;
                case "Transport":
                    options.Transport = BindTransport(options.Transport, child);
                    break;
                case "Tls":
                    options.Transport = TlsConfiguration.Bind(options.Transport, child);
                    break;
                default:
                    var property = typeof(HaCoreNodeOptions).GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance);
                    if (property is not { CanWrite: true, SetMethod.IsPublic: true } || !IsSimple(property.PropertyType))
                    {
                        throw Invalid(child, "is not a HaCore setting");
                    }

                    Try(child, () => property.SetValue(options, child.Get(property.PropertyType)));
                    break;
            }
        }

        if (!votersGiven && !join)
        {
            foreach (var id in options.Peers.Keys.Where(id => !options.InitialVoters.Contains(id)).Order())
            {
                options.InitialVoters.Add(id);
            }
        }
        else if (join)
        {
            options.InitialVoters.Clear();
        }
    }

    // The simple settings of the transport; identity (node, cluster, endpoints, peers) and secrets have their own keys.
    private static Transport.TcpTransportOptions BindTransport(Transport.TcpTransportOptions transport, IConfigurationSection section)
    {
        var copy = transport with { };
        foreach (var child in section.GetChildren())
        {
            var property = typeof(Transport.TcpTransportOptions).GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance);
            if (property is not { CanWrite: true } || !IsSimple(property.PropertyType) || child.Key is "NodeId" or "ClusterId")
            {
                throw Invalid(child, "is not a transport setting (node id, cluster id, endpoints, secrets and TLS have keys of their own)");
            }

            Try(child, () => property.SetValue(copy, child.Get(property.PropertyType)));
        }

        return copy;
    }

    internal static bool IsSimple(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(decimal);

    private static ulong IdOf(IConfigurationSection section, string? text) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id != 0
            ? id
            : throw Invalid(section, $"'{text}' is not a node id (a positive integer)");

    private static IPEndPoint EndPointOf(IConfigurationSection section) =>
        IPEndPoint.TryParse(section.Value ?? string.Empty, out var endPoint) && endPoint.Port != 0
            ? endPoint
            : throw Invalid(section, $"'{section.Value}' is not an IP endpoint with a port (such as 127.0.0.1:7001)");

    private static T Convert<T>(IConfigurationSection section)
    {
        T? value = default;
        Try(section, () => value = section.Get<T>());
        return value!;
    }

    internal static void Try(IConfigurationSection section, Action bind)
    {
        try
        {
            bind();
        }
        catch (InvalidOperationException ex)
        {
            throw Invalid(section, ex.Message);
        }
    }

    internal static ArgumentException Invalid(IConfigurationSection section, string why) =>
        new($"HaCore configuration '{section.Path}': {why}.", section.Path);
}
