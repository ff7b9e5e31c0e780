using System.Buffers;
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
/// A single loop thread owns the Raft core, the storage and the state machine: it drains bounded queues
/// of requests and received messages, handles each Raft Ready with one group fsync, applies committed
/// entries in order and completes the waiting callers. Queries run on that thread too: keep them short.
/// </remarks>
public sealed partial class ReplicatedStateMachine<TStateMachine, TCommand, TResult> : IAsyncDisposable
    where TStateMachine : IStateMachine<TCommand, TResult>
{
    private readonly HaCoreNodeOptions _options;
    private readonly TStateMachine _stateMachine;
    private readonly ICommandCodec<TCommand> _commandCodec;
    private readonly ICommandCodec<TResult> _resultCodec;
    private readonly IRaftTransport _transport;
    private readonly DurableRaftStorage _storage;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RuntimeState _runtime;
    private readonly Channel<Action> _requests;
    private readonly Channel<Message> _inbound;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly NodeTelemetry _telemetry;
    private readonly Guid _nodeSession = Guid.NewGuid();
    private readonly CancellationTokenSource _stopping = new();
    private RawNode _raw = null!;
    private Thread? _thread;
    private ITimer? _ticker;
    private int _signaled;
    private int _pendingTicks;
    private long _nextSequence;
    private volatile NodeStatus _status;
    private CancellationTokenSource _leadership = new();
    private Exception? _fault;

    private ReplicatedStateMachine(
        HaCoreNodeOptions options, TStateMachine stateMachine, ICommandCodec<TCommand> commandCodec, ICommandCodec<TResult> resultCodec,
        IRaftTransport transport, DurableRaftStorage storage, ILogger logger, TimeProvider time)
    {
        _options = options;
        _stateMachine = stateMachine;
        _commandCodec = commandCodec;
        _resultCodec = resultCodec;
        _transport = transport;
        _storage = storage;
        _logger = logger;
        _time = time;
        _runtime = new RuntimeState(options.ResultsPerSession, options.SessionTimeout);
        _requests = Channel.CreateBounded<Action>(new BoundedChannelOptions(options.MaxPendingRequests) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _inbound = Channel.CreateBounded<Message>(new BoundedChannelOptions(options.MaxInboundMessages) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
        _leadership.Cancel();
        _status = new NodeStatus(options.NodeId, RaftRole.Follower, 0, 0, 0, 0, ConfState.Empty, false);
        _telemetry = new NodeTelemetry(
            options.NodeId,
            () => (long)_status.Term,
            () => (long)(_status.CommitIndex - Math.Min(_status.CommitIndex, _status.AppliedIndex)),
            () => _requests.Reader.Count,
            () => _inbound.Reader.Count);
    }

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
    /// <exception cref="IOException">The data directory cannot be opened (for example another process holds it).</exception>
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
        var storageOptions = CopyStorageOptions(options);
        var storage = DurableRaftStorage.Open(storageOptions, options.StorageDevice, logger: loggerFactory?.CreateLogger("HaCore.Storage"));
        var node = new ReplicatedStateMachine<TStateMachine, TCommand, TResult>(
            options, stateMachine, commandCodec, resultCodec, transport, storage, logger, timeProvider ?? TimeProvider.System);
        try
        {
            node.Open();
            await transport.StartAsync(new Sink(node), cancellationToken).ConfigureAwait(false);
            node.Run();
            return node;
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static StorageOptions CopyStorageOptions(HaCoreNodeOptions options) => new()
    {
        DirectoryPath = options.DataDirectory,
        ClusterId = options.ClusterId,
        SegmentSizeBytes = options.Storage.SegmentSizeBytes,
        MaxRecordBytes = options.Storage.MaxRecordBytes,
        MaxOpenFiles = options.Storage.MaxOpenFiles,
        EntryCacheBytes = options.Storage.EntryCacheBytes,
        WriteBufferBytes = options.Storage.WriteBufferBytes,
        MaxSnapshotBytes = options.Storage.MaxSnapshotBytes,
        SnapshotChunkBytes = options.Storage.SnapshotChunkBytes,
        SnapshotsToKeep = options.Storage.SnapshotsToKeep,
        ZeroFillSegments = options.Storage.ZeroFillSegments,
        PrepareSegmentsAhead = options.Storage.PrepareSegmentsAhead,
    };

    /// <summary>This node's id.</summary>
    public ulong NodeId => _options.NodeId;

    /// <summary>Role, term, leader, commit and applied index, and members, as of the last loop iteration.</summary>
    public NodeStatus Status => _status;

    /// <summary>A token cancelled when this node stops leading (already cancelled when it does not lead now).</summary>
    public CancellationToken LeadershipToken => Volatile.Read(ref _leadership).Token;

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
    /// <exception cref="ProposalRejectedException">Raft refused it, or the request is so old that its result is gone.</exception>
    /// <exception cref="TimeoutException">No outcome within <see cref="HaCoreNodeOptions.ProposalTimeout"/>.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled (the command may still be applied).</exception>
    public async ValueTask<TResult> ProposeAsync(ClientRequestId request, TCommand command, CancellationToken cancellationToken = default)
    {
        if (request.Sequence == 0)
        {
            throw new ArgumentException("Request sequence numbers start at 1.", nameof(request));
        }

        var payload = new ArrayBufferWriter<byte>();
        _commandCodec.Encode(command, payload);
        var data = EntryEnvelope.Encode(EnvelopeKind.Command, request, _time.GetUtcNow().ToUnixTimeMilliseconds(), payload.WrittenSpan);
        var bytes = await ProposeEntryAsync(request, data, cancellationToken).ConfigureAwait(false);
        return _resultCodec.Decode(bytes);
    }

    /// <summary>Runs <paramref name="query"/> against the state machine with the given consistency.</summary>
    /// <exception cref="NoQuorumException">A linearizable or lease read found no leader.</exception>
    /// <exception cref="TimeoutException">The read was not confirmed within <see cref="HaCoreNodeOptions.ProposalTimeout"/>.</exception>
    public async ValueTask<ReadResult<TView>> ReadAsync<TView>(
        Func<TStateMachine, TView> query, ReadConsistency consistency = ReadConsistency.Linearizable, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (consistency == ReadConsistency.Lease && !_options.CheckQuorum)
        {
            throw new InvalidOperationException("Lease reads need HaCoreNodeOptions.CheckQuorum.");
        }

        var tcs = new TaskCompletionSource<ReadResult<TView>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var read = new PendingRead(
            (sm, applied) => tcs.TrySetResult(new ReadResult<TView>(query(sm), applied)),
            ex => tcs.TrySetException(ex),
            _time.GetUtcNow() + _options.ProposalTimeout);
        await EnqueueAsync(() => StartRead(read, consistency), cancellationToken).ConfigureAwait(false);
        return await tcs.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The committed commands from log index <paramref name="fromIndex"/> on, in order, then live: a subscriber
    /// that resumes from the index after the last one it saw, on any node, sees no gap and no duplicate.
    /// </summary>
    /// <exception cref="EventPositionUnavailableException">The position is older than this node retains (it was
    /// compacted into a snapshot), or the subscriber fell more than <see cref="HaCoreNodeOptions.SubscriberBuffer"/> behind.</exception>
    public async IAsyncEnumerable<AppliedCommand<TCommand, TResult>> SubscribeAsync(
        ulong fromIndex, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<AppliedCommand<TCommand, TResult>>(
            new BoundedChannelOptions(_options.SubscriberBuffer) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        await EnqueueAsync(() => AddSubscriber(fromIndex, channel), cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            Enqueue(() => _subscribers.Remove(channel));
        }
    }

    /// <summary>Hands leadership to <paramref name="target"/> and waits until it leads.</summary>
    /// <exception cref="NotLeaderException">This node does not lead and knows no leader to ask.</exception>
    /// <exception cref="TimeoutException">The target did not take over within two election timeouts.</exception>
    public async ValueTask TransferLeadershipAsync(ulong target, CancellationToken cancellationToken = default)
    {
        var deadline = _time.GetUtcNow() + (ElectionTimeout * 2);
        await EnqueueAsync(() => _raw.TransferLeadership(target), cancellationToken).ConfigureAwait(false);
        while (_status.Leader != target)
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
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(payload, nodeId);
        System.Text.Encoding.UTF8.GetBytes(address.ToString()!, payload.AsSpan(8));
        await ProposeEntryAsync(request, EntryEnvelope.Encode(EnvelopeKind.Address, request, _time.GetUtcNow().ToUnixTimeMilliseconds(), payload), cancellationToken)
            .ConfigureAwait(false);
        await ChangeMembershipAsync(new ConfChange(ConfChangeType.AddLearner, nodeId), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Promotes learner <paramref name="nodeId"/> to voter. Call on the leader.</summary>
    /// <exception cref="NotLeaderException">This node is not the leader.</exception>
    /// <exception cref="ProposalRejectedException">Another membership change is in progress, or the change is invalid.</exception>
    public ValueTask PromoteAsync(ulong nodeId, CancellationToken cancellationToken = default) =>
        ChangeMembershipAsync(new ConfChange(ConfChangeType.AddVoter, nodeId), cancellationToken);

    /// <summary>Removes <paramref name="nodeId"/> from the cluster. Call on the leader (which may remove itself).</summary>
    /// <exception cref="NotLeaderException">This node is not the leader.</exception>
    /// <exception cref="ProposalRejectedException">Another membership change is in progress, or the change is invalid.</exception>
    public ValueTask RemoveMemberAsync(ulong nodeId, CancellationToken cancellationToken = default) =>
        ChangeMembershipAsync(new ConfChange(ConfChangeType.Remove, nodeId), cancellationToken);

    private async ValueTask ChangeMembershipAsync(ConfChange change, CancellationToken cancellationToken)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await EnqueueAsync(() => StartConfChange(change, tcs), cancellationToken).ConfigureAwait(false);
        await tcs.Task.WaitAsync(_options.ProposalTimeout, _time, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<byte[]> ProposeEntryAsync(ClientRequestId request, byte[] data, CancellationToken cancellationToken)
    {
        var tcs = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var proposal = new PendingProposal(request, data, tcs, _time.GetUtcNow(), _time.GetUtcNow() + _options.ProposalTimeout);
        await EnqueueAsync(() => StartProposal(proposal), cancellationToken).ConfigureAwait(false);
        return await tcs.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private TimeSpan ElectionTimeout => _options.TickInterval * _options.ElectionTicks;

    private async ValueTask EnqueueAsync(Action action, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        if (_fault is { } fault)
        {
            throw new HaCoreException($"Node {NodeId} stopped on an error: {fault.Message}", fault);
        }

        // A full queue makes callers wait: backpressure instead of memory growth.
        await _requests.Writer.WriteAsync(action, cancellationToken).ConfigureAwait(false);
        Signal();
    }

    private void Enqueue(Action action)
    {
        if (_requests.Writer.TryWrite(action))
        {
            Signal();
        }
    }

    private void Signal()
    {
        if (Interlocked.Exchange(ref _signaled, 1) == 0)
        {
            _signal.Release();
        }
    }

    /// <summary>Stops the node loop, the transport and the storage. Pending callers fail with <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        _ticker?.Dispose();
        Signal();
        if (_thread is not null && _thread != Thread.CurrentThread)
        {
            await Task.Run(() => _thread.Join()).ConfigureAwait(false);
        }

        await _transport.DisposeAsync().ConfigureAwait(false);
        FailEverything(new ObjectDisposedException(GetType().Name, $"Node {NodeId} stopped."));
        await _storage.DisposeAsync().ConfigureAwait(false);
        _telemetry.Dispose();
        _leadership.Cancel();
        NodeLog.Stopped(_logger, NodeId);
    }

    private sealed class Sink(ReplicatedStateMachine<TStateMachine, TCommand, TResult> node) : IRaftMessageSink
    {
        public bool OnMessage(in Message message)
        {
            if (!node._inbound.Writer.TryWrite(message))
            {
                return false;
            }

            node.Signal();
            return true;
        }

        public void OnSnapshotStatus(ulong peer, bool delivered) => node.Enqueue(() => node._raw.ReportSnapshot(peer, delivered));

        public void OnUnreachable(ulong peer) => node.Enqueue(() => node._raw.ReportUnreachable(peer));
    }
}
