using System.Buffers;
using HaCore.Testing.Runtime;

namespace HaCore.Testing.WholeNode;

/// <summary>The test register store, reporting each apply (index and command) to the simulator's checker.</summary>
public sealed class SimKvMachine(Action<ulong, string> onApply) : IStateMachine<string, string>, ILeadershipGate
{
    /// <summary>The store.</summary>
    public KvStateMachine Kv { get; } = new();

    /// <inheritdoc />
    public string? LeadershipRefusal => Kv.LeadershipRefusal;

    /// <inheritdoc />
    public string Apply(in CommandContext context, string command)
    {
        onApply(context.Index, command);
        return Kv.Apply(context, command);
    }

    /// <inheritdoc />
    public void WriteSnapshot(IBufferWriter<byte> writer) => Kv.WriteSnapshot(writer);

    /// <inheritdoc />
    public void RestoreSnapshot(ReadOnlySequence<byte> snapshot) => Kv.RestoreSnapshot(snapshot);

    /// <summary>The state, canonically, for comparing replicas.</summary>
    public string StateText() => string.Join("\n", Kv.Values.Select(kv => $"{kv.Key}={kv.Value}"));
}
