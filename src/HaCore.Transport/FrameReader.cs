using System.Buffers;

namespace HaCore.Transport;

/// <summary>A validated inbound frame; <see cref="Payload"/> is valid until the next read.</summary>
internal readonly record struct InboundFrame(FrameKind Kind, ReadOnlyMemory<byte> Payload, int Length);

/// <summary>
/// Reads length-prefixed frames from a stream into one pooled buffer that grows only up to the frame
/// limit, which is checked on the length prefix before anything is read or allocated.
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
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialBytes);
    private int _start;
    private int _end;
    private int _consumed;

    public FrameReader(Stream stream, int maxFrameBytes)
    {
        _stream = stream;
        MaxFrameBytes = maxFrameBytes;
    }

    public int MaxFrameBytes { get; set; }

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
                _buffer = ArrayPool<byte>.Shared.Rent(InitialBytes);
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
        if (_end - _start >= needed)
        {
            return true;
        }

        if (_buffer.Length - _start < needed)
        {
            var target = needed > _buffer.Length ? ArrayPool<byte>.Shared.Rent(needed) : _buffer;
            _buffer.AsSpan(_start, _end - _start).CopyTo(target);
            if (!ReferenceEquals(target, _buffer))
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = target;
            }

            _end -= _start;
            _start = 0;
        }

        while (_end - _start < needed)
        {
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
        }

        return true;
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
