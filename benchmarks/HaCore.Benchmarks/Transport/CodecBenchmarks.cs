using System.Buffers;
using BenchmarkDotNet.Attributes;
using HaCore.Raft;
using HaCore.Transport;

namespace HaCore.Benchmarks.Transport;

/// <summary>
/// The transport's hot path: an append of 64 entries of 256 bytes encoded into a pooled buffer (what
/// TrySend does; should allocate nothing) and decoded back (what the receiver does; allocates the
/// message's own copy of the payload and its entry array, nothing per entry).
/// </summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private Message _append;
    private byte[] _frame = [];

    /// <summary>Builds the message and one encoded frame.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var entries = new Entry[64];
        for (var i = 0; i < entries.Length; i++)
        {
            var data = new byte[256];
            data.AsSpan().Fill((byte)i);
            entries[i] = new Entry(7, (ulong)(1001 + i), data);
        }

        _append = new Message { Type = MessageType.Append, From = 1, To = 2, Term = 7, LogTerm = 7, Index = 1000, Commit = 990, Entries = entries };
        _frame = new byte[RaftMessageCodec.GetEncodedLength(_append)];
        RaftMessageCodec.Encode(_append, _frame);
    }

    /// <summary>Encode into a buffer rented from the shared pool, as <c>TrySend</c> does.</summary>
    [Benchmark]
    public int EncodePooled()
    {
        var length = RaftMessageCodec.GetEncodedLength(_append);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        var written = RaftMessageCodec.Encode(_append, buffer);
        ArrayPool<byte>.Shared.Return(buffer);
        return written;
    }

    /// <summary>Validate (checksum included) and decode one frame.</summary>
    [Benchmark]
    public int Decode() => RaftMessageCodec.Decode(_frame).Entries.Length;

    /// <summary>Encode into a pooled buffer, then decode it.</summary>
    [Benchmark]
    public int EncodeDecode()
    {
        var length = RaftMessageCodec.GetEncodedLength(_append);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        RaftMessageCodec.Encode(_append, buffer);
        var decoded = RaftMessageCodec.Decode(buffer.AsSpan(0, length));
        ArrayPool<byte>.Shared.Return(buffer);
        return decoded.Entries.Length;
    }
}
