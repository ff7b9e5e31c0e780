using System.Buffers;
using BenchmarkDotNet.Attributes;
using HaCore.ContactCenter;
using HaCore.ContactCenter.Workload;

namespace HaCore.Benchmarks.ContactCenter;

/// <summary>
/// Snapshot write, restore and state hash of steady-state B1 and B2 states. The snapshot size is
/// printed by the setup (<c>// B2 snapshot: ... bytes</c>) and reported in the issue note.
/// </summary>
/// <remarks>
/// Full size: <c>dotnet run -c Release --project benchmarks/HaCore.Benchmarks -- --filter '*ContactCenterSnapshot*' --job Short</c>.
/// </remarks>
[MemoryDiagnoser]
public class ContactCenterSnapshotBenchmarks
{
    private ContactCenterStateMachine _sm = null!;
    private ArrayBufferWriter<byte> _buffer = null!;
    private ReadOnlySequence<byte> _snapshot;

    /// <summary>The workload profile whose steady state is snapshotted.</summary>
    [Params("B1", "B2")]
    public string Profile { get; set; } = "B1";

    /// <summary>Builds the state and one snapshot of it.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var runner = new WorkloadRunner(WorkloadProfile.ByName(Profile), seed: 42);
        runner.ApplySetup();
        runner.RunToSteadyState();
        _sm = runner.StateMachine;
        _buffer = new ArrayBufferWriter<byte>(256 * 1024 * 1024);
        _sm.WriteSnapshot(_buffer);
        _snapshot = new ReadOnlySequence<byte>(_buffer.WrittenMemory.ToArray());
        Console.WriteLine($"// {Profile} snapshot: {_buffer.WrittenCount} bytes; {_sm.CallCount} calls, {_sm.AgentCount} agents, {_sm.DnCount} DNs, {_sm.SessionCount} sessions, {_sm.ConnectorRecordCount} connector records");
    }

    /// <summary>Writes the canonical snapshot into a reused buffer.</summary>
    [Benchmark]
    public int WriteSnapshot()
    {
        _buffer.ResetWrittenCount();
        _sm.WriteSnapshot(_buffer);
        return _buffer.WrittenCount;
    }

    /// <summary>Restores a fresh state machine from the snapshot (parse plus index rebuild).</summary>
    [Benchmark]
    public int RestoreSnapshot()
    {
        var copy = new ContactCenterStateMachine();
        copy.RestoreSnapshot(_snapshot);
        return copy.CallCount;
    }

    /// <summary>Computes the SHA-256 state hash (a snapshot write plus hashing).</summary>
    [Benchmark]
    public byte[] StateHash() => _sm.ComputeStateHash();
}
