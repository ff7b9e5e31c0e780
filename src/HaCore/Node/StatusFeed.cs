using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace HaCore;

/// <summary>
/// Tells watchers when the node's role, term, leader, membership or health changes.
/// </summary>
/// <remarks>
/// Invariants: <see cref="Publish"/> is called by one thread at a time (the node loop, or the disposer once the loop has
/// stopped); a watcher first gets the status as of its registration, then every published change in order; a status
/// is a state, not an event, so a watcher that falls more than <see cref="Buffer"/> changes behind loses the oldest of
/// them and still ends on the latest. Commit and applied index alone are not changes (they move on every write).
/// </remarks>
internal sealed class StatusFeed
{
    /// <summary>Changes kept per watcher that has not read them yet.</summary>
    public const int Buffer = 64;

    private readonly Lock _gate = new();
    private readonly List<Channel<NodeStatus>> _watchers = [];
    private NodeStatus _last;
    private bool _completed;

    public StatusFeed(NodeStatus initial) => _last = initial;

    /// <summary>Publishes <paramref name="status"/> when it differs from the last published one in a field that matters.</summary>
    public void Publish(NodeStatus status)
    {
        var last = Volatile.Read(ref _last);
        if (status.Role == last.Role && status.Term == last.Term && status.Leader == last.Leader
            && status.Faulted == last.Faulted && status.Members.Equals(last.Members))
        {
            return;
        }

        lock (_gate)
        {
            _last = status;
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(status);
            }
        }
    }

    /// <summary>Ends every watch (the node stopped).</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }

            _watchers.Clear();
        }
    }

    public async IAsyncEnumerable<NodeStatus> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<NodeStatus>(new BoundedChannelOptions(Buffer) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });
        lock (_gate)
        {
            channel.Writer.TryWrite(_last);
            if (_completed)
            {
                channel.Writer.TryComplete();
            }
            else
            {
                _watchers.Add(channel);
            }
        }

        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var status))
                {
                    yield return status;
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(channel);
            }
        }
    }
}
