using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using HaCore.Raft;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HaCore.Transport;

/// <summary>
/// Raft transport over TCP, optionally mutual TLS. Frames are length-prefixed and checksummed
/// (<see cref="RaftMessageCodec"/>); each connection starts with a handshake carrying the protocol
/// version, cluster id and both node ids, refused on any mismatch, in which both sides prove the
/// cluster secret (<see cref="TcpTransportOptions.ClusterSecret"/>) and/or present certificates naming
/// their node ids (mutual TLS). See docs/security.md.
/// </summary>
/// <remarks>
/// <para><b>Dial rule:</b> every node dials every peer it sends to, so each pair of nodes has two
/// connections, one per direction. A node's outbound connection to a peer carries only its own
/// messages to that peer (and, backwards, the peer's snapshot acknowledgements); what the peer sends
/// arrives on the connection the peer dialled. There is no simultaneous-dial race to break and no
/// shared connection state between directions.</para>
/// <para><b>Threads:</b> <see cref="TrySend"/> never blocks: it encodes into the peer's queue, bounded by
/// <see cref="TcpTransportOptions.PeerQueueBytesLimit"/>. One sender task per peer connects (with
/// exponential backoff and jitter), drains the queue in batches of up to 64 KiB per socket write, and
/// streams snapshots in chunks. Inbound frames are decoded and handed to the sink on I/O threads.</para>
/// <para>A malformed or oversized inbound frame closes that connection and is logged; the transport keeps running.</para>
/// </remarks>
public sealed partial class TcpRaftTransport : IRaftTransport
{
    private readonly TcpTransportOptions _options;
    private readonly ILogger _logger;
    private readonly IMeterFactory? _meterFactory;
    private readonly CancellationTokenSource _cts = new();
    private readonly Lock _gate = new();
    private readonly Random _random;
    private readonly ConcurrentDictionary<Task, byte> _inbound = new();
    private readonly ConcurrentDictionary<Task, byte> _stopping = new();

    // The handshaken inbound connection of each peer, so that a reconnect or the peer's removal closes
    // it, and a second process claiming the same id is refused. Guarded by _gate.
    private readonly Dictionary<ulong, InboundRegistration> _inboundByPeer = [];
    private readonly ClusterSecretProof? _proof;
    private const int RefusalLogsPerWindow = 20;
    private static readonly TimeSpan RefusalLogWindow = TimeSpan.FromSeconds(10);
    private static readonly string[] HandshakeRefusalKinds = [.. Enum.GetValues<HandshakeStatus>().Select(s => "handshake " + s)];

    // Refusal logs, rate-limited per kind (a fixed set of keys): a flood of one kind cannot hide another.
    private readonly ConcurrentDictionary<string, LogRateLimiter> _refusalLogs = new(StringComparer.Ordinal);

    // Errors of authenticated connections, limited apart so that strangers cannot hide a member's errors.
    private readonly LogRateLimiter _peerErrorLog = new(RefusalLogsPerWindow, RefusalLogWindow);
    private readonly ulong _instance = BitConverter.ToUInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
    // Accepted connections still in TLS or the handshake, oldest first: at most MaxPendingHandshakes.
    private readonly LinkedList<PendingHandshake> _pending = [];
    private readonly Lock _pendingGate = new();

    // Fresh random handshake nonces; replaced only by ForHandshakeFuzzing.
    private Func<byte[]> _newNonce = ClusterSecretProof.NewNonce;

    /// <summary>
    /// Fuzzing: a transport that is never started (no socket), whose peers are <paramref name="options"/>'
    /// peers at once and whose handshake nonces come from <paramref name="nonces"/>, so that
    /// <see cref="AcceptHandshakeAsync"/> and <see cref="DialHandshakeAsync"/> can be driven over in-memory
    /// streams and a fuzzer can reach what follows a valid proof.
    /// </summary>
    internal static TcpRaftTransport ForHandshakeFuzzing(TcpTransportOptions options, Func<byte[]> nonces)
    {
        options.Validate();
        var transport = new TcpRaftTransport(options) { _newNonce = nonces };
        transport._peers = options.Peers.ToDictionary(p => p.NodeId, p => new OutboundPeer(transport, p.NodeId, p.EndPoint));
        return transport;
    }

    /// <summary>Fuzzing: this transport's random instance id (sent in its hellos, covered by its proofs).</summary>
    internal ulong Instance => _instance;

