namespace HaCore.ContactCenter.Workload;

/// <summary>
/// The population and traffic mix of a benchmark profile of DOMAIN.md §4.
/// </summary>
public sealed class WorkloadProfile
{
    /// <summary>The profile name (B1, B2, B3 or a custom one).</summary>
    public required string Name { get; init; }

    /// <summary>Logged-in agents; each has a place with two extension DNs.</summary>
    public required int Agents { get; init; }

    /// <summary>Routing points, queues, trunks and IVR ports together.</summary>
    public required int NonAgentDns { get; init; }

    /// <summary>Supervisor DNs used as conference members and observers. The default is Agents / 10.</summary>
    public int Supervisors { get; init; } = -1;

    /// <summary>The number of concurrent calls the generator keeps in the steady state.</summary>
    public required int ConcurrentCalls { get; init; }

    /// <summary>Log entries per second, which sets the leader timestamps of the stream.</summary>
    public required int EntriesPerSecond { get; init; }

    /// <summary>The media connectors sharing the DNs.</summary>
    public int Connectors { get; init; } = 2;

    /// <summary>Size of the attached-data blob of a call (E17: 512 bytes).</summary>
    public int UserDataBytes { get; init; } = 512;

    /// <summary>Largest attached-data blob of the tail (B3: 16 KB); 0 for no tail.</summary>
    public int UserDataTailBytes { get; init; }

    /// <summary>Share of calls with a large attached-data blob when <see cref="UserDataTailBytes"/> is set.</summary>
    public double UserDataTailRatio { get; init; } = 0.01;

    /// <summary>Attached-data requests per call (E17: 5).</summary>
    public int UserDataRequestsPerCall { get; init; } = 5;

    /// <summary>Share of calls put on hold (E17: 30 %).</summary>
    public double HoldRatio { get; init; } = 0.30;

    /// <summary>Share of calls transferred (E17: 30 %).</summary>
    public double TransferRatio { get; init; } = 0.30;

    /// <summary>Share of calls conferenced (E17: 10 %).</summary>
    public double ConferenceRatio { get; init; } = 0.10;

    /// <summary>Share of calls monitored (E17: 5 %).</summary>
    public double MonitorRatio { get; init; } = 0.05;

    /// <summary>
    /// Share of calls with an ISCC leg to another site (DOMAIN.md §4 assumes 10 % multi-site for the
    /// large contact center). The default is 0.
    /// </summary>
    public double IsccRatio { get; init; }

    /// <summary>Whether every DN is also monitored by a Stat Server session (DOMAIN.md §4 subscriptions).</summary>
    public bool StatServerSubscriptions { get; init; } = true;

    /// <summary>The supervisor count actually used.</summary>
    public int SupervisorCount => Supervisors >= 0 ? Supervisors : Math.Max(1, Agents / 10);

    /// <summary>B1, Skype scale: 2,000 agents, 1,200 concurrent calls, 5 CAPS × 25 entries.</summary>
    public static WorkloadProfile B1 { get; } = new()
    {
        Name = "B1", Agents = 2_000, NonAgentDns = 200, ConcurrentCalls = 1_200, EntriesPerSecond = 125, Connectors = 2,
    };

    /// <summary>B2, large contact center: 20,000 agents, 42,000 DNs, 50,000 concurrent calls, 2,500 entries/s.</summary>
    public static WorkloadProfile B2 { get; } = new()
    {
        Name = "B2", Agents = 20_000, NonAgentDns = 2_000, ConcurrentCalls = 50_000, EntriesPerSecond = 2_500, Connectors = 4,
        IsccRatio = 0.10,
    };

    /// <summary>B3, stress: the B2 population at 10,000 entries/s with an attached-data tail up to 16 KB.</summary>
    public static WorkloadProfile B3 { get; } = new()
    {
        Name = "B3", Agents = 20_000, NonAgentDns = 2_000, ConcurrentCalls = 50_000, EntriesPerSecond = 10_000, Connectors = 4,
        UserDataTailBytes = 16 * 1024, IsccRatio = 0.10,
    };

    /// <summary>Finds a built-in profile by name.</summary>
    /// <param name="name">B1, B2 or B3.</param>
    /// <returns>The profile.</returns>
    /// <exception cref="ArgumentException">No such profile.</exception>
    public static WorkloadProfile ByName(string name) => name switch
    {
        "B1" => B1,
        "B2" => B2,
        "B3" => B3,
        _ => throw new ArgumentException("unknown profile " + name, nameof(name)),
    };

    /// <summary>A copy scaled down (agents, DNs and calls divided by <paramref name="divisor"/>) for quick runs.</summary>
    /// <param name="divisor">The scale divisor (at least 1).</param>
    /// <returns>The scaled profile.</returns>
    public WorkloadProfile ScaledDown(int divisor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(divisor, 1);
        return new WorkloadProfile
        {
            Name = Name + "/" + divisor, Agents = Math.Max(4, Agents / divisor), NonAgentDns = Math.Max(40, NonAgentDns / divisor),
            Supervisors = Math.Max(2, SupervisorCount / divisor), ConcurrentCalls = Math.Max(4, ConcurrentCalls / divisor),
            EntriesPerSecond = EntriesPerSecond, Connectors = Connectors, UserDataBytes = UserDataBytes,
            UserDataTailBytes = UserDataTailBytes, UserDataTailRatio = UserDataTailRatio, UserDataRequestsPerCall = UserDataRequestsPerCall,
            HoldRatio = HoldRatio, TransferRatio = TransferRatio, ConferenceRatio = ConferenceRatio, MonitorRatio = MonitorRatio,
            StatServerSubscriptions = StatServerSubscriptions, IsccRatio = IsccRatio,
        };
    }
}
