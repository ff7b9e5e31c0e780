using System.Net;
using HaCore.Raft;
using HaCore.Storage;
using HaCore.Testing.Simulation;
using HaCore.Testing.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace HaCore.Testing.WholeNode;

/// <summary>
/// One node of the whole-node simulator: the real node core (<c>NodeCore</c>), the real WAL and snapshot store
/// over a simulated device that survives crashes with power-cut semantics, its own skewed clock, and a transport
/// into the simulated network.
/// </summary>
public sealed class SimWholeNode
{
    private readonly List<Message> _heldWhilePaused = [];

    internal SimWholeNode(ulong id, ulong seed, SimNetwork network, Func<long> now)
    {
        Id = id;
        Device = new SimulatedStorageDevice(new SimulatedStorageOptions { Seed = seed, TornWriteProbability = 0.5 });
        Clock = new SimClock(now);
        Transport = new SimTransport(id, network, now);
    }

    /// <summary>The node id.</summary>
    public ulong Id { get; }

    /// <summary>The disk; it survives crashes (keeping only what was fsynced, plus a random torn prefix of the rest).</summary>
    public SimulatedStorageDevice Device { get; }

    /// <summary>This node's wall clock.</summary>
    public SimClock Clock { get; }

    internal SimTransport Transport { get; }

    /// <summary>The running core, or null while crashed.</summary>
    internal NodeCore<SimKvMachine, string, string>? Core { get; private set; }

    /// <summary>The state machine of the running incarnation.</summary>
    public SimKvMachine? Machine { get; private set; }

    private DurableRaftStorage? Storage { get; set; }

    /// <summary>How many times this node started.</summary>
    public int Incarnation { get; private set; }

    /// <summary>True once the node was removed from the membership: it is stopped for good and no longer checked.</summary>
    public bool Retired { get; internal set; }

    /// <summary>True while the node runs.</summary>
    public bool Alive => Core is not null;

    /// <summary>The last <c>Process</c> left committed entries waiting (its apply budget ran out).</summary>
    internal bool MoreToApply { get; set; }

    /// <summary>The local snapshot being saved "in the background", or null.</summary>
    private Snapshot? _saving;

    /// <summary>When the snapshot being saved is written (long.MaxValue when none is).</summary>
    internal long SaveDueAt { get; private set; } = long.MaxValue;

    internal void StartSaving(Snapshot snapshot, long dueAt)
    {
        _saving = snapshot;
        SaveDueAt = dueAt;
    }

    /// <summary>Writes the snapshot being saved (a device crash may strike in the middle) and reports it to the core.</summary>
    internal void FinishSaving()
    {
        var snapshot = _saving!;
        _saving = null;
        SaveDueAt = long.MaxValue;
        Exception? error = null;
        try
        {
            Storage!.SaveSnapshot(snapshot);
        }
        catch (IOException ex) when (ex is not SimulatedCrashException)
        {
            error = ex;
        }

        Core!.SnapshotSaved(snapshot.Metadata, error);
    }

    /// <summary>The simulated time until which the node is paused (no ticks, nothing processed), or 0.</summary>
    public long PausedUntil { get; internal set; }

    /// <summary>Ticks that came due while paused, delivered in a burst at resume.</summary>
    internal int MissedTicks { get; set; }

    /// <summary>Status of the running incarnation.</summary>
    public NodeStatus? Status => Core?.Status;

    /// <summary>The index of the node's latest local snapshot (0 while it is down).</summary>
    public ulong SnapshotIndex => Core?.SnapshotIndex ?? 0;

