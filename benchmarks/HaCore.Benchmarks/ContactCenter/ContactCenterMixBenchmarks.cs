using BenchmarkDotNet.Attributes;
using HaCore.ContactCenter;
using HaCore.ContactCenter.Workload;

namespace HaCore.Benchmarks.ContactCenter;

/// <summary>
/// Apply throughput of the DOMAIN.md §4 traffic mix on a steady-state B1 or B2 state (setup builds
/// the population and runs traffic until the profile's concurrent calls are live). Each invocation
/// applies the next <see cref="ChunkSize"/> generated entries; the state carries on between
/// iterations, so it stays at steady state.
/// </summary>
/// <remarks>
/// Full size: <c>dotnet run -c Release --project benchmarks/HaCore.Benchmarks -- --filter '*ContactCenterMix*' --job Short</c>.
/// The B2 setup (about 1.5 M entries) takes a few seconds.
/// </remarks>
[MemoryDiagnoser]
public class ContactCenterMixBenchmarks
{
    private const int ChunkSize = 20_000;

    private WorkloadRunner _runner = null!;
    private GeneratedCommand[] _chunk = new GeneratedCommand[ChunkSize];
    private ulong _index;

    /// <summary>The workload profile.</summary>
    [Params("B1", "B2")]
    public string Profile { get; set; } = "B1";

    /// <summary>Builds the steady-state population.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _runner = new WorkloadRunner(WorkloadProfile.ByName(Profile), seed: 42);
        _runner.ApplySetup();
        _runner.RunToSteadyState();
        _index = _runner.Index;
        Console.WriteLine($"// {Profile}: {_runner.StateMachine.CallCount} calls, {_runner.StateMachine.AgentCount} agents, {_runner.StateMachine.DnCount} DNs, index {_index}");
    }

    /// <summary>Generates the next chunk (not measured).</summary>
    [IterationSetup]
    public void NextChunk()
    {
        _chunk = new GeneratedCommand[ChunkSize];
        for (int i = 0; i < ChunkSize; i++)
        {
            _chunk[i] = _runner.Generator.Next();
        }
    }

    /// <summary>Applies one chunk of the mix; results are per applied entry.</summary>
    [Benchmark(OperationsPerInvoke = ChunkSize)]
    public int ApplyMix()
    {
        ContactCenterStateMachine sm = _runner.StateMachine;
        int rejected = 0;
        for (int i = 0; i < _chunk.Length; i++)
        {
            ref readonly GeneratedCommand c = ref _chunk[i];
            CommandResult r = sm.Apply(new CommandContext(++_index, 1, c.TimestampUnixMs), c.Command);
            rejected += r.RejectReason == RejectReason.None ? 0 : 1;
        }

        // The generated stream is valid: a rejection means a generator or state machine bug.
        return rejected == 0 ? rejected : throw new InvalidOperationException($"{rejected} generated entries were rejected");
    }
}
