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
/// The backlog is kept encoded (<see cref="RetainedBacklog"/>: the command's and the result's bytes in large
/// reused chunks, with a struct per command) and decoded when a subscriber replays it: at 15k writes/s the
/// default 100,000 commands live ~7 s, long enough to survive gen0 and gen1 and die in gen2, and as objects
/// they made every ephemeral collection promote and copy them. Live subscribers get the objects the apply made.
/// </remarks>
internal sealed class SubscriptionHub<TCommand, TResult>
{
    private readonly RetainedBacklog _retained;
    private readonly List<(ulong From, ChannelWriter<AppliedCommand<TCommand, TResult>> Writer)> _live = [];
    private readonly ICommandCodec<TCommand> _commandCodec;
    private readonly ICommandCodec<TResult> _resultCodec;
    private readonly int _bufferLimit;
    private readonly ulong _nodeId;
    private ulong _retainedFrom = 1;

    public SubscriptionHub(ulong nodeId, int retainLimit, int bufferLimit, ICommandCodec<TCommand> commandCodec, ICommandCodec<TResult> resultCodec, int chunkBytes = RetainedBacklog.DefaultChunkBytes)
    {
        _nodeId = nodeId;
        _retained = new RetainedBacklog(retainLimit, chunkBytes);
        _bufferLimit = bufferLimit;
        _commandCodec = commandCodec;
        _resultCodec = resultCodec;
    }

    /// <summary>Live subscribers.</summary>
    public int Count => _live.Count;

    /// <summary>Retained commands (tests).</summary>
    internal int RetainedCount => _retained.Count;

    /// <summary>Bytes of the chunks the backlog holds, spare included (tests).</summary>
    internal long RetainedChunkBytes => _retained.ChunkBytesHeld;

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

        for (var i = _retained.FirstAtOrAfter(from); i < _retained.Count; i++)
        {
            AppliedCommand<TCommand, TResult> item;
            try
            {
                item = Decode(i);
            }
            catch (Exception ex)
            {
                // The codec could not read back what it wrote: end this stream rather than skip the command.
                writer.TryComplete(new EventPositionUnavailableException(
                    $"Node {_nodeId} could not decode its retained command at index {_retained.IndexAt(i)}: {ex.GetType().Name}: {ex.Message}"));
                return;
            }

            if (!writer.TryWrite(item))
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

    /// <summary>Retains (encoded) and delivers (as the objects given) a newly applied command.</summary>
    /// <param name="context">The apply context; its index is the command's.</param>
    /// <param name="request">The client request.</param>
    /// <param name="encodedCommand">The command as the command codec encoded it (the log entry's payload).</param>
    /// <param name="encodedResult">The result as the result codec encoded it.</param>
    /// <param name="command">The decoded command, for live subscribers.</param>
    /// <param name="result">The result, for live subscribers.</param>
    public void Publish(CommandContext context, ClientRequestId request, ReadOnlySpan<byte> encodedCommand, ReadOnlySpan<byte> encodedResult, TCommand command, TResult result)
    {
        if (_retained.Append(context, request, encodedCommand, encodedResult) is { } evicted)
        {
            _retainedFrom = evicted + 1;
        }

        if (_live.Count == 0)
        {
            return;
        }

        var item = new AppliedCommand<TCommand, TResult>(context.Index, context, request, command, result);
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

    private AppliedCommand<TCommand, TResult> Decode(int i)
    {
        var context = _retained.ContextAt(i, out var request, out var encodedCommand, out var encodedResult);
        var command = _commandCodec.Decode(encodedCommand);
        var result = _resultCodec.Decode(encodedResult);
        return new AppliedCommand<TCommand, TResult>(context.Index, context, request, command, result);
    }
}