    /// <summary>Tests: accepted connections whose handshake has not finished.</summary>
    internal int PendingHandshakes
    {
        get
        {
            lock (_pendingGate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Tests: inbound connections open (handshaking or handshaken).</summary>
    internal int InboundConnections => _inbound.Count;

    /// <summary>Tests: inbound connections refused for <paramref name="reason"/> so far (the reasons of the
    /// <c>hacore.transport.connections_refused</c> counter).</summary>
    internal long RefusedConnections(string reason) => _refusals.TryGetValue(reason, out var count) ? Interlocked.Read(ref count.Value) : 0;

    private readonly ConcurrentDictionary<string, StrongBox<long>> _refusals = new(StringComparer.Ordinal);

    /// <summary>Counts an inbound connection refused or closed before it authenticated.</summary>
    private static readonly KeyValuePair<string, object?> InboundFramesLimit = new("limit", "inbound_frames");

    private void CountRefusal(string reason)
    {
        Interlocked.Increment(ref _refusals.GetOrAdd(reason, static _ => new StrongBox<long>()).Value);
        _metrics?.ConnectionsRefused.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    /// <summary>Tests: true while an authenticated inbound connection from <paramref name="peer"/> is registered.</summary>
    internal bool HasInboundFrom(ulong peer)
    {
        lock (_gate)
        {
            return _inboundByPeer.ContainsKey(peer);
        }
    }
    private readonly SnapshotAssembler _assembler;
    private Dictionary<ulong, OutboundPeer> _peers = [];
    private IReadOnlyCollection<PeerAddress> _pendingPeers;
    private TransportMetrics? _metrics;
    private Socket? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private IRaftMessageSink? _sink;
    private int _disposed;

    /// <summary>Creates a transport; nothing happens until <see cref="StartAsync"/>.</summary>
    /// <param name="options">The settings; validated by <see cref="StartAsync"/>.</param>
    /// <param name="logger">Where to log; none by default.</param>
    /// <param name="meterFactory">Creates the "HaCore.Transport" meter; when null the transport owns a plain <see cref="Meter"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public TcpRaftTransport(TcpTransportOptions options, ILogger<TcpRaftTransport>? logger = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _meterFactory = meterFactory;
        _random = options.RandomSeed is { } seed ? new Random(seed) : new Random();
        _pendingPeers = options.Peers ?? [];
        _assembler = new SnapshotAssembler(this);
        if (options.ClusterSecret is { } secret)
        {
            _proof = new ClusterSecretProof(secret, options.AcceptedClusterSecrets ?? []);
        }
    }

    /// <inheritdoc />
    public ulong LocalId => _options.NodeId;

    /// <summary>The bound listening address once started (with the actual port when 0 was asked for).</summary>
    public IPEndPoint? LocalEndPoint => _listener?.LocalEndPoint as IPEndPoint;

    internal TcpTransportOptions Options => _options;

    internal ILogger Logger => _logger;

    internal TransportMetrics Metrics => _metrics!;

    internal IRaftMessageSink Sink => _sink!;

    /// <summary>Test hook: called with (peer, received bytes) for every snapshot acknowledgement.</summary>
    internal Action<ulong, long>? SnapshotAckObserved { get; set; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The options are invalid (<see cref="TcpTransportOptions.Validate"/>).</exception>
    /// <exception cref="InvalidOperationException">The transport was already started.</exception>
    /// <exception cref="ObjectDisposedException">The transport was disposed.</exception>
    /// <exception cref="IOException">The listen address cannot be bound (the message names the endpoint; the inner exception is the <see cref="SocketException"/>).</exception>
    public ValueTask StartAsync(IRaftMessageSink sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        cancellationToken.ThrowIfCancellationRequested();
        _options.Validate();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            if (_sink is not null)
            {
                throw new InvalidOperationException("The transport is already started.");
            }

            var listener = new Socket(_options.ListenEndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                // Lets a restarted node rebind its port while old connections sit in TIME_WAIT.
                listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                listener.Bind(_options.ListenEndPoint);
                listener.Listen(128);
            }
            catch (SocketException ex)
            {
                listener.Dispose();
                var why = ex.SocketErrorCode == SocketError.AddressAlreadyInUse
                    ? "the address is in use (another process, or another node configured with this port?)"
                    : ex.Message;
                throw new IOException($"Node {LocalId} cannot listen on {_options.ListenEndPoint}: {why}", ex);
            }
            catch
            {
                listener.Dispose();
                throw;
            }

            _listener = listener;
            _metrics = new TransportMetrics(_meterFactory, LocalId, QueuedBytes, QueuedFrames);

            _sink = sink;
            Log.Listening(_logger, LocalId, listener.LocalEndPoint!, _options.UseTls);
            if (!_options.UseTls && !_options.UseClusterSecret)
            {
                Log.UnauthenticatedPeers(_logger, LocalId, listener.LocalEndPoint!);
            }

            _acceptLoop = Task.Run(() => AcceptLoopAsync(_cts.Token), CancellationToken.None);
        }

        SetPeers(_pendingPeers);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A peer is null, has id 0 or this node's id, or is listed twice.</exception>
    public void SetPeers(IReadOnlyCollection<PeerAddress> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        TcpTransportOptions.ValidatePeers(LocalId, peers, nameof(peers));
        List<OutboundPeer> removed = [];
        List<OutboundPeer> added = [];
        lock (_gate)
        {
            if (_disposed != 0)
            {
                return;
            }

            if (_sink is null)
            {
                _pendingPeers = [.. peers];
                return;
            }

            var next = new Dictionary<ulong, OutboundPeer>();
            foreach (var address in peers)
            {
                if (_peers.TryGetValue(address.NodeId, out var existing) && existing.EndPoint.Equals(address.EndPoint))
                {
                    next.Add(address.NodeId, existing);
                }
                else
                {
                    var peer = new OutboundPeer(this, address.NodeId, address.EndPoint);
                    next.Add(address.NodeId, peer);
                    added.Add(peer);
                }
            }

            removed.AddRange(_peers.Values.Where(p => !next.TryGetValue(p.Id, out var kept) || !ReferenceEquals(kept, p)));
            Volatile.Write(ref _peers, next);
        }

        foreach (var peer in removed)
        {
            Track(_stopping, peer.StopAsync());
        }

        lock (_gate)
        {
            foreach (var (peerId, connection) in _inboundByPeer)
            {
                if (!peers.Any(p => p.NodeId == peerId))
                {
                    CancelQuietly(connection.Connection);
                }
            }
        }

        foreach (var peer in added)
        {
            peer.Start(_cts.Token);
        }
    }

    /// <inheritdoc />
    public bool TrySend(in Message message)
    {
        if (Volatile.Read(ref _sink) is null || Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        if (!Volatile.Read(ref _peers).TryGetValue(message.To, out var peer))
        {
            _metrics!.Dropped.Add(1);
            return false;
        }

        return peer.TrySend(message);
    }

    /// <summary>Stops listening, closes every connection and waits for every task the transport started.</summary>
    public async ValueTask DisposeAsync()
    {
        OutboundPeer[] peers;
        lock (_gate)
        {
            if (_disposed != 0)
            {
                return;
            }

            _disposed = 1;
            peers = [.. _peers.Values];
            _peers = [];
        }

        await _cts.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        foreach (var peer in peers)
        {
            await peer.StopAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_inbound.Keys).ConfigureAwait(false);
        await Task.WhenAll(_stopping.Keys).ConfigureAwait(false);
        _metrics?.Dispose();
        _cts.Dispose();
    }

    internal OutboundPeer? FindPeer(ulong id) => Volatile.Read(ref _peers).GetValueOrDefault(id);

    internal TimeSpan NextBackoff(int attempt)
    {
        var min = _options.ReconnectBackoffMin.TotalMilliseconds;
        var max = Math.Min(_options.ReconnectBackoffMax.TotalMilliseconds, min * Math.Pow(2, Math.Min(attempt, 30)));
        double fraction;
        lock (_random)
        {
            fraction = _random.NextDouble();
        }

        return TimeSpan.FromMilliseconds((max / 2) + (fraction * max / 2));
    }

    private long QueuedBytes()
    {
        long total = 0;
        foreach (var peer in Volatile.Read(ref _peers).Values)
        {
            total += peer.Queue.Bytes;
        }

        return total;
    }

    private static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // That connection already ended.
        }
    }

    /// <summary>No Nagle delay (Raft messages are latency-bound and we batch ourselves), and keep-alive
    /// probes so that a connection to a vanished host fails in tens of seconds rather than hours.</summary>
    private static void ConfigureSocket(Socket socket)
    {
        socket.NoDelay = true;
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 10);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 3);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
        }
        catch (SocketException)
        {
            // Not supported on this platform: rely on write failures and the peer's reconnects.
        }
    }

