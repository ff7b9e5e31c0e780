using System.Threading.Channels;

namespace HaCore.Testing.WholeNode;

/// <summary>
/// A subscriber of the simulator: follows one node's event stream and, when the stream ends (the node crashed,
/// a snapshot was installed under it, it fell behind), resumes from its last index + 1 on another node. When
/// no node can resume it (its position was compacted everywhere), it starts a new segment from a node's
/// applied index + 1, as the documented exception says.
/// </summary>
internal sealed class Subscriber(int id)
{
    private int _emptyResumes;

    public int Id { get; } = id;

    public ulong Node { get; private set; }

    public Channel<AppliedCommand<string, string>>? Channel { get; private set; }

    /// <summary>Index to resume from.</summary>
    public ulong Next { get; private set; } = 1;

    /// <summary>Runs of received indexes, each of which must be gap-free; a new run starts only after a documented end.</summary>
    public List<(ulong Start, List<ulong> Indexes)> Segments { get; } = [(1, [])];

    /// <summary>How the streams ended, for the failure message.</summary>
    public List<string> Ends { get; } = [];

    public void Attach(SimWholeNode node, WholeNodeSimulator sim)
    {
        if (_emptyResumes >= 3 && node.Status is { } status)
        {
            // Documented: read the state, then subscribe from its applied index + 1.
            Next = status.AppliedIndex + 1;
            Segments.Add((Next, []));
            _emptyResumes = 0;
        }

        Node = node.Id;
        Channel = System.Threading.Channels.Channel.CreateBounded<AppliedCommand<string, string>>(new BoundedChannelOptions(10_000) { SingleReader = true, SingleWriter = true });
        var writer = Channel.Writer;
        var from = Next;
        sim.Guard(node, () => node.Core!.Subscribe(from, writer));
    }

    /// <summary>Takes what arrived; returns how many items.</summary>
    public int Drain(WholeNodeSimulator sim)
    {
        if (Channel is not { } channel)
        {
            return 0;
        }

        var n = 0;
        while (channel.Reader.TryRead(out var item))
        {
            if (item.Index < Next)
            {
                throw sim.Fail($"subscriber {Id}: got index {item.Index} from node {Node}, but it resumed from {Next} (a duplicate or out of order)");
            }

            Segments[^1].Indexes.Add(item.Index);
            Next = item.Index + 1;
            n++;
        }

        if (n > 0)
        {
            _emptyResumes = 0;
        }

        if (channel.Reader.Completion.IsCompleted)
        {
            var reason = channel.Reader.Completion.Exception?.InnerException;
            if (reason is not (EventPositionUnavailableException or HaCoreException))
            {
                throw sim.Fail($"subscriber {Id}: stream from node {Node} ended without a documented exception: {reason?.GetType().Name ?? "completed"}");
            }

            Ends.Add($"node {Node} at {Next}: {reason.GetType().Name}");
            _emptyResumes += n == 0 ? 1 : 0;
            sim.Stats.Resumes++;
            Channel = null;
        }
        else if (!sim.Nodes[Node].Alive)
        {
            Channel = null;
        }

        return n;
    }
}
