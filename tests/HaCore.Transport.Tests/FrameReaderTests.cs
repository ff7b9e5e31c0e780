using System.Buffers.Binary;

namespace HaCore.Transport.Tests;

/// <summary>The frame reader's memory follows the bytes that arrive, not the lengths peers announce.</summary>
public sealed class FrameReaderTests
{
    [Fact]
    public async Task A_frame_announced_at_the_limit_of_which_little_arrives_holds_only_what_arrived()
    {
        const int limit = 16 << 20;
        var start = new byte[64 << 10];
        BinaryPrimitives.WriteUInt32LittleEndian(start, limit - 4); // a frame of exactly the limit: allowed
        start[4] = RaftMessageCodec.FormatVersion;
        start[5] = (byte)FrameKind.Message;
        var stream = new StallingStream(start);
        using var reader = new FrameReader(stream, limit);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var read = reader.ReadAsync(stop.Token).AsTask();
        await Wait.UntilAsync(() => stream.Stalled, "the reader has taken the 64 KiB and waits for more");
        Assert.Equal(start.Length, reader.BytesReceived);
        Assert.True(reader.BufferBytes <= 4 * start.Length, $"{reader.BufferBytes} bytes held for {start.Length} received of a {limit}-byte frame");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }

    [Fact]
    public async Task A_large_frame_arriving_in_pieces_is_read_whole()
    {
        var frame = new byte[RaftMessageCodec.GetEncodedLength(Messages.Append(1, 2, 5, payloadBytes: 3 << 20))];
        RaftMessageCodec.Encode(Messages.Append(1, 2, 5, payloadBytes: 3 << 20), frame);
        var twice = frame.Concat(frame).ToArray();
        using var reader = new FrameReader(new TrickleStream(twice, 7919), 4 << 20);
        for (var i = 0; i < 2; i++)
        {
            var read = await reader.ReadAsync(TestContext.Current.CancellationToken);
            Assert.NotNull(read);
            Assert.Equal(frame.Length, read.Value.Length);
            Assert.Equal(5ul, RaftMessageCodec.ReadMessageBody(read.Value.Payload.ToArray()).Index);
        }

        Assert.Null(await reader.ReadAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>Returns its bytes, then blocks (until cancelled) as a peer that stopped sending.</summary>
    private sealed class StallingStream(byte[] data) : Stream
    {
        private int _position;
        private volatile bool _stalled;

        public bool Stalled => _stalled;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position < data.Length)
            {
                var n = Math.Min(buffer.Length, data.Length - _position);
                data.AsMemory(_position, n).CopyTo(buffer);
                _position += n;
                return n;
            }

            _stalled = true;
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Returns its bytes in pieces of pseudo-random sizes, then end of stream.</summary>
    private sealed class TrickleStream(byte[] data, int seed) : Stream
    {
        private readonly Random _random = new(seed);
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = Math.Min(Math.Min(buffer.Length, data.Length - _position), _random.Next(1, 200_000));
            data.AsMemory(_position, n).CopyTo(buffer);
            _position += n;
            return ValueTask.FromResult(n);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
