using HaCore.ContactCenter;
using HaCore.ContactCenter.Workload;

namespace HaCore.Fuzz.Targets;

/// <summary>
/// A contact-center command payload (the bytes of a committed log entry's command): decoded by
/// the MessagePack contract codec (<see cref="Contract.CommandCodec"/>), which must round-trip it exactly, then applied to a state machine that
/// holds a small workload's agents, DNs, sessions and calls. Decoding may refuse with
/// <see cref="InvalidDataException"/>; applying a decoded command must never throw (every replica
/// applies it, so an exception would stop them all): it succeeds or is rejected.
/// </summary>
public sealed class ContactCenterCommandTarget : FuzzTarget
{
    private static readonly Lazy<(HaCore.ContactCenter.Snapshot State, List<Command> Traffic, long Now, ulong Index)> Baseline = new(BuildBaseline);

    /// <inheritdoc />
    public override string Name => "cc-command";

    /// <inheritdoc />
    public override string Description => "a contact-center command payload: Contract.CommandCodec.Decode, exact re-encode, Apply to a populated state machine";

    /// <inheritdoc />
    public override IEnumerable<(string Name, byte[] Data)> GenerateSeeds()
    {
        var traffic = Baseline.Value.Traffic;
        var seen = new HashSet<Command.KindOneofCase>();
        foreach (var command in traffic)
        {
            if (seen.Add(command.KindCase) && seen.Count <= 24)
            {
                yield return (command.KindCase.ToString(), Contract.Serialize(command));
            }
        }
    }

    /// <inheritdoc />
    protected override void Execute(ReadOnlySpan<byte> input)
    {
        var command = Contract.CommandCodec.Decode(input);
        var again = Contract.CommandCodec.Decode(Contract.Serialize(command));
        Check(again.Equals(command), "a decoded command does not survive re-encoding");
        ApplyToBaseline(command, Check);
    }

    /// <summary>Applies <paramref name="command"/> to a copy of the populated baseline state, as the next entry, and
    /// checks (with <paramref name="check"/>) that it gives a result that survives encoding.</summary>
    internal static void ApplyToBaseline(Command command, Action<bool, string> check)
    {
        var (state, _, now, index) = Baseline.Value;
        var machine = new ContactCenterStateMachine();
        // A copy: LoadSnapshot takes ownership of the snapshot's messages, and Apply changes them. (Loading the
        // shared baseline let each input start from the state the previous inputs left; the snapshot check of
        // the invariants at load, added with the cc-snapshot target, caught it.)
        machine.LoadSnapshot(state.Clone());
        var result = machine.Apply(new CommandContext(index + 1, 2, now + 1000), command);
        check(result is not null, "Apply returned no result");
        var encoded = Contract.Serialize(result!);
        check(Contract.Deserialize<CommandResult>(encoded).Equals(result), "a command result does not survive encoding");
    }

    /// <inheritdoc />
    protected override bool IsDocumentedError(Exception error) => error is InvalidDataException;

    private static (HaCore.ContactCenter.Snapshot, List<Command>, long, ulong) BuildBaseline()
    {
        var profile = new WorkloadProfile { Name = "fuzz", Agents = 6, NonAgentDns = 40, ConcurrentCalls = 3, EntriesPerSecond = 50, UserDataBytes = 32 };
        var generator = new WorkloadGenerator(profile, seed: 14);
        var machine = new ContactCenterStateMachine();
        var traffic = new List<Command>();
        ulong index = 0;
        long now = 0;
        foreach (var generated in generator.Setup().Concat(Enumerable.Range(0, 400).Select(_ => generator.Next())))
        {
            index++;
            now = generated.TimestampUnixMs;
            machine.Apply(new CommandContext(index, 1, now), generated.Command);
            traffic.Add(generated.Command);
        }

        return (machine.CreateSnapshot(), traffic, now, index);
    }
}
