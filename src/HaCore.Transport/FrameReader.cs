using System.Buffers;

namespace HaCore.Transport;

/// <summary>A validated inbound frame; <see cref="Payload"/> is valid until the next read.</summary>
internal readonly record struct InboundFrame(FrameKind Kind, ReadOnlyMemory<byte> Payload, int Length);

/// <summary>
/// Reads length-prefixed frames from a stream into one pooled buffer. The frame limit is checked on the
/// length prefix before anything is read or allocated, and the buffer then grows (doubling) with the
/// bytes that actually arrive, not with what the prefix announces: a peer announcing a frame of
/// <see cref="MaxFrameBytes"/> and sending nothing more costs the initial buffer only.
/// </summary>
/// <remarks>
/// Plain streams rather than System.IO.Pipelines: SslStream is a Stream, each connection has exactly
/// one reader, and a frame must be whole (and its checksum verified) before it is decoded, so a single
/// reusable buffer gives the same batching of socket reads with less machinery and an explicit bound.
/// </remarks>
internal sealed class FrameReader : IDisposable
{
    private const int InitialBytes = 64 << 10;
    private readonly Stream _stream;
    private readonly int _initialBytes;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private int _consumed;

    public FrameReader(Stream stream, int maxFrameBytes)
    {
        _stream = stream;
        MaxFrameBytes = maxFrameBytes;
        _initialBytes = Math.Min(InitialBytes, maxFrameBytes);
        _buffer = ArrayPool<byte>.Shared.Rent(_initialBytes);
    }

    public int MaxFrameBytes { get; set; }

    /// <summary>Bytes read from the stream so far (for logs: how far a refused connection got).</summary>
    public long BytesReceived { get; private set; }

    /// <summary>The size of the buffer currently held (tests: it follows the bytes received, not the announced length).</summary>
    public int BufferBytes => _buffer.Length;

    /// <summary>Reads the next frame; null on a clean end of stream between frames.</summary>
    /// <exception cref="RaftFrameException">The frame is oversized or malformed.</exception>
    /// <exception cref="EndOfStreamException">The stream ended inside a frame.</exception>
    public async ValueTask<InboundFrame?> ReadAsync(CancellationToken cancellationToken)
    {
        _start += _consumed;
        _consumed = 0;
        if (_start == _end)
        {
            _start = _end = 0;
            if (_buffer.Length > InitialBytes * 4)
            {
                // A large frame went by; do not keep its buffer for the life of the connection.
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = ArrayPool<byte>.Shared.Rent(_initialBytes);
            }
        }

        if (!await FillAsync(4, allowEndOfStream: true, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var total = RaftMessageCodec.ReadFrameLength(_buffer.AsSpan(_start, 4), MaxFrameBytes);
        await FillAsync(total, allowEndOfStream: false, cancellationToken).ConfigureAwait(false);
        RaftMessageCodec.ValidateFrame(_buffer.AsSpan(_start, total), MaxFrameBytes, out var kind);
        var payload = _buffer.AsMemory(_start + RaftMessageCodec.HeaderBytes, total - RaftMessageCodec.FrameOverheadBytes);
        _consumed = total;
        return new InboundFrame(kind, payload, total);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private async ValueTask<bool> FillAsync(int needed, bool allowEndOfStream, CancellationToken cancellationToken)
    {
        while (_end - _start < needed)
        {
            MakeRoom(needed);
            var n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (allowEndOfStream && _end == _start)
                {
                    return false;
                }

                throw new EndOfStreamException($"The connection closed inside a frame ({_end - _start} of {needed} bytes read).");
            }

            _end += n;
            BytesReceived += n;
        }

        return true;
    }

    /// <summary>Ensures there is space after <c>_end</c> for the next read: moves what is held to the start
    /// of the buffer when the frame would not fit behind it, and, only when the buffer is full, doubles it
    /// (capped at <paramref name="needed"/>), so memory follows the bytes that arrived.</summary>
    private void MakeRoom(int needed)
    {
        var held = _end - _start;
        if (_start > 0 && _buffer.Length - _start < needed)
        {
            _buffer.AsSpan(_start, held).CopyTo(_buffer);
            _start = 0;
            _end = held;
        }

        if (_end < _buffer.Length)
        {
            return;
        }

        var size = (int)Math.Min(needed, Math.Max((long)_buffer.Length * 2, _initialBytes));
        var target = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(_start, held).CopyTo(target);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = target;
        _end = held;
        _start = 0;
    }
}

/// <summary>The remote end refused our handshake.</summary>
internal sealed class HandshakeRefusedException : IOException
{
    public HandshakeRefusedException(string message)
        : base(message)
    {
    }
}
