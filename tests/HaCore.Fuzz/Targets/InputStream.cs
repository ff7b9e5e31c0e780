namespace HaCore.Fuzz.Targets;

/// <summary>
/// A connection as a target sees it: reads the fuzz input and then the end of the stream, and takes what the
/// code under fuzz writes, keeping it when <paramref name="keepAtMost"/> is given (more is a contract breach:
/// a handshake writes a few small frames) or only counting it otherwise.
/// </summary>
internal sealed class InputStream(byte[] input, int? keepAtMost = null) : Stream
{
    private readonly MemoryStream _input = new(input, writable: false);
    private readonly MemoryStream? _kept = keepAtMost is null ? null : new();

    /// <summary>What was written, when kept.</summary>
    public byte[] Written => _kept?.ToArray() ?? throw new InvalidOperationException("this stream only counts what is written");

    /// <summary>How many bytes were written.</summary>
    public long WrittenBytes { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => _input.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _input.ReadAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => Take(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Take(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Take(ReadOnlySpan<byte> bytes)
    {
        WrittenBytes += bytes.Length;
        if (_kept is null)
        {
            return;
        }

        if (WrittenBytes > keepAtMost)
        {
            throw new FuzzContractException($"the code under fuzz wrote more than {keepAtMost} bytes");
        }

        _kept.Write(bytes);
    }
}