    internal void Start(HaCoreNodeOptions template, ulong seed, Action<ulong, ulong, string> onApply, Action<ulong, Runtime.KvStateMachine>? prepare)
    {
        Incarnation++;
        var options = template.CloneFor(Id, Device, seed ^ ((ulong)Incarnation << 40));
        var storage = DurableRaftStorage.Open(options.ToStorageOptions(), Device);
        var machine = new SimKvMachine((index, command) => onApply(Id, index, command));
        prepare?.Invoke(Id, machine.Kv);
        var core = new NodeCore<SimKvMachine, string, string>(
            options, machine, Runtime.StringCodec.Instance, Runtime.StringCodec.Instance, Transport, storage, Clock, NullLogger.Instance, null, options.RandomSeed);
        try
        {
            core.Open();
        }
        catch
        {
            Device.Crash();
            DisposeQuietly(storage);
            throw;
        }

        Storage = storage;
        Machine = machine;
        Core = core;
        PausedUntil = 0;
        MissedTicks = 0;
        MoreToApply = false;
        _saving = null;
        SaveDueAt = long.MaxValue;
        _heldWhilePaused.Clear();
    }

    /// <summary>While the node is down: flips a bit of the data of its final WAL record, as a latent sector error after the
    /// fsync would. Returns what it damaged, or null when there is no complete final record.</summary>
    internal WalRecordInfo? RotFinalWalRecord(Func<int, int> next)
    {
        if (Alive || WalRecordInfo.Last(Device, DataDirectory + "/wal") is not { } last)
        {
            return null;
        }

        last.Rot(Device, next);
        return last;
    }

    /// <summary>The node's data directory on <see cref="Device"/>.</summary>
    public string DataDirectory => $"/sim/node-{Id}";

    /// <summary>Power cut: every caller waiting here fails, and the device keeps only what was fsynced.</summary>
    internal void Crash()
    {
        Core?.FailEverything(new HaCoreException($"Node {Id} lost power."));
        Device.Crash();
        if (Storage is { } storage)
        {
            DisposeQuietly(storage);
        }

        Core = null;
        Storage = null;
        Machine = null;
        _saving = null;
        SaveDueAt = long.MaxValue;
        _heldWhilePaused.Clear();
    }

    internal void Hold(in Message message) => _heldWhilePaused.Add(message);

    internal List<Message> TakeHeld()
    {
        var held = _heldWhilePaused.ToList();
        _heldWhilePaused.Clear();
        return held;
    }

    private static void DisposeQuietly(DurableRaftStorage storage)
    {
        try
        {
            storage.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        catch (IOException)
        {
            // The device is down: what it had not synced is gone, which is the point.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    internal static HaCoreNodeOptions Template(WholeNodeOptions o, long maxAppendBytes, long maxApplyBytes)
    {
        var options = new HaCoreNodeOptions
        {
            ClusterId = 77,
            TickInterval = TimeSpan.FromMilliseconds(o.TickMs),
            ElectionTicks = o.ElectionTicks,
            HeartbeatTicks = 1,
            PreVote = true,
            CheckQuorum = true,
            ProposalTimeout = TimeSpan.FromMilliseconds(o.TickMs * o.ElectionTicks * 10),
            SnapshotEveryEntries = o.SnapshotEvery,
            SnapshotEveryBytes = 0,
            SnapshotMaxAge = TimeSpan.Zero,
            CompactionMargin = o.SnapshotEvery / 4,
            ResultsPerSession = o.ResultsPerSession,
            RetainedCommands = o.SnapshotEvery * 2,
            SubscriberBuffer = 10_000,
            MaxUncommittedBytes = 1 << 20,
            MaxAppendBytes = maxAppendBytes,
            MaxApplyBytes = maxApplyBytes,
            UnsafeCommitOlderTerms = o.UnsafeCommitOlderTerms,
            Storage = new StorageOptions { SegmentSizeBytes = 64 * 1024, MaxRecordBytes = 32 * 1024, ZeroFillSegments = false, PrepareSegmentsAhead = false, EntryCacheBytes = 1 << 20, WriteBufferBytes = 16 * 1024 },
        };
        for (var i = 1; i <= o.Voters + o.Spares; i++)
        {
            if (i <= o.Voters)
            {
                options.InitialVoters.Add((ulong)i);
            }

            options.Peers[(ulong)i] = new IPEndPoint(IPAddress.Loopback, 10_000 + i);
        }

        return options;
    }
}
