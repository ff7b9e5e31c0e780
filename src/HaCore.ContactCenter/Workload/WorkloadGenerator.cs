using System.Globalization;

namespace HaCore.ContactCenter.Workload;

/// <summary>One generated log entry: the command and the leader timestamp to apply it with.</summary>
/// <param name="Command">The command.</param>
/// <param name="TimestampUnixMs">The leader time of the entry.</param>
public readonly record struct GeneratedCommand(Command Command, long TimestampUnixMs);

/// <summary>
/// Produces realistic, valid command streams for a <see cref="WorkloadProfile"/> from a seed:
/// the population (<see cref="Setup"/>) and then interleaved call life cycles (<see cref="Next"/>)
/// following DOMAIN.md §4: routing, IVR treatment, queueing, delivery, attached data, hold,
/// transfer, conference, monitoring, ISCC legs, connector HA records, release and after-call work.
/// </summary>
/// <remarks>
/// The stream is valid when applied in order, from the first command of <see cref="Setup"/>, to an
/// empty <see cref="ContactCenterStateMachine"/> with the same <see cref="ContactCenterOptions.ConnIdPrefix"/>:
/// the generator mirrors the state machine's ConnId allocator to address the calls it creates.
/// The same profile and seed always give the same stream.
/// </remarks>
public sealed partial class WorkloadGenerator
{
    private const string SwitchName = "SW1";
    private const int DnsPerConfigEntry = 2_000;

    private readonly WorkloadProfile _profile;
    private readonly ulong _connIdPrefix;
    private readonly long _startUnixMs;
    private readonly double _msPerEntry;
    private ulong _rngState;
    private ulong _connIdCounter;
    private uint _isccTransactions;
    private double _clockMs;

    private readonly DnId[] _agentDns;
    private readonly DnId[] _agentSecondDns;
    private readonly string[] _agentIds;
    private readonly string[] _deskSessions;
    private readonly uint[] _referenceIds;
    private readonly DnId[] _routePoints;
    private readonly DnId[] _queues;
    private readonly DnId[] _trunks;
    private readonly DnId[] _ivrPorts;
    private readonly DnId[] _supervisors;
    private readonly string[] _connectorIds;
    private readonly Dictionary<string, ulong> _epochs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ulong> _sourceSequences = new(StringComparer.Ordinal);
    private readonly ReadOnlyMemory<byte>[] _blobs;
    private readonly ReadOnlyMemory<byte>[] _tailBlobs;

    private readonly Queue<int> _freeAgents = new();
    private readonly Queue<CallScript> _waiting = new();
    private readonly Queue<CallScript> _waitingForConsult = new();
    private readonly List<Script> _running = new();
    private int _liveCalls;

    /// <summary>Creates a generator.</summary>
    /// <param name="profile">The population and mix.</param>
    /// <param name="seed">The seed: equal seeds give equal streams.</param>
    /// <param name="options">The options of the state machine the stream is for (its ConnId prefix).</param>
    /// <param name="startUnixMs">The leader time of the first entry.</param>
    public WorkloadGenerator(WorkloadProfile profile, ulong seed, ContactCenterOptions? options = null, long startUnixMs = 1_767_225_600_000)
    {
        ArgumentNullException.ThrowIfNull(profile);
        _profile = profile;
        _rngState = seed ^ 0x9E37_79B9_7F4A_7C15UL;
        _connIdPrefix = (options ?? ContactCenterOptions.Default).ConnIdPrefix;
        _startUnixMs = startUnixMs;
        _msPerEntry = 1000.0 / Math.Max(1, profile.EntriesPerSecond);

        int agents = profile.Agents;
        _agentDns = new DnId[agents];
        _agentSecondDns = new DnId[agents];
        _agentIds = new string[agents];
        _deskSessions = new string[agents];
        _referenceIds = new uint[agents];
        for (int i = 0; i < agents; i++)
        {
            _agentDns[i] = Dn("1" + i.ToString("D6", CultureInfo.InvariantCulture));
            _agentSecondDns[i] = Dn("2" + i.ToString("D6", CultureInfo.InvariantCulture));
            _agentIds[i] = "agent" + i.ToString(CultureInfo.InvariantCulture);
            _deskSessions[i] = "desk-" + i.ToString(CultureInfo.InvariantCulture);
        }

        int n = profile.NonAgentDns;
        _routePoints = MakeDns("RP", Math.Max(1, n * 5 / 100));
        _queues = MakeDns("Q", Math.Max(1, n * 5 / 100));
        _ivrPorts = MakeDns("IVR", Math.Max(1, n * 30 / 100));
        _trunks = MakeDns("T", Math.Max(1, n - _routePoints.Length - _queues.Length - _ivrPorts.Length));
        _supervisors = MakeDns("S", profile.SupervisorCount);
        _connectorIds = new string[Math.Max(1, profile.Connectors)];
        for (int i = 0; i < _connectorIds.Length; i++)
        {
            _connectorIds[i] = "connector-" + i.ToString(CultureInfo.InvariantCulture);
        }

        _blobs = MakeBlobs(16, _ => profile.UserDataBytes);
        _tailBlobs = profile.UserDataTailBytes > 0
            ? MakeBlobs(16, i => profile.UserDataBytes + ((profile.UserDataTailBytes - profile.UserDataBytes) * (i + 1) / 16))
            : _blobs;
    }

