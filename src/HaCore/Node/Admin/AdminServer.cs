using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HaCore.Raft;
using Microsoft.Extensions.Logging;

namespace HaCore;

/// <summary>What the admin endpoint can do to its node.</summary>
internal interface IAdminOperations
{
    ulong NodeId { get; }

    NodeStatus Status { get; }

    ulong SnapshotIndex { get; }

    ValueTask AddLearnerAsync(ulong nodeId, EndPoint address, CancellationToken cancellationToken);

    ValueTask PromoteAsync(ulong nodeId, CancellationToken cancellationToken);

    ValueTask RemoveMemberAsync(ulong nodeId, CancellationToken cancellationToken);

    ValueTask TransferLeadershipAsync(ulong target, CancellationToken cancellationToken);

    ValueTask<ulong> TakeSnapshotAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The node's admin endpoint (<see cref="HaCoreNodeOptions.AdminEndPoint"/>): TCP, authenticated by a shared secret
/// (<see cref="AdminProtocol"/>), for the <c>hacore</c> CLI. At most <see cref="MaxConnections"/> connections; each has
/// <see cref="HandshakeTimeout"/> to authenticate, <see cref="RequestTimeout"/> per request and is closed after
/// <see cref="IdleTimeout"/> without one.
/// </summary>
internal sealed class AdminServer : IAsyncDisposable
{
    public const int MaxConnections = 8;
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(2);
    private readonly IAdminOperations _node;
    private readonly byte[] _secret;
    private readonly ulong _maxApplyLag;
    private readonly ILogger _logger;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _slots = new(MaxConnections, MaxConnections);
    private readonly LogRateLimit _refusals = new(TimeSpan.FromSeconds(10), 20);
    private readonly Func<byte[]> _nonces;
    private Task _accepting = Task.CompletedTask;
    private int _connections;

    /// <summary>Binds <paramref name="endPoint"/> (so a port in use fails the node's start).</summary>
    /// <exception cref="IOException">The endpoint cannot be bound; the message names it.</exception>
    /// <param name="endPoint">Where to listen.</param>
    /// <param name="secret">The admin secret.</param>
    /// <param name="node">The node the requests act on.</param>
    /// <param name="maxApplyLag">The most unapplied entries for <c>health</c> to say healthy.</param>
    /// <param name="logger">Where refusals and changes are logged.</param>
    /// <param name="nonces">Draws the server's nonces (tests and the fuzzer fix them); fresh random ones by default.</param>
    public AdminServer(IPEndPoint endPoint, byte[] secret, IAdminOperations node, ulong maxApplyLag, ILogger logger, Func<byte[]>? nonces = null)
    {
        _node = node;
        _nonces = nonces ?? AdminProtocol.NewNonce;
        _secret = [.. secret];
        _maxApplyLag = maxApplyLag;
        _logger = logger;
        _listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Bind(endPoint);
            _listener.Listen(16);
        }
        catch (SocketException ex)
        {
            _listener.Dispose();
            throw new IOException($"Node {node.NodeId} cannot open its admin endpoint (HaCoreNodeOptions.AdminEndPoint) on {endPoint}: {ex.Message}", ex);
        }

        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    public void Start()
    {
        AdminLog.Listening(_logger, _node.NodeId, EndPoint);
        _accepting = AcceptAsync(_stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _accepting.ConfigureAwait(false);
        while (Volatile.Read(ref _connections) > 0)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(ct).ConfigureAwait(false);
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            if (!_slots.Wait(0))
            {
                Refuse(socket.RemoteEndPoint, $"more than {MaxConnections} admin connections");
                socket.Dispose();
                continue;
            }

            Interlocked.Increment(ref _connections);
            _ = Task.Run(() => ServeAsync(socket, ct), CancellationToken.None);
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken ct)
    {
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            await ServeStreamAsync(stream, socket.RemoteEndPoint, ct).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
            Interlocked.Decrement(ref _connections);
        }
    }

