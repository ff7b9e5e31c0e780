using System.Buffers;
using HaCore.ContactCenter;
using HaCore.ContactCenter.Workload;

namespace HaCore.Fuzz.Targets;

/// <summary>
/// A contact-center snapshot payload (what <c>WriteSnapshot</c> writes into a Raft snapshot): restored with
/// <c>RestoreSnapshot</c> into a fresh state machine. Restoring may refuse with
/// <see cref="InvalidDataException"/> (not a snapshot, an unsupported format, or an inconsistent one: a key
/// twice, a subscription or dedupe entry of no session, an entity without its id); anything else is a
/// finding. A restored state must snapshot again to bytes that restore to the same state hash, and take a
/// command without throwing.
/// </summary>
public sealed class ContactCenterSnapshotTarget : FuzzTarget
{
    private static readonly Lazy<(byte[] Snapshot, Command Next, long Now, ulong Index)> Baseline = new(BuildBaseline);

    /// <inheritdoc />
    public override string Name => "cc-snapshot";

    /// <inheritdoc />
    public override string Description => "a contact-center snapshot payload: RestoreSnapshot, snapshot again and restore to the same hash, then one Apply";

    /// <inheritdoc />
    public override IEnumerable<(string Name, byte[] Data)> GenerateSeeds()
    {
        yield return ("workload", Baseline.Value.Snapshot);
        var empty = new ArrayBufferWriter<byte>();
        new ContactCenterStateMachine().WriteSnapshot(empty);
        yield return ("empty", empty.WrittenSpan.ToArray());
    }

    /// <inheritdoc />
    protected override void Execute(ReadOnlySpan<byte> input)
    {
        var machine = new ContactCenterStateMachine();
        machine.RestoreSnapshot(new ReadOnlySequence<byte>(input.ToArray()));
        var again = new ArrayBufferWriter<byte>();
        machine.WriteSnapshot(again);
        var copy = new ContactCenterStateMachine();
        copy.RestoreSnapshot(new ReadOnlySequence<byte>(again.WrittenMemory));
        Check(copy.ComputeStateHash().AsSpan().SequenceEqual(machine.ComputeStateHash()), "a restored state does not survive its own snapshot");

        var (_, next, now, index) = Baseline.Value;
        var result = machine.Apply(new CommandContext(index + 1, 2, now + 1000), next);
        Check(result is not null, "Apply returned no result");
    }

    /// <inheritdoc />
    protected override bool IsDocumentedError(Exception error) => error is InvalidDataException;

    private static (byte[], Command, long, ulong) BuildBaseline()
    {
        var profile = new WorkloadProfile { Name = "fuzz", Agents = 4, NonAgentDns = 12, ConcurrentCalls = 3, EntriesPerSecond = 50, UserDataBytes = 16 };
        var generator = new WorkloadGenerator(profile, seed: 15);
        var machine = new ContactCenterStateMachine();
        ulong index = 0;
        long now = 0;
        foreach (var generated in generator.Setup().Concat(Enumerable.Range(0, 120).Select(_ => generator.Next())))
        {
            index++;
            now = generated.TimestampUnixMs;
            machine.Apply(new CommandContext(index, 1, now), generated.Command);
        }

        var snapshot = new ArrayBufferWriter<byte>();
        machine.WriteSnapshot(snapshot);
        return (snapshot.WrittenSpan.ToArray(), generator.Next().Command, now, index);
    }
}