    /// <summary>The profile of this generator.</summary>
    public WorkloadProfile Profile => _profile;

    /// <summary>Calls currently in progress in the generated stream.</summary>
    public int LiveCalls => _liveCalls;

    /// <summary>Calls started so far.</summary>
    public long CallsStarted { get; private set; }

    /// <summary>Traffic commands reported by a source (a connector, with a source sequence and epoch).</summary>
    public long SourcedCommands { get; private set; }

    /// <summary>Calls released so far.</summary>
    public long CallsReleased { get; private set; }

    /// <summary>Commands produced by <see cref="Next"/> so far.</summary>
    public long TrafficCommands { get; private set; }

    private static DnId Dn(string number) => new() { SwitchName = SwitchName, Number = number };

    private static DnId[] MakeDns(string prefix, int count)
    {
        var dns = new DnId[count];
        for (int i = 0; i < count; i++)
        {
            dns[i] = Dn(prefix + i.ToString(CultureInfo.InvariantCulture));
        }

        return dns;
    }

    private ReadOnlyMemory<byte>[] MakeBlobs(int count, Func<int, int> size)
    {
        var blobs = new ReadOnlyMemory<byte>[count];
        for (int i = 0; i < count; i++)
        {
            var bytes = new byte[size(i)];
            for (int j = 0; j < bytes.Length; j++)
            {
                bytes[j] = (byte)NextRandom();
            }

            blobs[i] = bytes;
        }

        return blobs;
    }

    // SplitMix64: small, fast and the same on every platform and .NET version.
    private ulong NextRandom()
    {
        ulong z = _rngState += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }

    private int NextInt(int bound) => (int)(NextRandom() % (ulong)bound);

    private bool Chance(double p) => (NextRandom() >> 11) * (1.0 / (1UL << 53)) < p;

    private long Tick()
    {
        _clockMs += _msPerEntry;
        return _startUnixMs + (long)_clockMs;
    }

    private ulong AllocateConnId() => (_connIdPrefix << 48) | ++_connIdCounter;

    private string ConnectorOf(int agent) => _connectorIds[agent % _connectorIds.Length];

    // The epoch each connector presents (invariant 12). Every connector comes up once, in Setup, on a
    // fresh state, so it is the first incarnation's epoch: 1. A stream applied to a state where the
    // connector came up before would be fenced off (STALE_CONNECTOR_EPOCH), as it should.
    private ulong EpochOf(string connectorId) => _epochs[connectorId];

    /// <summary>The epoch of a connector's first incarnation: the first ConnectorUp (epoch 0) of a connector gets 1.</summary>
    public const ulong FirstIncarnationEpoch = 1;

    private Command Desk(int agent, Command command)
    {
        command.SessionId = _deskSessions[agent];
        command.ReferenceId = ++_referenceIds[agent];
        return command;
    }

