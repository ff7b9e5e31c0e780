namespace HaCore.ContactCenter.Workload;

/// <summary>
/// Applies a <see cref="WorkloadGenerator"/>'s stream to a fresh state machine, as a single node
/// would apply committed entries; used by tests and benchmarks to build B1/B2/B3 states.
/// </summary>
public sealed class WorkloadRunner
{
    /// <summary>Creates a runner with an empty state machine.</summary>
    /// <param name="profile">The workload profile.</param>
    /// <param name="seed">The generator seed.</param>
    /// <param name="options">The state machine options (shared with the generator).</param>
    public WorkloadRunner(WorkloadProfile profile, ulong seed, ContactCenterOptions? options = null)
    {
        StateMachine = new ContactCenterStateMachine(options);
        Generator = new WorkloadGenerator(profile, seed, options);
    }

    /// <summary>The state machine the stream is applied to.</summary>
    public ContactCenterStateMachine StateMachine { get; }

    /// <summary>The stream's generator.</summary>
    public WorkloadGenerator Generator { get; }

    /// <summary>The log index of the last applied command.</summary>
    public ulong Index { get; private set; }

    /// <summary>Applies one generated command as the next log entry.</summary>
    /// <param name="command">The command.</param>
    /// <returns>The result.</returns>
    /// <exception cref="InvalidOperationException">The state machine rejected the command: the stream is not valid.</exception>
    public CommandResult Apply(in GeneratedCommand command)
    {
        CommandResult result = StateMachine.Apply(new CommandContext(++Index, 1, command.TimestampUnixMs), command.Command);
        if (result.RejectReason != RejectReason.None)
        {
            throw new InvalidOperationException(
                $"workload entry {Index} ({command.Command.KindCase}) was rejected: {result.RejectReason} {result.Message}");
        }

        return result;
    }

    /// <summary>Applies the whole population.</summary>
    /// <returns>The number of commands applied.</returns>
    public int ApplySetup()
    {
        int count = 0;
        foreach (GeneratedCommand command in Generator.Setup())
        {
            Apply(command);
            count++;
        }

        return count;
    }

    /// <summary>Applies <paramref name="count"/> traffic commands.</summary>
    /// <param name="count">How many.</param>
    public void ApplyTraffic(long count)
    {
        for (long i = 0; i < count; i++)
        {
            Apply(Generator.Next());
        }
    }

    /// <summary>
    /// Applies traffic until the profile's concurrent calls are live and half as many calls have
    /// been released, so that every phase of a call's life cycle is represented.
    /// </summary>
    /// <returns>The number of traffic commands applied.</returns>
    public long RunToSteadyState()
    {
        long start = Generator.TrafficCommands;
        int target = Generator.Profile.ConcurrentCalls;
        while (Generator.LiveCalls < target || Generator.CallsReleased < target / 2)
        {
            Apply(Generator.Next());
        }

        return Generator.TrafficCommands - start;
    }
}
