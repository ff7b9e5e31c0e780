using System.Buffers.Binary;
using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using HaCore.Raft;
using HaCore.Storage;
using HaCore.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HaCore;

/// <summary>
/// One node of a replicated state machine: a Raft node with durable storage and a transport, applying
/// committed commands to <typeparamref name="TStateMachine"/>. Every node of the cluster applies the same
/// commands in the same order, so every node holds the same state.
/// </summary>
/// <typeparam name="TStateMachine">The state machine type, also what queries see.</typeparam>
/// <typeparam name="TCommand">Commands.</typeparam>
/// <typeparam name="TResult">What applying a command returns.</typeparam>
/// <remarks>
/// This type is the production driver of the node logic (an internal single-threaded core that the
/// deterministic simulator drives too): one loop thread owns the core, the storage and the state machine, and
/// drains bounded queues of received messages, ticks of a <see cref="TimeProvider"/> timer and requests. Queries
/// run on that thread: keep them short.
/// </remarks>
public sealed partial class ReplicatedStateMachine<TStateMachine, TCommand, TResult> : IAsyncDisposable
    where TStateMachine : IStateMachine<TCommand, TResult>
{
    private readonly HaCoreNodeOptions _options;
    private readonly IRaftTransport _transport;
    private readonly DurableRaftStorage _storage;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly NodeCore<TStateMachine, TCommand, TResult> _core;
    private readonly Channel<Action> _requests;
    private readonly Channel<Message> _inbound;
    private readonly TransportReports _reports = new();
    private readonly BackgroundSnapshotSaver _snapshotSaver;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly NodeTelemetry _telemetry;
    private readonly StatusFeed _statusFeed;
    private readonly Guid _nodeSession = Guid.NewGuid();
    private readonly CancellationTokenSource _stopping = new();
    private Thread? _thread;
    private ITimer? _ticker;
    private int _signaled;
    private long _tickEpoch;
    private long _ticksCounted;
    private long _nextSequence;
    private Exception? _fault;
    private AdminServer? _admin;

    private ReplicatedStateMachine(
        HaCoreNodeOptions options, TStateMachine stateMachine, ICommandCodec<TCommand> commandCodec, ICommandCodec<TResult> resultCodec,
        IRaftTransport transport, DurableRaftStorage storage, ILogger logger, TimeProvider time)
    {
        _options = options;
        _transport = transport;
        _storage = storage;
        _logger = logger;
        _time = time;
        _snapshotSaver = new BackgroundSnapshotSaver(storage, Signal);
        _requests = Channel.CreateBounded<Action>(new BoundedChannelOptions(options.MaxPendingRequests) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _inbound = Channel.CreateBounded<Message>(new BoundedChannelOptions(options.MaxInboundMessages) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
        _telemetry = new NodeTelemetry(
            options.NodeId,
            options.MeterFactory,
            () => Status,
            () => _core?.SnapshotIndex ?? 0,
            () => _requests.Reader.Count,
            () => _inbound.Reader.Count);
        var seed = options.RandomSeed != 0 ? options.RandomSeed : (ulong)System.Diagnostics.Stopwatch.GetTimestamp() ^ (ulong)Random.Shared.NextInt64() ^ options.NodeId;
        _core = new NodeCore<TStateMachine, TCommand, TResult>(options, stateMachine, commandCodec, resultCodec, transport, storage, time, logger, _telemetry, seed);
        _statusFeed = new StatusFeed(_core.Status);
    }

    /// <summary>
    /// Builds the node's TCP transport from <paramref name="options"/> (<see cref="HaCoreNodeOptions.ListenEndPoint"/>,
    /// <see cref="HaCoreNodeOptions.Peers"/>, <see cref="HaCoreNodeOptions.Transport"/>), then starts the node as the
    /// overload with a transport does.
    /// </summary>
    /// <param name="options">The node's settings, the transport's included.</param>
    /// <param name="stateMachine">A fresh state machine; it is restored from the latest snapshot and the log.</param>
    /// <param name="commandCodec">Encodes commands into log entries.</param>
    /// <param name="resultCodec">Encodes results, kept per client session so that retries get the first result.</param>
    /// <param name="loggerFactory">Logging, for the node, its storage and its transport; none by default.</param>
    /// <param name="timeProvider">The clock; the system clock by default.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running node. Dispose it to stop it (and its transport).</returns>
    /// <exception cref="ArgumentException">The options are invalid, the transport's included; the message names the option.</exception>
    /// <exception cref="StorageCorruptionException">The data directory is corrupt before its tail.</exception>
    /// <exception cref="IOException">The data directory cannot be opened, or the listen endpoint cannot be bound.</exception>
    /// <exception cref="StorageFormatException">The data directory belongs to another node or another cluster.</exception>
    public static async ValueTask<ReplicatedStateMachine<TStateMachine, TCommand, TResult>> StartAsync(
        HaCoreNodeOptions options,
        TStateMachine stateMachine,
        ICommandCodec<TCommand> commandCodec,
        ICommandCodec<TResult> resultCodec,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var transport = new TcpRaftTransport(options.ToTransportOptions(), loggerFactory?.CreateLogger<TcpRaftTransport>(), options.MeterFactory);
        try
        {
            return await StartAsync(options, stateMachine, commandCodec, resultCodec, transport, loggerFactory, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts a node whose command and result types are MessagePack contracts (<c>[MessagePackObject]</c> with
    /// <c>[Key(n)]</c> members, or types MessagePack's standard resolver handles): they are encoded with
    /// <see cref="MessagePackCodec{T}"/>, so no codec is written. Otherwise as the overload with codecs: the node builds
    /// its TCP transport from <paramref name="options"/>.
    /// </summary>
    /// <param name="options">The node's settings, the transport's included.</param>
    /// <param name="stateMachine">A fresh state machine; it is restored from the latest snapshot and the log.</param>
    /// <param name="loggerFactory">Logging, for the node, its storage and its transport; none by default.</param>
    /// <param name="timeProvider">The clock; the system clock by default.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running node. Dispose it to stop it (and its transport).</returns>
    /// <exception cref="ArgumentException">The options are invalid, or <typeparamref name="TCommand"/> or
    /// <typeparamref name="TResult"/> is not a MessagePack contract (the message names the type).</exception>
    /// <exception cref="StorageCorruptionException">The data directory is corrupt before its tail.</exception>
    /// <exception cref="IOException">The data directory cannot be opened, or the listen endpoint cannot be bound.</exception>
    /// <exception cref="StorageFormatException">The data directory belongs to another node or another cluster.</exception>
    public static ValueTask<ReplicatedStateMachine<TStateMachine, TCommand, TResult>> StartAsync(
        HaCoreNodeOptions options,
        TStateMachine stateMachine,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default) =>
        StartAsync(options, stateMachine, MessagePackCodec<TCommand>.ForContract(), MessagePackCodec<TResult>.ForContract(), loggerFactory, timeProvider, cancellationToken);

    /// <summary>Opens the data directory, restores the state machine, joins the cluster and starts the node loop.</summary>
    /// <param name="options">The node's settings.</param>
    /// <param name="stateMachine">A fresh state machine; it is restored from the latest snapshot and the log.</param>
    /// <param name="commandCodec">Encodes commands into log entries.</param>
    /// <param name="resultCodec">Encodes results, kept per client session so that retries get the first result.</param>
    /// <param name="transport">The transport to the other nodes (for example a TCP transport).</param>
    /// <param name="loggerFactory">Logging; none by default.</param>
    /// <param name="timeProvider">The clock that drives ticks; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running node. Dispose it to stop it.</returns>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="StorageCorruptionException">The data directory is corrupt before its tail.</exception>
    /// <exception cref="IOException">The data directory cannot be opened (for example another process holds it), or the
    /// transport cannot listen on its endpoint (for example the port is in use).</exception>
    /// <exception cref="StorageFormatException">The data directory belongs to another node or another cluster.</exception>
    public static async ValueTask<ReplicatedStateMachine<TStateMachine, TCommand, TResult>> StartAsync(
        HaCoreNodeOptions options,
        TStateMachine stateMachine,
        ICommandCodec<TCommand> commandCodec,
        ICommandCodec<TResult> resultCodec,
        IRaftTransport transport,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(stateMachine);
        ArgumentNullException.ThrowIfNull(commandCodec);
        ArgumentNullException.ThrowIfNull(resultCodec);
        ArgumentNullException.ThrowIfNull(transport);
        options.Validate();
        if (transport.LocalId != options.NodeId)
        {
            throw new ArgumentException($"The transport is for node {transport.LocalId}, the options for node {options.NodeId}.", nameof(transport));
        }

        var logger = loggerFactory?.CreateLogger("HaCore.Node") ?? NullLogger.Instance;

        // Bind the ports before anything is written: a port in use fails the start with the data directory untouched.
        // Messages that arrive before the node exists are dropped (Raft sends them again).
        var sink = new Sink();
        AdminServer? admin = null;
        DurableRaftStorage? storage = null;
        ReplicatedStateMachine<TStateMachine, TCommand, TResult>? node = null;
        var operations = new AdminOperations(options.NodeId);
        try
        {
            await transport.StartAsync(sink, cancellationToken).ConfigureAwait(false);
            if (options.AdminEndPoint is { } adminEndPoint)
            {
                admin = new AdminServer(adminEndPoint, (options.AdminSecret ?? options.Transport.ClusterSecret)!, operations, options.AdminHealthMaxApplyLag, logger);
            }

            storage = DurableRaftStorage.Open(options.ToStorageOptions(), options.StorageDevice, logger: loggerFactory?.CreateLogger("HaCore.Storage"));
            node = new ReplicatedStateMachine<TStateMachine, TCommand, TResult>(
                options, stateMachine, commandCodec, resultCodec, transport, storage, logger, timeProvider ?? TimeProvider.System);
            node._admin = admin;
            operations.Node = node;
            sink.Node = node;
            node._core.Open();
            node.Run();
            admin?.Start();
            return node;
        }
        catch
        {
            if (node is not null)
            {
                await node.DisposeAsync().ConfigureAwait(false); // the admin endpoint, the transport and the storage too
            }
            else
            {
                if (admin is not null)
                {
                    await admin.DisposeAsync().ConfigureAwait(false);
                }

                if (storage is not null)
                {
                    await storage.DisposeAsync().ConfigureAwait(false);
                }

                await transport.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>This node's id.</summary>
    public ulong NodeId => _options.NodeId;

    /// <summary>Where the admin endpoint listens (its port when <see cref="HaCoreNodeOptions.AdminEndPoint"/> asked for
    /// port 0), or null when it is off.</summary>
    public IPEndPoint? AdminEndPoint => _admin?.EndPoint;

    /// <summary>Role, term, leader, commit and applied index, and members, as of the last loop iteration.</summary>
    public NodeStatus Status => _core.Status;

    /// <summary>
    /// Follows this node's status: yields the current status, then each change of role, term, leader, membership or
    /// <see cref="NodeStatus.Faulted"/>, in order (commit and applied index move with every write and are not changes
    /// on their own). A watcher that falls more than 64 changes behind skips the oldest and still gets the latest.
    /// The sequence ends when the node stops.
    /// </summary>
    /// <param name="cancellationToken">Ends the watch.</param>
    /// <returns>The statuses, starting with the current one.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public IAsyncEnumerable<NodeStatus> WatchStatusAsync(CancellationToken cancellationToken = default) =>
        _statusFeed.WatchAsync(cancellationToken);

    /// <summary>Waits until this node knows a leader (itself included), and returns its id.</summary>
    /// <param name="timeout">How long to wait; by default <see cref="HaCoreNodeOptions.ProposalTimeout"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The id of the leader this node follows, or its own id when it leads.</returns>
    /// <exception cref="TimeoutException">No leader was known within <paramref name="timeout"/> (no quorum is reachable
    /// from here); the message gives the node's last status.</exception>
    /// <exception cref="HaCoreException">The node stopped on an error.</exception>
    /// <exception cref="ObjectDisposedException">The node stopped.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask<ulong> WaitForLeaderAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? _options.ProposalTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, TimeSpan.Zero, nameof(timeout));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        var last = Status;
        try
        {
            await foreach (var status in WatchStatusAsync(deadline.Token).ConfigureAwait(false))
            {
                last = status;
                if (status.Faulted)
                {
                    throw new HaCoreException($"Node {NodeId} stopped on an error: {_fault?.Message}", _fault);
                }

                if (status.Leader != 0)
                {
                    return status.Leader;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Node {NodeId} knew no leader within {limit.TotalMilliseconds:F0} ms (it is {last.Role} in term {last.Term}, members {last.Members}): no quorum is reachable from it.");
        }

        throw new ObjectDisposedException(GetType().Name, $"Node {NodeId} stopped while waiting for a leader.");
    }

    /// <summary>A token cancelled when this node stops leading (already cancelled when it does not lead now).</summary>
    public CancellationToken LeadershipToken => _core.LeadershipToken;

    /// <summary>
    /// Proposes a command and returns the state machine's result once it is committed and applied on this node.
    /// A follower forwards it to the leader. The request gets a new id in this node's own session.
    /// </summary>
    /// <exception cref="NoQuorumException">No leader could be reached within an election timeout.</exception>
    /// <exception cref="ProposalRejectedException">Raft refused it (backpressure: too many uncommitted bytes).</exception>
    /// <exception cref="TimeoutException">No outcome within <see cref="HaCoreNodeOptions.ProposalTimeout"/>.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled (the command may still be applied).</exception>
    public ValueTask<TResult> ProposeAsync(TCommand command, CancellationToken cancellationToken = default) =>
        ProposeAsync(new ClientRequestId(_nodeSession, (ulong)Interlocked.Increment(ref _nextSequence)), command, cancellationToken);

    /// <summary>
    /// Proposes a command as request <paramref name="request"/>: retrying the same request (on this or any
    /// node, also after a failover) returns the first result and never applies the command twice.
    /// </summary>
    /// <exception cref="NoQuorumException">No leader could be reached within an election timeout.</exception>
    /// <exception cref="ProposalRejectedException">Raft refused it (backpressure: too many uncommitted bytes).</exception>
    /// <exception cref="RequestExpiredException">The request is older than its session's window, or its session
    /// expired: whether it was applied can no longer be told.</exception>
    /// <exception cref="TimeoutException">No outcome within <see cref="HaCoreNodeOptions.ProposalTimeout"/>.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled (the command may still be applied).</exception>
    public async ValueTask<TResult> ProposeAsync(ClientRequestId request, TCommand command, CancellationToken cancellationToken = default)
    {
        var proposal = _core.CreateProposal(request, command);
        await EnqueueAsync(() => _core.Propose(proposal), cancellationToken).ConfigureAwait(false);
        var bytes = await proposal.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return _core.DecodeResult(bytes);
    }

    /// <summary>Runs <paramref name="query"/> against the state machine with the given consistency.</summary>
    /// <exception cref="NoQuorumException">A linearizable or lease read found no leader within an election timeout.</exception>
    /// <exception cref="TimeoutException">The read was not served within <see cref="HaCoreNodeOptions.ProposalTimeout"/>.</exception>
    public async ValueTask<ReadResult<TView>> ReadAsync<TView>(
        Func<TStateMachine, TView> query, ReadConsistency consistency = ReadConsistency.Linearizable, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (consistency == ReadConsistency.Lease && !_options.CheckQuorum)
        {
            throw new InvalidOperationException("Lease reads need HaCoreNodeOptions.CheckQuorum.");
        }

        var tcs = new TaskCompletionSource<ReadResult<TView>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var read = new PendingRead<TStateMachine>(
            (sm, applied) => tcs.TrySetResult(new ReadResult<TView>(query(sm), applied)),
            ex => tcs.TrySetException(ex),
            consistency,
            _time.GetUtcNow() + _options.ProposalTimeout);
        await EnqueueAsync(() => _core.Read(read), cancellationToken).ConfigureAwait(false);
        return await tcs.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The committed commands from log index <paramref name="fromIndex"/> on, in order, then live: a subscriber
    /// that resumes from the index after the last one it saw, on any node, sees no gap and no duplicate.
    /// </summary>
    /// <exception cref="EventPositionUnavailableException">The position is older than this node retains (it was
    /// compacted into a snapshot), a snapshot was installed on this node under the subscriber, or the subscriber
    /// fell more than <see cref="HaCoreNodeOptions.SubscriberBuffer"/> behind. Resume from the last index + 1.</exception>
    public async IAsyncEnumerable<AppliedCommand<TCommand, TResult>> SubscribeAsync(
        ulong fromIndex, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<AppliedCommand<TCommand, TResult>>(
            new BoundedChannelOptions(_options.SubscriberBuffer) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        await EnqueueAsync(() => _core.Subscribe(fromIndex, channel.Writer), cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            Enqueue(() => _core.Unsubscribe(channel.Writer));
        }
    }

    /// <summary>Hands leadership to <paramref name="target"/> and waits until it leads.</summary>
    /// <exception cref="TimeoutException">The target did not take over within two election timeouts.</exception>
    public async ValueTask TransferLeadershipAsync(ulong target, CancellationToken cancellationToken = default)
    {
        var deadline = _time.GetUtcNow() + (ElectionTimeout * 2);
        await EnqueueAsync(() => _core.TransferLeadership(target), cancellationToken).ConfigureAwait(false);
        while (Status.Leader != target)
        {
            if (_time.GetUtcNow() > deadline)
            {
                throw new TimeoutException($"Node {target} did not take over leadership within {ElectionTimeout * 2}.");
            }

            await Task.Delay(_options.TickInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Adds <paramref name="nodeId"/>, listening at <paramref name="address"/>, as a learner: it receives
    /// the log but does not vote. Call on the leader.</summary>
    /// <exception cref="NotLeaderException">This node is not the leader.</exception>
    /// <exception cref="ProposalRejectedException">Another membership change is in progress, or the change is invalid.</exception>
    public async ValueTask AddLearnerAsync(ulong nodeId, EndPoint address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        var request = new ClientRequestId(_nodeSession, (ulong)Interlocked.Increment(ref _nextSequence));
        var payload = new byte[8 + System.Text.Encoding.UTF8.GetByteCount(address.ToString()!)];
        BinaryPrimitives.WriteUInt64LittleEndian(payload, nodeId);
        System.Text.Encoding.UTF8.GetBytes(address.ToString()!, payload.AsSpan(8));
        var proposal = _core.CreateProposal(request, EnvelopeKind.Address, payload);
        await EnqueueAsync(() => _core.Propose(proposal), cancellationToken).ConfigureAwait(false);
        await proposal.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await ChangeMembershipAsync(new ConfChange(ConfChangeType.AddLearner, nodeId), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Promotes learner <paramref name="nodeId"/> to voter. Call on the leader.</summary>
    /// <exception cref="NotLeaderException">This node is not the leader.</exception>
    /// <exception cref="ProposalRejectedException">Another membership change is in progress, the change is invalid,
    /// or the learner trails the leader by more than <see cref="HaCoreNodeOptions.MaxPromotionLag"/> entries.</exception>
    public ValueTask PromoteAsync(ulong nodeId, CancellationToken cancellationToken = default) =>
        ChangeMembershipAsync(new ConfChange(ConfChangeType.AddVoter, nodeId), cancellationToken);

    /// <summary>Removes <paramref name="nodeId"/> from the cluster. Call on the leader (which may remove itself).</summary>
    /// <exception cref="NotLeaderException">This node is not the leader.</exception>
    /// <exception cref="ProposalRejectedException">Another membership change is in progress, or the change is invalid.</exception>
    public ValueTask RemoveMemberAsync(ulong nodeId, CancellationToken cancellationToken = default) =>
        ChangeMembershipAsync(new ConfChange(ConfChangeType.Remove, nodeId), cancellationToken);

    /// <summary>
    /// Takes a snapshot of this node's state now, whatever <see cref="HaCoreNodeOptions.SnapshotEveryEntries"/> and the
    /// other thresholds say, and waits until it is on disk; the log is then compacted behind it as usual. Any node.
    /// </summary>
    /// <param name="cancellationToken">Stops the wait (the snapshot is still taken).</param>
    /// <returns>The index the snapshot covers: the applied index when it was asked for, or the last snapshot's when
    /// nothing was applied since.</returns>
    /// <exception cref="TimeoutException">The snapshot was not on disk within a minute.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask<ulong> TakeSnapshotAsync(CancellationToken cancellationToken = default)
    {
        var covers = new TaskCompletionSource<ulong>(TaskCreationOptions.RunContinuationsAsynchronously);
        await EnqueueAsync(() => covers.TrySetResult(_core.RequestSnapshot()), cancellationToken).ConfigureAwait(false);
        var index = await covers.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        var deadline = _time.GetUtcNow() + TimeSpan.FromMinutes(1);
        while (_core.DurableSnapshotIndex < index)
        {
            if (_time.GetUtcNow() > deadline)
            {
                throw new TimeoutException($"Node {NodeId}: the snapshot at index {index} was not on disk within a minute.");
            }

            await Task.Delay(_options.TickInterval, _time, cancellationToken).ConfigureAwait(false);
        }

        return index;
    }

    private async ValueTask ChangeMembershipAsync(ConfChange change, CancellationToken cancellationToken)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await EnqueueAsync(() => _core.ChangeMembership(change, tcs), cancellationToken).ConfigureAwait(false);
        await tcs.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private TimeSpan ElectionTimeout => _options.TickInterval * _options.ElectionTicks;

    /// <summary>Stops the node loop, the transport and the storage. Pending callers fail with <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        if (_admin is not null)
        {
            await _admin.DisposeAsync().ConfigureAwait(false); // its requests end before the loop does
        }

        _stopping.Cancel();
        _ticker?.Dispose();
        Signal();
        if (_thread is not null && _thread != Thread.CurrentThread)
        {
            await Task.Run(() => _thread.Join()).ConfigureAwait(false);
        }

        await _snapshotSaver.Completion.ConfigureAwait(false); // a snapshot being saved finishes before the store closes

        await _transport.DisposeAsync().ConfigureAwait(false);
        _core.FailEverything(new ObjectDisposedException(GetType().Name, $"Node {NodeId} stopped."));
        while (_requests.Reader.TryRead(out _))
        {
        }

        await _storage.DisposeAsync().ConfigureAwait(false);
        _statusFeed.Complete();
        _telemetry.Dispose();
        NodeLog.Stopped(_logger, NodeId);
    }

    /// <summary>The node as its admin endpoint sees it.</summary>
    private sealed class AdminOperations(ulong nodeId) : IAdminOperations
    {
        private ReplicatedStateMachine<TStateMachine, TCommand, TResult> node = null!;

        /// <summary>Set once the node exists, before the admin endpoint accepts its first connection.</summary>
        public ReplicatedStateMachine<TStateMachine, TCommand, TResult> Node
        {
            set => node = value;
        }

        public ulong NodeId => nodeId;

        public NodeStatus Status => node.Status;

        public ulong SnapshotIndex => node._core.SnapshotIndex;

        public ValueTask AddLearnerAsync(ulong nodeId, EndPoint address, CancellationToken cancellationToken) => node.AddLearnerAsync(nodeId, address, cancellationToken);

        public ValueTask PromoteAsync(ulong nodeId, CancellationToken cancellationToken) => node.PromoteAsync(nodeId, cancellationToken);

        public ValueTask RemoveMemberAsync(ulong nodeId, CancellationToken cancellationToken) => node.RemoveMemberAsync(nodeId, cancellationToken);

        public ValueTask TransferLeadershipAsync(ulong target, CancellationToken cancellationToken) => node.TransferLeadershipAsync(target, cancellationToken);

        public ValueTask<ulong> TakeSnapshotAsync(CancellationToken cancellationToken) => node.TakeSnapshotAsync(cancellationToken);
    }
}