    private static KvPair Kv(string key, string value) => new() { Key = key, Value = new KvValue { Str = value } };

    /// <summary>
    /// The population: configuration (DNs and places), connectors and DN assignment, client
    /// sessions, agent logins and monitoring registrations.
    /// </summary>
    /// <returns>The setup commands, in order.</returns>
    public IEnumerable<GeneratedCommand> Setup()
    {
        long now = _startUnixMs;
        var all = new List<Dn>();
        for (int i = 0; i < _agentDns.Length; i++)
        {
            string place = "P" + i.ToString(CultureInfo.InvariantCulture);
            all.Add(new Dn { Id = _agentDns[i], Type = AddressType.Dn, Place = place, Register = RegisterFlag.True, Site = "A" });
            all.Add(new Dn { Id = _agentSecondDns[i], Type = AddressType.Dn, Place = place, Register = RegisterFlag.True, Site = "A" });
        }

        AddDns(all, _supervisors, AddressType.Dn);
        AddDns(all, _routePoints, AddressType.RouteDn);
        AddDns(all, _queues, AddressType.Queue);
        AddDns(all, _trunks, AddressType.Trunk);
        AddDns(all, _ivrPorts, AddressType.VoiceChannel);
        long version = 0;
        for (int i = 0; i < all.Count; i += DnsPerConfigEntry)
        {
            var config = new ConfigApplied { Version = ++version };
            for (int j = i; j < Math.Min(all.Count, i + DnsPerConfigEntry); j++)
            {
                config.DnUpserts.Add(all[j]);
            }

            // Invariant 13: the hash of the whole configuration this entry leaves (every DN so far).
            config.Hash = ContactCenterStateMachine.ComputeConfigHash(all.Take(i + config.DnUpserts.Count), [], config.LoginConflictPolicy);

            yield return new GeneratedCommand(new Command { ConfigApplied = config }, now);
        }

        foreach (string connector in _connectorIds)
        {
            yield return new GeneratedCommand(new Command { ConnectorUp = new ConnectorUp { ConnectorId = connector, Endpoint = connector + ":5061", Pool = "pool-1", LeaseMs = 86_400_000 } }, now);
            _epochs[connector] = FirstIncarnationEpoch;
        }

        for (int i = 0; i < all.Count; i += DnsPerConfigEntry)
        {
            var moves = new DnsReassigned();
            for (int j = i; j < Math.Min(all.Count, i + DnsPerConfigEntry); j++)
            {
                // Agent DNs go with their agent's connector; the rest round-robin.
                int owner = j < 2 * _agentDns.Length ? j / 2 : j;
                moves.Assignments.Add(new DnAssignment { Dn = all[j].Id, ConnectorId = _connectorIds[owner % _connectorIds.Length] });
            }

            yield return new GeneratedCommand(new Command { DnsReassigned = moves }, now);
        }

        yield return new GeneratedCommand(new Command { SessionOpened = new SessionOpened { SessionId = "statserver", ClientName = "Stat Server", LeaseMs = 86_400_000 } }, now);
        yield return new GeneratedCommand(new Command { SessionOpened = new SessionOpened { SessionId = "urs", ClientName = "URS", LeaseMs = 86_400_000 } }, now);
        for (int i = 0; i < _agentDns.Length; i++)
        {
            yield return new GeneratedCommand(new Command { SessionOpened = new SessionOpened { SessionId = _deskSessions[i], ClientName = "desktop", LeaseMs = 86_400_000 } }, now);
            yield return new GeneratedCommand(Desk(i, new Command { AgentLoggedIn = new AgentLoggedIn { AgentId = _agentIds[i], Dn = _agentDns[i], Queue = _queues[i % _queues.Length], WorkMode = AgentWorkMode.AutoIn } }), now);
            yield return new GeneratedCommand(Desk(i, new Command { AddressRegistered = new AddressRegistered { Dn = _agentDns[i], AddressType = AddressType.Dn } }), now);
            yield return new GeneratedCommand(Desk(i, new Command { AddressRegistered = new AddressRegistered { Dn = _agentSecondDns[i], AddressType = AddressType.Dn } }), now);
            _freeAgents.Enqueue(i);
        }

        foreach (DnId rp in _routePoints)
        {
            yield return new GeneratedCommand(new Command { SessionId = "urs", AddressRegistered = new AddressRegistered { Dn = rp, AddressType = AddressType.RouteDn } }, now);
        }

        if (_profile.StatServerSubscriptions)
        {
            foreach (Dn dn in all)
            {
                yield return new GeneratedCommand(new Command { SessionId = "statserver", AddressRegistered = new AddressRegistered { Dn = dn.Id, AddressType = dn.Type, ControlMode = ControlMode.RegisterMonitor } }, now);
            }
        }
    }

