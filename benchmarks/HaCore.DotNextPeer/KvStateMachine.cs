using System.Buffers;
using System.Buffers.Binary;
using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

namespace HaCore.DotNextPeer;

/// <summary>
/// The load test's key-value state machine (benchmarks/HaCore.LoadTest/KvModel.cs, KvStore) on DotNext's
/// <see cref="SimpleStateMachine"/>: a fixed array of <c>keys</c> slots, each holding the last value written to it.
/// A log entry is the harness's KvPut encoding: key (int32 LE), then the value bytes. A key out of range is ignored
/// identically on every replica. The snapshot is the slot count, then each slot as length (int32 LE, -1 for none)
/// and bytes, in key order, taken every <c>snapshotEvery</c> entries (HaCore's SnapshotEveryEntries).
/// </summary>
internal sealed class KvStateMachine(DirectoryInfo location, int keys, long snapshotEvery) : SimpleStateMachine(location)
{
    private byte[]?[] _values = new byte[]?[keys];

    public byte[]? Get(int key)
    {
        var values = Volatile.Read(ref _values);
        return (uint)key < (uint)values.Length ? Volatile.Read(ref values[key]) : null;
    }

    protected override ValueTask<bool> ApplyAsync(LogEntry entry, CancellationToken token)
    {
        if (!entry.IsConfiguration && entry.TryGetPayload(out var payload) && payload.Length >= 4)
        {
            Span<byte> head = stackalloc byte[4];
            payload.Slice(0, 4).CopyTo(head);
            var key = BinaryPrimitives.ReadInt32LittleEndian(head);
            var values = _values;
            if ((uint)key < (uint)values.Length)
            {
                Volatile.Write(ref values[key], payload.Slice(4).ToArray());
            }
        }

        // DotNext's own entries (the no-op of a new term, membership configuration) change nothing.
        return ValueTask.FromResult(snapshotEvery > 0 && entry.Index % snapshotEvery == 0);
    }

    protected override ValueTask PersistAsync(IAsyncBinaryWriter writer, CancellationToken token)
    {
        // Called while the next ApplyAsync waits for it (SimpleStateMachine ends the snapshot before applying more).
        var values = _values;
        var size = 4 + values.Sum(v => 4 + (v?.Length ?? 0));
        var buffer = new byte[size];
        BinaryPrimitives.WriteInt32LittleEndian(buffer, values.Length);
        var offset = 4;
        foreach (var value in values)
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(offset), value?.Length ?? -1);
            offset += 4;
            value?.CopyTo(buffer.AsSpan(offset));
            offset += value?.Length ?? 0;
        }

        return writer.Invoke(buffer, token);
    }

    protected override async ValueTask RestoreAsync(FileInfo snapshotFile, CancellationToken token)
    {
        var bytes = await File.ReadAllBytesAsync(snapshotFile.FullName, token).ConfigureAwait(false);
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        if (!reader.TryReadLittleEndian(out int count) || count < 0)
        {
            throw new InvalidDataException($"{snapshotFile.FullName}: a snapshot starts with its slot count.");
        }

        var values = new byte[]?[count];
        for (var i = 0; i < count; i++)
        {
            if (!reader.TryReadLittleEndian(out int length))
            {
                throw new InvalidDataException($"{snapshotFile.FullName}: the snapshot ends at slot {i} of {count}.");
            }

            if (length >= 0)
            {
                var value = new byte[length];
                if (!reader.TryCopyTo(value))
                {
                    throw new InvalidDataException($"{snapshotFile.FullName}: the snapshot ends inside slot {i}.");
                }

                reader.Advance(length);
                values[i] = value;
            }
        }

        Volatile.Write(ref _values, values);
    }
}
