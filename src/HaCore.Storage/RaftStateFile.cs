using System.Buffers.Binary;
using HaCore.Raft;

namespace HaCore.Storage;

/// <summary>What the state file holds: a second copy of the term and vote, the suspect range left by a damaged tail,
/// and the id of the node the directory belongs to.</summary>
/// <param name="Term">The latest term this node has persisted.</param>
/// <param name="Vote">The node it voted for in <paramref name="Term"/>, or 0.</param>
/// <param name="SuspectThroughIndex">While not 0: the log may have lost acknowledged entries up to this index, and the
/// node keeps out of elections until a leader has re-replicated them.</param>
/// <param name="NodeId">The node this directory belongs to, or 0 when unknown (a file written before the node id was
/// stamped, or a store opened without <see cref="StorageOptions.NodeId"/>).</param>
internal readonly record struct RaftStateRecord(ulong Term, ulong Vote, ulong SuspectThroughIndex, ulong NodeId = 0);

/// <summary>
/// <c>{DirectoryPath}/raft-state</c>: the term and vote kept apart from the WAL, so that a damaged final WAL record
/// cannot make the node forget a vote it gave, and the suspect range of a damaged tail, so that the node keeps out
/// of elections across restarts until the range is repaired.
/// </summary>
/// <remarks>
/// Invariants: the file has two 64-byte slots in different 4 KiB pages, and every save writes the slot that does
/// not hold the newest valid copy, then fsyncs; so a torn or damaged save leaves the previous copy readable. Each
/// slot carries a sequence number and a CRC-32C; the valid slot with the higher sequence is the state. Written only
/// when the term, the vote or the suspect range changes (elections, not appends), and once to stamp the node id.
/// </remarks>
internal sealed class RaftStateFile : IDisposable
{
    public const string FileName = "raft-state";

    /// <summary>"HACORERS" read as a little-endian u64.</summary>
    private const ulong Magic = 0x5352_4552_4F43_4148;
    private const uint Version = 1;
    private const int SlotBytes = 64;
    private const int SlotSpacing = 4096;

    private readonly IStorageDevice _device;
    private readonly string _path;
    private IStorageFile? _file;
    private ulong _sequence;

    private RaftStateFile(IStorageDevice device, string path)
    {
        _device = device;
        _path = path;
    }

    /// <summary>The newest durable state, or null when the file does not exist yet (a data directory written by an
    /// older version, or a crash before its first save completed).</summary>
    public RaftStateRecord? Current { get; private set; }

    /// <summary>Reads the file in <paramref name="directory"/> when it exists.</summary>
    /// <exception cref="StorageCorruptionException">Neither slot is valid.</exception>
    public static RaftStateFile Open(IStorageDevice device, string directory)
    {
        var state = new RaftStateFile(device, Path.Combine(directory, FileName));
        if (device.FileExists(state._path + WalFormat.TempExtension))
        {
            // A first save that did not complete: nothing depended on it.
            device.DeleteFile(state._path + WalFormat.TempExtension);
        }

        if (!device.FileExists(state._path))
        {
            return state;
        }

        state._file = device.OpenFile(state._path, StorageFileMode.OpenExisting);
        Span<byte> slot = stackalloc byte[SlotBytes];
        for (int i = 0; i < 2; i++)
        {
            slot.Clear();
            state._file.Read(i * SlotSpacing, slot);
            if (TryDecode(slot, out ulong sequence, out var record) && sequence >= state._sequence)
            {
                state._sequence = sequence;
                state.Current = record;
            }
        }

        if (state.Current is null)
        {
            // The file appears only once its first copy is durable (see Save): with no valid copy left, one was damaged.
            throw new StorageCorruptionException(state._path, 0, "neither copy of the term, vote and suspect range has a valid checksum");
        }

        return state;
    }

    /// <summary>Durably replaces the state: one write and one fsync. The first save writes a temporary file, fsyncs it and
    /// renames it into place, so that the file exists only with a durable copy in it.</summary>
    public void Save(RaftStateRecord record)
    {
        ulong next = _sequence + 1;
        Span<byte> slot = stackalloc byte[SlotBytes];
        Encode(slot, next, record);
        if (_file is null)
        {
            string temp = _path + WalFormat.TempExtension;
            using (var file = _device.OpenFile(temp, StorageFileMode.CreateNew))
            {
                file.SetLength(SlotSpacing + SlotBytes);
                file.Write((long)(next % 2) * SlotSpacing, slot);
                file.Flush();
            }

            _device.MoveFile(temp, _path);
            _device.SyncDirectory(Path.GetDirectoryName(_path)!);
            _file = _device.OpenFile(_path, StorageFileMode.OpenExisting);
        }
        else
        {
            _file.Write((long)(next % 2) * SlotSpacing, slot);
            _file.Flush();
        }

        _sequence = next;
        Current = record;
    }

    public void Dispose() => _file?.Dispose();

    private static void Encode(Span<byte> slot, ulong sequence, RaftStateRecord record)
    {
        slot.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(slot, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(slot[8..], Version);
        BinaryPrimitives.WriteUInt64LittleEndian(slot[16..], sequence);
        BinaryPrimitives.WriteUInt64LittleEndian(slot[24..], record.Term);
        BinaryPrimitives.WriteUInt64LittleEndian(slot[32..], record.Vote);
        BinaryPrimitives.WriteUInt64LittleEndian(slot[40..], record.SuspectThroughIndex);
        BinaryPrimitives.WriteUInt64LittleEndian(slot[48..], record.NodeId);
        BinaryPrimitives.WriteUInt32LittleEndian(slot[60..], Crc32C.Compute(slot[..60]));
    }

    private static bool TryDecode(ReadOnlySpan<byte> slot, out ulong sequence, out RaftStateRecord record)
    {
        sequence = BinaryPrimitives.ReadUInt64LittleEndian(slot[16..]);
        record = new RaftStateRecord(
            BinaryPrimitives.ReadUInt64LittleEndian(slot[24..]),
            BinaryPrimitives.ReadUInt64LittleEndian(slot[32..]),
            BinaryPrimitives.ReadUInt64LittleEndian(slot[40..]),
            BinaryPrimitives.ReadUInt64LittleEndian(slot[48..]));
        return BinaryPrimitives.ReadUInt64LittleEndian(slot) == Magic
            && BinaryPrimitives.ReadUInt32LittleEndian(slot[8..]) == Version
            && BinaryPrimitives.ReadUInt32LittleEndian(slot[60..]) == Crc32C.Compute(slot[..60])
            && sequence > 0;
    }
}