    private long QueuedFrames()
    {
        long total = 0;
        foreach (var peer in Volatile.Read(ref _peers).Values)
        {
            total += peer.Queue.Count;
        }

        return total;
    }

    /// <summary>Connects, authenticates and handshakes with <paramref name="peer"/>; returns the ready stream.</summary>
    internal async Task<Stream> ConnectAsync(OutboundPeer peer, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        ConfigureSocket(socket);
        Stream? stream = null;
        try
        {
            await socket.ConnectAsync(peer.EndPoint, timeout.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (_options.UseTls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                var tls = new SslClientAuthenticationOptions
                {
                    TargetHost = $"hacore-node-{peer.Id}",
                    ClientCertificates = [_options.CurrentCertificate()],
                    RemoteCertificateValidationCallback = ValidatePeerCertificate,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                };
                await ssl.AuthenticateAsClientAsync(tls, timeout.Token).ConfigureAwait(false);
                if (CheckCertificateIdentity(ssl, peer.Id) is { } wrongIdentity)
                {
                    Log.HandshakeRefusedOutbound(_logger, LocalId, peer.Id, peer.EndPoint, wrongIdentity);
                    throw new HandshakeRefusedException(wrongIdentity);
                }
            }

            await DialHandshakeAsync(stream, peer, timeout.Token).ConfigureAwait(false);
            return stream;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            await DisposeAsync(stream, socket).ConfigureAwait(false);
            throw new TimeoutException($"Connecting to peer {peer.Id} at {peer.EndPoint} took longer than {_options.ConnectTimeout}.");
        }
        catch
        {
            await DisposeAsync(stream, socket).ConfigureAwait(false);
            throw;
        }

        static async ValueTask DisposeAsync(Stream? stream, Socket socket)
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            socket.Dispose();
        }
    }
}
