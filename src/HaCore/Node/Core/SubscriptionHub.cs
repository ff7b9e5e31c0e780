using System.Threading.Channels;

namespace HaCore;

/// <summary>
/// The applied commands this node retains for subscribers, and the live subscribers.
/// </summary>
/// <remarks>
/// Invariants:
/// <list type="bullet">
/// <item>A subscriber that starts at index <c>s</c> receives, in index order and each once, every applied
/// command with index at least <c>s</c>: the retained backlog first, then live ones. A subscriber that resumes
/// ahead of what this node has applied receives nothing below its start.</item>
/// <item>When that cannot continue (its start was compacted into a snapshot, a snapshot was installed under it,
/// or it fell more than its buffer behind), its stream ends with <see cref="EventPositionUnavailableException"/>:
/// never a silent gap. It resumes from its last index + 1, on this node or another.</item>
/// <item>Retries answered from the session table are not published again (they were published when applied).</item>
/// </list>
/// </remarks>
internal sealed class SubscriptionHub<TCommand, TResult>
{
    private readonly Queue<AppliedCommand<TCommand, TResult>> _retained = new();
    private readonly List<(ulong From, ChannelWriter<AppliedCommand<TCommand, TResult>> Writer)> _live = [];
    private readonly int _retainLimit;
    private readonly int _bufferLimit;
    private readonly ulong _nodeId;
    private ulong _retainedFrom = 1;

    public SubscriptionHub(ulong nodeId, int retainLimit, int bufferLimit)
    {
        _nodeId = nodeId;
        _retainLimit = retainLimit;
        _bufferLimit = bufferLimit;
    }

    /// <summary>Live subscribers.</summary>
    public int Count => _live.Count;

    /// <summary>Adds a subscriber from <paramref name="fromIndex"/>: replays the retained backlog, then follows.</summary>
    public void Add(ulong fromIndex, ChannelWriter<AppliedCommand<TCommand, TResult>> writer)
    {
        var from = Math.Max(fromIndex, 1);
        if (from < _retainedFrom)
        {
            writer.TryComplete(new EventPositionUnavailableException(
                $"Node {_nodeId} retains applied commands from index {_retainedFrom}; {from} was compacted into a snapshot. Read the state, then subscribe from its applied index + 1."));
            return;
        }

        foreach (var item in _retained)
        {
            if (item.Index >= from && !writer.TryWrite(item))
            {
                writer.TryComplete(new EventPositionUnavailableException(
                    $"The subscriber's buffer ({_bufferLimit}) is too small for the backlog from {from}; raise SubscriberBuffer."));
                return;
            }
        }

        _live.Add((from, writer));
    }

    /// <summary>Removes a subscriber that stopped reading.</summary>
    public void Remove(ChannelWriter<AppliedCommand<TCommand, TResult>> writer) => _live.RemoveAll(s => s.Writer == writer);

    /// <summary>Retains and delivers a newly applied command.</summary>
    public void Publish(AppliedCommand<TCommand, TResult> item)
    {
        _retained.Enqueue(item);
        if (_retained.Count > _retainLimit)
        {
            _retainedFrom = _retained.Dequeue().Index + 1;
        }

        for (var i = _live.Count - 1; i >= 0; i--)
        {
            var (from, writer) = _live[i];
            if (item.Index >= from && !writer.TryWrite(item))
            {
                writer.TryComplete(new EventPositionUnavailableException(
                    $"The subscriber fell more than {_bufferLimit} commands behind at index {item.Index}; resume from its last index + 1."));
                _live.RemoveAt(i);
            }
        }
    }

    /// <summary>The state was replaced by a snapshot at <paramref name="snapshotIndex"/>: nothing before it can be
    /// replayed from here, and live subscribers cannot continue without a gap, so their streams end.</summary>
    public void Reset(ulong snapshotIndex)
    {
        _retained.Clear();
        _retainedFrom = snapshotIndex + 1;
        foreach (var (_, writer) in _live)
        {
            writer.TryComplete(new EventPositionUnavailableException(
                $"Node {_nodeId} installed a snapshot at index {snapshotIndex}; the commands before it cannot be replayed here. Resume from your last index + 1 on another node, or read the state and subscribe from {snapshotIndex + 1}."));
        }

        _live.Clear();
    }

    /// <summary>Ends every stream with <paramref name="error"/> (the node stops).</summary>
    public void FailAll(Exception error)
    {
        foreach (var (_, writer) in _live)
        {
            writer.TryComplete(error);
        }

        _live.Clear();
    }
}
