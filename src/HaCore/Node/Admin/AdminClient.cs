using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HaCore;

/// <summary>A connection to one node's admin endpoint (<see cref="AdminProtocol"/>), for the <c>hacore</c> CLI and tests.</summary>
internal sealed class AdminClient : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly BoundedLineReader _reader;

    private AdminClient(TcpClient client, ulong nodeId)
    {
        _client = client;
        _stream = client.GetStream();
        _reader = new BoundedLineReader(_stream);
        NodeId = nodeId;
    }

    /// <summary>The node's id, from its hello.</summary>
    public ulong NodeId { get; private set; }

    /// <summary>Connects and proves the secret both ways.</summary>
    /// <exception cref="IOException">No connection, the node refused the secret, or the node could not prove it
    /// (then it is not a member of the cluster the secret belongs to).</exception>
    public static async Task<AdminClient> ConnectAsync(EndPoint endPoint, byte[] secret, CancellationToken cancellationToken)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            await (endPoint switch
            {
                IPEndPoint ip => client.ConnectAsync(ip, cancellationToken),
                DnsEndPoint dns => client.ConnectAsync(dns.Host, dns.Port, cancellationToken),
                _ => throw new ArgumentException($"Not an IP or DNS end point: {endPoint}", nameof(endPoint)),
            }).ConfigureAwait(false);
            var admin = new AdminClient(client, 0);
            await admin.AuthenticateAsync(endPoint, secret, cancellationToken).ConfigureAwait(false);
            return admin;
        }
        catch (SocketException ex)
        {
            client.Dispose();
            throw new IOException($"Cannot reach the admin endpoint {endPoint}: {ex.Message}", ex);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Sends one request and returns the answer (<c>"ok"</c> true or false).</summary>
    /// <exception cref="IOException">The connection failed, or the answer is not a JSON object.</exception>
    public async Task<JsonObject> RequestAsync(JsonObject request, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToJsonString() + "\n"), cancellationToken).ConfigureAwait(false);
        return await ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _client.Dispose();
    }

    private async Task AuthenticateAsync(EndPoint endPoint, byte[] secret, CancellationToken ct)
    {
        var hello = await ReadAsync(ct).ConfigureAwait(false);
        if ((string?)hello["protocol"] != AdminProtocol.Name || hello["node"] is not JsonValue node || !node.TryGetValue<ulong>(out var nodeId))
        {
            throw new IOException($"{endPoint} is not a HaCore admin endpoint ({AdminProtocol.Name}): it said {Truncate(hello.ToJsonString())}");
        }

        NodeId = nodeId;
        var serverNonce = Convert.FromHexString((string?)hello["nonce"] ?? string.Empty);
        var clientNonce = AdminProtocol.NewNonce();
        var answer = await RequestAsync(
            new JsonObject { ["nonce"] = Convert.ToHexString(clientNonce), ["proof"] = Convert.ToHexString(AdminProtocol.ClientProof(secret, serverNonce, clientNonce, nodeId)) },
            ct).ConfigureAwait(false);
        if ((bool?)answer["ok"] != true)
        {
            throw new IOException($"Node {nodeId} at {endPoint} refused the admin secret: {(string?)answer["message"]}");
        }

        var proof = Convert.FromHexString((string?)answer["proof"] ?? string.Empty);
        if (!CryptographicOperations.FixedTimeEquals(proof, AdminProtocol.ServerProof(secret, serverNonce, clientNonce, nodeId)))
        {
            throw new IOException($"Node {nodeId} at {endPoint} could not prove it holds the admin secret: it is not the node it claims to be.");
        }
    }

    private async Task<JsonObject> ReadAsync(CancellationToken ct)
    {
        var line = await _reader.ReadLineAsync(ct).ConfigureAwait(false) ?? throw new IOException("The admin endpoint closed the connection.");
        try
        {
            return AdminProtocol.Parse(line) ?? throw new IOException($"The admin endpoint answered what is not a JSON object: {Truncate(line)}");
        }
        catch (JsonException ex)
        {
            throw new IOException($"The admin endpoint answered what is not JSON: {Truncate(line)}", ex);
        }
    }

    private static string Truncate(string text) => text.Length > 200 ? text[..200] + "..." : text;
}
