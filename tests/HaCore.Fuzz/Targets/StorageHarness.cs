using HaCore.Raft;
using HaCore.Storage;
using HaCore.Testing.Storage;

namespace HaCore.Fuzz.Targets;

/// <summary>A data directory on a simulated device: files are planted, then the store is opened as a restarting node would.</summary>
internal static class StorageHarness
{
    public const string Root = "/fuzz";
    public const ulong ClusterId = 0xC1;

    public static readonly string WalDirectory = Path.Combine(Root, "wal");
    public static readonly string SnapDirectory = Path.Combine(Root, "snap");

    /// <summary>Small segments and records, so that recovery's limits are reached by small inputs.</summary>
    public static StorageOptions Options { get; } = new()
    {
        PrepareSegmentsInline = true,
        DirectoryPath = Root,
        ClusterId = ClusterId,
        SegmentSizeBytes = 16 * 1024,
        MaxRecordBytes = 4096,
        WriteBufferBytes = 4096,
        EntryCacheBytes = 64 * 1024,
        SnapshotChunkBytes = 512,
        MaxOpenFiles = 4,
        MaxSnapshotBytes = 1 << 20,
    };

    public static SimulatedStorageDevice Plant(string path, byte[] contents)
    {
        var device = new SimulatedStorageDevice(new SimulatedStorageOptions { TornWriteProbability = 0 });
        device.CreateDirectory(Root);
        device.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var file = device.OpenFile(path, StorageFileMode.CreateNew))
        {
            file.Write(0, contents);
            file.Flush();
        }

        device.SyncDirectory(Path.GetDirectoryName(path)!);
        return device;
    }

    /// <summary>Everything a restarted node reads: initial state, every entry and term, the snapshot.</summary>
    public static string ReadEverything(DurableRaftStorage storage)
    {
        var state = storage.GetInitialState();
        var text = new System.Text.StringBuilder();
        text.Append(state.HardState).Append(' ').Append(string.Join(',', state.ConfState.Voters)).Append('/').Append(string.Join(',', state.ConfState.Learners));
        text.Append(" first=").Append(storage.FirstIndex).Append(" last=").Append(storage.LastIndex);
        if (storage.TryGetSnapshot(out var snapshot) == LogReadStatus.Ok)
        {
            text.Append(" snap=").Append(snapshot.Metadata.Index).Append('/').Append(snapshot.Metadata.Term).Append(':').Append(Crc32C.Compute(snapshot.Data.Span));
        }

        ulong next = storage.FirstIndex;
        while (next <= storage.LastIndex)
        {
            if (storage.TryGetEntries(next, storage.LastIndex + 1, 64 * 1024, out var chunk) != LogReadStatus.Ok || chunk.IsEmpty)
            {
                throw new FuzzContractException($"entries {next}..{storage.LastIndex} of an opened store cannot be read");
            }

            foreach (var e in chunk.Span)
            {
                if (e.Index != next || storage.TryGetTerm(e.Index, out ulong term) != LogReadStatus.Ok || term != e.Term)
                {
                    throw new FuzzContractException($"entry {e.Index} read where {next} was expected, or its term disagrees");
                }

                text.Append(' ').Append(e.Term).Append('/').Append(e.Index).Append(':').Append(Crc32C.Compute(e.Data.Span));
                next++;
            }
        }

        return text.ToString();
    }

    /// <summary>Opens the store twice: the second recovery must see exactly what the first one did (nothing lost).</summary>
    public static void OpenTwice(SimulatedStorageDevice device)
    {
        string first;
        using (var storage = DurableRaftStorage.Open(Options, device))
        {
            first = ReadEverything(storage);
        }

        // A store that opened once must open again, as it was: a node restarts many times.
        string second;
        ulong appended;
        var probe = new Entry(0, 0, EntryType.Normal, "probe"u8.ToArray());
        try
        {
            using var storage = DurableRaftStorage.Open(Options, device);
            second = ReadEverything(storage);

            // The recovered log must take the next entry, and keep it across a restart.
            appended = storage.LastIndex + 1;
            ulong lastTerm = storage.TryGetTerm(storage.LastIndex, out ulong t) == LogReadStatus.Ok ? t : 0;
            probe = probe with { Term = Math.Max(lastTerm, storage.HardState.Term), Index = appended };
            storage.Append([probe]);
        }
        catch (Exception ex) when (ex is not FuzzContractException)
        {
            throw new FuzzContractException($"a store that recovered as '{first}' cannot be opened again: {ex.GetType().Name}: {ex.Message}", ex);
        }

        if (second != first)
        {
            throw new FuzzContractException($"a second recovery disagrees with the first: '{first}' then '{second}'");
        }

        try
        {
            using var storage = DurableRaftStorage.Open(Options, device);
            if (storage.LastIndex != appended || storage.TryGetEntries(appended, appended + 1, long.MaxValue, out var read) != LogReadStatus.Ok
                || read.Length != 1 || read.Span[0].Term != probe.Term || !read.Span[0].Data.Span.SequenceEqual(probe.Data.Span))
            {
                throw new FuzzContractException($"entry {appended}, appended after recovering '{first}', did not survive a restart (last index {storage.LastIndex})");
            }
        }
        catch (Exception ex) when (ex is not FuzzContractException)
        {
            throw new FuzzContractException($"a store that recovered as '{first}' cannot be opened after appending entry {appended}: {ex.GetType().Name}: {ex.Message}", ex);
        }
    }

    /// <summary>A real data directory: bootstrap, entries with a hard state, and optionally a snapshot and compaction.</summary>
    public static SimulatedStorageDevice WriteRealDirectory(bool withSnapshot)
    {
        var device = new SimulatedStorageDevice(new SimulatedStorageOptions { TornWriteProbability = 0 });
        using var storage = DurableRaftStorage.Open(Options, device);
        storage.Bootstrap(new ConfState([1, 2, 3], []));
        var entries = Enumerable.Range(1, 6)
            .Select(i => new Entry(1, (ulong)i, i == 4 ? EntryType.ConfChange : EntryType.Normal, Enumerable.Range(0, 10 + i).Select(b => (byte)(b + i)).ToArray()))
            .ToArray();
        storage.Append(entries.AsSpan(0, 4), new HardState(1, 1, 3));
        storage.Append(entries.AsSpan(4), new HardState(2, 1, 6));
        if (withSnapshot)
        {
            storage.SaveSnapshot(new Snapshot(new SnapshotMetadata(5, 1, new ConfState([1, 2, 3], [4])), Enumerable.Range(0, 100).Select(b => (byte)b).ToArray()));
        }

        return device;
    }

    /// <summary>A file without its trailing zero preallocation, but with one zero record header left as the end marker.</summary>
    public static byte[] TrimZeros(byte[] file, int keep)
    {
        int end = file.Length;
        while (end > 0 && file[end - 1] == 0)
        {
            end--;
        }

        return file[..Math.Min(file.Length, ((end + 7) & ~7) + keep)];
    }
}
