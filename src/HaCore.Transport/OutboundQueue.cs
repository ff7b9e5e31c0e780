using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;

namespace HaCore.Transport;

/// <summary>An encoded frame in a buffer rented from <see cref="ArrayPool{T}.Shared"/>.</summary>
internal readonly record struct PooledFrame(byte[] Buffer, int Length)
{
    public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(0, Length);

    public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
}

/// <summary>
/// One peer's outbound frames, bounded by bytes. Producers (the node loop) never block: a frame that
/// would take the queue over its limit is refused. One consumer (the peer's sender task) drains it.
/// </summary>
internal sealed class OutboundQueue
{
    private readonly ConcurrentQueue<PooledFrame> _frames = new();

    // A capacity-1 channel used as an auto-reset signal: writes coalesce, the consumer awaits one read.
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly long _limitBytes;

    // Invariant: the sum of the lengths of the frames in _frames (updated before enqueue and after dequeue).
    private long _bytes;

    public OutboundQueue(long limitBytes) => _limitBytes = limitBytes;

    public long Bytes => Interlocked.Read(ref _bytes);

    public int Count => _frames.Count;

    public bool TryEnqueue(PooledFrame frame)
    {
        if (Interlocked.Add(ref _bytes, frame.Length) > _limitBytes)
        {
            Interlocked.Add(ref _bytes, -frame.Length);
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
            Interlocked.Add(ref _bytes, -frame.Length);
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