    /// <summary>One connection: the handshake, then requests until the end of the stream, an idle timeout or bad input.</summary>
    internal async Task ServeStreamAsync(Stream stream, EndPoint? remote, CancellationToken ct)
    {
        try
        {
            var reader = new BoundedLineReader(stream);
            using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                handshake.CancelAfter(HandshakeTimeout);
                if (!await AuthenticateAsync(stream, reader, remote, handshake.Token).ConfigureAwait(false))
                {
                    return;
                }
            }

            while (true)
            {
                string? line;
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    idle.CancelAfter(IdleTimeout);
                    line = await reader.ReadLineAsync(idle.Token).ConfigureAwait(false);
                }

                if (line is null)
                {
                    return;
                }

                using var request = CancellationTokenSource.CreateLinkedTokenSource(ct);
                request.CancelAfter(RequestTimeout);
                var answer = await HandleAsync(line, remote, request.Token).ConfigureAwait(false);
                await WriteAsync(stream, answer, request.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or InvalidDataException or ObjectDisposedException)
        {
            // The client went away, idled out, or sent what is not a line: nothing more to answer.
        }
    }

    private async Task<bool> AuthenticateAsync(Stream stream, BoundedLineReader reader, EndPoint? remote, CancellationToken ct)
    {
        var serverNonce = _nonces();
        await WriteAsync(stream, new JsonObject { ["protocol"] = AdminProtocol.Name, ["node"] = _node.NodeId, ["nonce"] = Convert.ToHexString(serverNonce) }, ct).ConfigureAwait(false);
        var line = await reader.ReadLineAsync(ct).ConfigureAwait(false);
        byte[]? clientNonce = null;
        byte[]? proof = null;
        try
        {
            if (line is not null && AdminProtocol.Parse(line) is { } hello)
            {
                clientNonce = Convert.FromHexString((string?)hello["nonce"] ?? string.Empty);
                proof = Convert.FromHexString((string?)hello["proof"] ?? string.Empty);
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
        }

        if (clientNonce is not { Length: AdminProtocol.NonceBytes } || proof is null
            || !CryptographicOperations.FixedTimeEquals(proof, AdminProtocol.ClientProof(_secret, serverNonce, clientNonce, _node.NodeId)))
        {
            Refuse(remote, clientNonce is { Length: AdminProtocol.NonceBytes } ? "wrong proof of the admin secret" : "not an admin hello");
            await WriteAsync(stream, Error("AuthenticationFailed", "The admin secret was not proven."), ct).ConfigureAwait(false);
            return false;
        }

        await WriteAsync(stream, new JsonObject { ["ok"] = true, ["proof"] = Convert.ToHexString(AdminProtocol.ServerProof(_secret, serverNonce, clientNonce, _node.NodeId)) }, ct).ConfigureAwait(false);
        return true;
    }

    private async Task<JsonObject> HandleAsync(string line, EndPoint? remote, CancellationToken ct)
    {
        JsonObject? request;
        try
        {
            request = AdminProtocol.Parse(line);
        }
        catch (JsonException ex)
        {
            return Error("BadRequest", $"Not a JSON object: {ex.Message}");
        }

        var op = request?["op"] is JsonValue v && v.TryGetValue<string>(out var name) ? name : null;
        try
        {
            var answer = op switch
            {
                "status" => Status(),
                "health" => Health(),
                "add-learner" => await Do(() => _node.AddLearnerAsync(Id(request!), Address(request!), ct)).ConfigureAwait(false),
                "promote" => await Do(() => _node.PromoteAsync(Id(request!), ct)).ConfigureAwait(false),
                "remove" => await Do(() => _node.RemoveMemberAsync(Id(request!), ct)).ConfigureAwait(false),
                "transfer" => await Do(() => _node.TransferLeadershipAsync(Id(request!), ct)).ConfigureAwait(false),
                "snapshot" => new JsonObject { ["ok"] = true, ["node"] = _node.NodeId, ["index"] = await _node.TakeSnapshotAsync(ct).ConfigureAwait(false) },
                _ => Error("BadRequest", $"Unknown op '{op}': status, health, add-learner, promote, remove, transfer or snapshot."),
            };
            if (op is "add-learner" or "promote" or "remove" or "transfer" or "snapshot")
            {
                AdminLog.Request(_logger, _node.NodeId, line, remote, (bool?)answer["ok"] == true ? "done" : (string?)answer["message"] ?? "failed");
            }

            return answer;
        }
        catch (ArgumentException ex)
        {
            return Error("BadRequest", ex.Message);
        }
        catch (Exception ex) when (ex is HaCoreException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            AdminLog.Request(_logger, _node.NodeId, line, remote, $"{ex.GetType().Name}: {ex.Message}");
            var error = Error(ex is OperationCanceledException ? "TimeoutException" : ex.GetType().Name, ex.Message);
            if (ex is NotLeaderException notLeader)
            {
                error["leader"] = notLeader.LeaderHint;
            }

            return error;
        }

        async Task<JsonObject> Do(Func<ValueTask> action)
        {
            await action().ConfigureAwait(false);
            return Status();
        }
    }

    private JsonObject Status()
    {
        var s = _node.Status;
        return new JsonObject
        {
            ["ok"] = true,
            ["node"] = s.NodeId,
            ["role"] = s.Role.ToString(),
            ["term"] = s.Term,
            ["leader"] = s.Leader,
            ["commit"] = s.CommitIndex,
            ["applied"] = s.AppliedIndex,
            ["apply_lag"] = s.ApplyLag,
            ["snapshot"] = _node.SnapshotIndex,
            ["faulted"] = s.Faulted,
            ["refuses_leadership"] = s.LeadershipRefusal,
            ["voters"] = new JsonArray([.. s.Members.Voters.Order().Select(id => JsonValue.Create(id))]),
            ["learners"] = new JsonArray([.. s.Members.Learners.Order().Select(id => JsonValue.Create(id))]),
        };
    }

    private JsonObject Health()
    {
        var (health, description) = NodeHealth.Classify(_node.Status, _maxApplyLag);
        var answer = Status();
        answer["health"] = health;
        answer["description"] = description;
        return answer;
    }

    private static ulong Id(JsonObject request) =>
        request["id"] is JsonValue v && v.TryGetValue<ulong>(out var id) && id != 0 ? id : throw new ArgumentException("The request needs \"id\": a node id (a positive integer).");

    private static EndPoint Address(JsonObject request) =>
        request["address"] is JsonValue v && v.TryGetValue<string>(out var text) && HaCoreNodeOptions.DefaultResolve(text) is { } address
            ? address
            : throw new ArgumentException("The request needs \"address\": host:port of the new member's Raft port.");

    private static JsonObject Error(string type, string message) => new() { ["ok"] = false, ["error"] = type, ["message"] = message };

    private static async Task WriteAsync(Stream stream, JsonObject message, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString() + "\n");
        await stream.WriteAsync(bytes, ct).ConfigureAwait(false);
    }

    private void Refuse(EndPoint? remote, string why)
    {
        if (_refusals.TryTake())
        {
            AdminLog.Refused(_logger, _node.NodeId, remote, why);
        }
    }
}

/// <summary>At most <c>count</c> a <c>window</c>: a budget for log lines that a stranger can cause.</summary>
internal sealed class LogRateLimit(TimeSpan window, int count)
{
    private readonly object _gate = new();
    private long _windowStart = Environment.TickCount64;
    private int _used;

    public bool TryTake()
    {
        lock (_gate)
        {
            var now = Environment.TickCount64;
            if (now - _windowStart >= (long)window.TotalMilliseconds)
            {
                (_windowStart, _used) = (now, 0);
            }

            return ++_used <= count;
        }
    }
}

internal static partial class AdminLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Node {NodeId} admin endpoint listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, ulong nodeId, EndPoint endPoint);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Node {NodeId} admin endpoint refused {Remote}: {Why} (at most 20 such lines per 10 s)")]
    public static partial void Refused(ILogger logger, ulong nodeId, EndPoint? remote, string why);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Node {NodeId} admin request {Request} from {Remote}: {Outcome}")]
    public static partial void Request(ILogger logger, ulong nodeId, string request, EndPoint? remote, string outcome);
}
