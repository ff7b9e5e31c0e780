using System.Collections.Concurrent;
using System.Threading.Channels;
using HaCore.Raft;

namespace HaCore.Transport.Tests;

/// <summary>
/// A minimal node loop for end-to-end tests: one RawNode driven by one task, ticking every 10 ms and
/// woken by every delivered message and proposal (so commit latency is the transport's and the
/// loop's, not the tick's), stepping what the transport delivers, sending its Ready messages. Not the
/// real runtime; enough to show real Raft traffic survives the transport.
/// </summary>
internal sealed class RaftOverTransport : IRaftMessageSink, IAsyncDisposable
{
    private readonly RawNode _node;
    private readonly MemoryRaftStorage _storage;
    private readonly IRaftTransport _transport;
    private readonly Channel<Message> _inbound = Channel.CreateBounded<Message>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentQueue<Action<RawNode>> _commands = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private Task _loop = Task.CompletedTask;
    private Task _ticker = Task.CompletedTask;
    private int _signaled;
    private int _tickDue;
    private volatile bool _isLeader;
    private long _term;

    public RaftOverTransport(ulong id, IReadOnlyList<ulong> voters, IRaftTransport transport)
    {
        _storage = new MemoryRaftStorage();
        RaftBootstrap.Bootstrap(_storage, voters);
        _node = new RawNode(new RaftOptions { Id = id, RandomSeed = id * 31 }, _storage);
        _transport = transport;
    }

    public bool IsLeader => _isLeader;

    /// <summary>The node's current term, as of its last loop iteration.</summary>
    public ulong Term => (ulong)Interlocked.Read(ref _term);

    public ConcurrentQueue<byte[]> Applied { get; } = new();

    /// <summary>Called on the loop with every applied entry's data (before it is queued in <see cref="Applied"/>).</summary>
    public Action<byte[]>? AppliedObserver { get; set; }

    /// <summary>When false, applied entries are not kept in <see cref="Applied"/> and the log is compacted
    /// behind the applied index (keeping the last <see cref="CompactionMargin"/> entries for slow followers),
    /// so that a long measurement does not measure the growth of its own history. Default true.</summary>
    public bool RetainHistory { get; set; } = true;

    private const ulong CompactionMargin = 20_000;
    private ulong _applied;

    /// <summary>Messages the inbound queue refused (it was full).</summary>
    public long InboundDropped => Interlocked.Read(ref _inboundDropped);

    private long _inboundDropped;

    public void Start()
    {
        _loop = Task.Run(() => RunAsync(_stop.Token));
        _ticker = Task.Run(() => TickAsync(_stop.Token));
    }

    public void Propose(byte[] data)
    {
        _commands.Enqueue(n => n.Propose(data));
        Signal();
    }

    public bool OnMessage(in Message message)
    {
        if (!_inbound.Writer.TryWrite(message))
        {
            Interlocked.Increment(ref _inboundDropped);
            return false;
        }

        Signal();
        return true;
    }

    public void OnSnapshotStatus(ulong peer, bool delivered)
    {
        _commands.Enqueue(n => n.ReportSnapshot(peer, delivered));
        Signal();
    }

    public void OnUnreachable(ulong peer)
    {
        _commands.Enqueue(n => n.ReportUnreachable(peer));
        Signal();
    }

    private void Signal()
    {
        if (Interlocked.Exchange(ref _signaled, 1) == 0)
        {
            _wake.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var task in new[] { _loop, _ticker })
        {
            try
            {
                await task;
            }
            catch (OperationCanceledException)
            {
            }
        }

        // _wake is not disposed: a transport still running may deliver (and signal) after this.
        _stop.Dispose();
    }

    private async Task TickAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        while (await timer.WaitForNextTickAsync(ct))
        {
            Interlocked.Exchange(ref _tickDue, 1);
            Signal();
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        while (true)
        {
            await _wake.WaitAsync(ct);
            Interlocked.Exchange(ref _signaled, 0);
            if (Interlocked.Exchange(ref _tickDue, 0) == 1)
            {
                _node.Tick();
            }

            while (_commands.TryDequeue(out var command))
            {
                command(_node);
            }

            while (_inbound.Reader.TryRead(out var message))
            {
                _node.Step(message);
            }

            while (_node.HasReady)
            {
                var ready = _node.GetReady();
                Send(ready.Messages);
                _storage.Append(ready.Entries.Span);
                if (ready.HardState is { } hard)
                {
                    _storage.SetHardState(hard);
                }

                Send(ready.MessagesAfterPersist);
                foreach (var entry in ready.CommittedEntries.Span)
                {
                    if (entry.Type == EntryType.Normal && !entry.Data.IsEmpty)
                    {
                        var data = entry.Data.ToArray();
                        AppliedObserver?.Invoke(data);
                        if (RetainHistory)
                        {
                            Applied.Enqueue(data);
                        }
                    }

                    _applied = entry.Index;
                }

                if (!RetainHistory && _applied > 2 * CompactionMargin && _applied - CompactionMargin > _storage.FirstIndex + CompactionMargin)
                {
                    _storage.Compact(_applied - CompactionMargin);
                }

                _node.Advance();
            }

            _isLeader = _node.Role == RaftRole.Leader;
            Interlocked.Exchange(ref _term, (long)_node.Term);
        }
    }

    private void Send(ReadOnlySpan<Message> messages)
    {
        foreach (ref readonly var m in messages)
        {
            _transport.TrySend(m);
        }
    }
}
