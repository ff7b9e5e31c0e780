using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;

namespace HaCore.Transport;

/// <summary>An encoded frame: in a buffer rented from <see cref="ArrayPool{T}.Shared"/> (<see cref="Pooled"/>),
/// or, when small, in an array of exactly its length (a pooled one would be rounded up to a power of two).</summary>
internal readonly record struct PooledFrame(byte[] Buffer, int Length, bool Pooled = true)
{
    /// <summary>Frames up to this size get an exact array of their own.</summary>
    public const int ExactArrayBytes = 4096;

    /// <summary>What a queued frame costs besides its bytes: the array's header and the queue's slot, rounded up.</summary>
    public const int OverheadBytes = 48;

    public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(0, Length);

    /// <summary>The bytes a queue counts for this frame: its length and <see cref="OverheadBytes"/>.</summary>
    public long Cost => Length + OverheadBytes;

    /// <summary>A buffer for a frame of <paramref name="length"/> bytes.</summary>
    public static PooledFrame Allocate(int length) => length <= ExactArrayBytes
        ? new PooledFrame(GC.AllocateUninitializedArray<byte>(length), length, Pooled: false)
        : new PooledFrame(ArrayPool<byte>.Shared.Rent(length), length);

    public void Return()
    {
        if (Pooled)
        {
            ArrayPool<byte>.Shared.Return(Buffer);
        }
    }
}

/// <summary>
/// One peer's outbound frames, bounded by bytes: each frame counts its length and a fixed per-frame
/// overhead (<see cref="PooledFrame.Cost"/>), so a flood of tiny messages to a peer that does not read
/// them holds about the limit, not a multiple of it. Producers (the node loop) never block: a frame that
/// would take the queue over its limit is refused (an empty queue takes any one frame). One consumer
/// (the peer's sender task) drains it.
/// </summary>
internal sealed class OutboundQueue
{
    private readonly ConcurrentQueue<PooledFrame> _frames = new();

    // A capacity-1 channel used as an auto-reset signal: writes coalesce, the consumer awaits one read.
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly long _limitBytes;

    // Invariant: the sum of the costs of the frames in _frames (updated before enqueue and after dequeue).
    private long _bytes;

    public OutboundQueue(long limitBytes) => _limitBytes = limitBytes;

    public long Bytes => Interlocked.Read(ref _bytes);

    public int Count => _frames.Count;

    public bool TryEnqueue(PooledFrame frame)
    {
        var cost = frame.Cost;
        var total = Interlocked.Add(ref _bytes, cost);
        if (total > _limitBytes && total != cost)
        {
            Interlocked.Add(ref _bytes, -cost);
            return false;
        }

        _frames.Enqueue(frame);
        Signal();
        return true;
    }

    public bool TryPeek(out PooledFrame frame) => _frames.TryPeek(out frame);

    public bool TryDequeue(out PooledFrame frame)
    {
        if (_frames.TryDequeue(out frame))
        {
            Interlocked.Add(ref _bytes, -frame.Cost);
            return true;
        }

        return false;
    }

    public void Signal() => _signal.Writer.TryWrite(true);

    /// <summary>Completes when something was signalled since the last wait.</summary>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => _signal.Reader.ReadAsync(cancellationToken);

    /// <summary>Returns every queued buffer to the pool; the number of frames dropped.</summary>
    public int Clear()
    {
        var n = 0;
        while (TryDequeue(out var frame))
        {
            frame.Return();
            n++;
        }

        return n;
    }
}
