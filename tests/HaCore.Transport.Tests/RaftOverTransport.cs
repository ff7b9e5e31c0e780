using System.Collections.Concurrent;
using System.Threading.Channels;
using HaCore.Raft;

namespace HaCore.Transport.Tests;

/// <summary>
/// A minimal node loop for end-to-end tests: one RawNode driven by one task, ticking every 10 ms,
/// stepping what the transport delivers, sending its Ready messages. Not the real runtime; enough to
/// show real Raft traffic survives the transport.
/// </summary>
internal sealed class RaftOverTransport : IRaftMessageSink, IAsyncDisposable
{
    private readonly RawNode _node;
    private readonly MemoryRaftStorage _storage;
    private readonly IRaftTransport _transport;
    private readonly Channel<Message> _inbound = Channel.CreateBounded<Message>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentQueue<Action<RawNode>> _commands = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
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

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    public void Propose(byte[] data) => _commands.Enqueue(n => n.Propose(data));

    public bool OnMessage(in Message message) => _inbound.Writer.TryWrite(message);

    public void OnSnapshotStatus(ulong peer, bool delivered) => _commands.Enqueue(n => n.ReportSnapshot(peer, delivered));

    public void OnUnreachable(ulong peer) => _commands.Enqueue(n => n.ReportUnreachable(peer));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        while (await timer.WaitForNextTickAsync(ct))
        {
            _node.Tick();
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
                        Applied.Enqueue(entry.Data.ToArray());
                    }
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