    private static void AddDns(List<Dn> all, DnId[] ids, AddressType type)
    {
        foreach (DnId id in ids)
        {
            all.Add(new Dn { Id = id, Type = type, Register = RegisterFlag.True, Site = "A" });
        }
    }

    /// <summary>The next traffic command; call only after every <see cref="Setup"/> command was taken.</summary>
    /// <returns>The command and its leader timestamp.</returns>
    public GeneratedCommand Next()
    {
        TrafficCommands++;
        long now = Tick();
        if (_liveCalls < _profile.ConcurrentCalls || _running.Count == 0)
        {
            var call = new CallScript(this, _connectorIds[CallsStarted % _connectorIds.Length]);
            _liveCalls++;
            CallsStarted++;
            _running.Add(call);
            return new GeneratedCommand(Sourced(call, call.Step()), now);
        }

        int i = NextInt(_running.Count);
        Script script = _running[i];
        Command command = Sourced(script, script.Step());
        if (script.Done || script.Waiting)
        {
            _running[i] = _running[^1];
            _running.RemoveAt(_running.Count - 1);
            if (script.Waiting)
            {
                Enqueue((CallScript)script);
            }
        }

        return new GeneratedCommand(command, now);
    }

    // The switch side's reports of a call (everything a call script emits that is not a desktop's request) come from
    // one connector, with its next source sequence and current epoch: replays of them are idempotent (DOMAIN.md §5
    // scenario 14), and the benchmarks pay for the source dedupe as a real deployment would.
    private Command Sourced(Script script, Command command)
    {
        if (script is CallScript call && command.SessionId.Length == 0)
        {
            command.Source = call.Source;
            command.SourceSequence = _sourceSequences[call.Source] = _sourceSequences.GetValueOrDefault(call.Source) + 1;
            command.SourceEpoch = EpochOf(call.Source);
            SourcedCommands++;
        }

        return command;
    }

    private void Enqueue(CallScript call)
    {
        if (_freeAgents.TryDequeue(out int agent))
        {
            call.AssignAgent(agent);
            _running.Add(call);
        }
        else
        {
            (call.NeedsConsultAgent ? _waitingForConsult : _waiting).Enqueue(call);
        }
    }

    private void AgentFree(int agent)
    {
        if (_waitingForConsult.TryDequeue(out CallScript? call) || _waiting.TryDequeue(out call))
        {
            call.AssignAgent(agent);
            _running.Add(call);
        }
        else
        {
            _freeAgents.Enqueue(agent);
        }
    }

    private void StartWrapUp(int agent) => _running.Add(new WrapUpScript(this, agent));

    private void CallEnded()
    {
        _liveCalls--;
        CallsReleased++;
    }

    private abstract class Script
    {
        public bool Done { get; protected set; }

        public bool Waiting { get; protected set; }

        public abstract Command Step();
    }

    // After-call work then ready again (DOMAIN.md §4: "agent ACW + Ready").
    private sealed class WrapUpScript(WorkloadGenerator g, int agent) : Script
    {
        private int _phase;

        public override Command Step()
        {
            if (_phase++ == 0)
            {
                return g.Desk(agent, new Command { AgentNotReady = new AgentNotReady { AgentId = g._agentIds[agent], WorkMode = AgentWorkMode.AfterCallWork } });
            }

            Done = true;
            g.AgentFree(agent);
            return g.Desk(agent, new Command { AgentReady = new AgentReady { AgentId = g._agentIds[agent], WorkMode = AgentWorkMode.AutoIn } });
        }
    }
}
