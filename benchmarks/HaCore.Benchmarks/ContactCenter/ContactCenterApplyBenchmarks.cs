using BenchmarkDotNet.Attributes;
using HaCore.ContactCenter;
using HaCore.ContactCenter.Workload;

namespace HaCore.Benchmarks.ContactCenter;

/// <summary>
/// Apply cost per command kind, on a steady-state B1 state (1,200 live calls, 2,000 agents). Each
/// benchmark applies a cycle of commands that returns the state to where it started (for example
/// PartyHeld then PartyRetrieved), <see cref="Cycles"/> times; figures are per applied command.
/// </summary>
[MemoryDiagnoser]
public class ContactCenterApplyBenchmarks
{
    private const int Cycles = 1_000;
    private const string Sw = "SW1";

    private ContactCenterStateMachine _sm = null!;
    private ulong _index;
    private long _now;
    private ulong _call;
    private uint _reference;

    private static DnId Dn(string n) => new() { SwitchName = Sw, Number = n };

    private static KvPair Kv(string k, string v) => new() { Key = k, Value = new KvValue { Str = v } };

    /// <summary>Builds the B1 background and a few dedicated DNs, an agent, a session and a live call.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var runner = new WorkloadRunner(WorkloadProfile.B1, seed: 42);
        runner.ApplySetup();
        runner.RunToSteadyState();
        _sm = runner.StateMachine;
        _index = runner.Index;
        _now = 1_800_000_000_000;
        var config = new ConfigApplied { Version = 1_000_000 };
        foreach (string n in new[] { "X1", "X2", "X3", "X4", "X5" })
        {
            config.DnUpserts.Add(new Dn { Id = Dn(n), Type = AddressType.Dn, Place = "XP" + n });
        }

        config.DnUpserts.Add(new Dn { Id = Dn("XQ"), Type = AddressType.Queue });
        config.DnUpserts.Add(new Dn { Id = Dn("XRP"), Type = AddressType.RouteDn });
        config.DnUpserts.Add(new Dn { Id = Dn("XT"), Type = AddressType.Trunk });
        config.DnUpserts.Add(new Dn { Id = Dn("XT2"), Type = AddressType.Trunk });
        config.DnUpserts.Add(new Dn { Id = Dn("XRES"), Type = AddressType.RouteDn });
        config.Hash = _sm.ConfigHashAfter(config);
        Check(new Command { ConfigApplied = config });
        Check(new Command { SessionOpened = new SessionOpened { SessionId = "bench", LeaseMs = long.MaxValue / 4 } });
        // The clock jumped past the workload connectors' leases: renew the two the record and reassignment benchmarks
        // use (a reassignment needs a live target).
        foreach (string connector in new[] { "connector-0", "connector-1" })
        {
            Check(new Command { ConnectorUp = new ConnectorUp { ConnectorId = connector, Endpoint = connector + ":bench", Pool = "bench", LeaseMs = long.MaxValue / 4, Epoch = WorkloadGenerator.FirstIncarnationEpoch } });
        }

        Check(new Command { AgentLoggedIn = new AgentLoggedIn { AgentId = "bench-agent", Dn = Dn("X1"), WorkMode = AgentWorkMode.ManualIn } });
        // An agent with no calls for the logout/login cycle (a logout with active calls is refused).
        Check(new Command { AgentLoggedIn = new AgentLoggedIn { AgentId = "bench-agent-2", Dn = Dn("X5"), WorkMode = AgentWorkMode.ManualIn } });
        _call = Check(new Command { CallCreated = new CallCreated { Dn = Dn("XT"), InitialState = PartyState.Connected, CallType = CallType.Inbound } }).ConnId;
        Check(new Command { PartyRinging = new PartyRinging { ConnId = _call, Dn = Dn("X1"), ThisQueue = Dn("XQ") } });
        Check(new Command { PartyEstablished = new PartyEstablished { ConnId = _call, Dn = Dn("X1") } });
        Check(new Command { UserDataAttached = new UserDataAttached { ConnId = _call, Pairs = { new KvPair { Key = "CustomerData", Value = new KvValue { Binary = new byte[512] } } } } });
    }

    private CommandResult Check(Command command, long msStep = 1)
    {
        _now += msStep;
        CommandResult r = _sm.Apply(new CommandContext(++_index, 1, _now), command);
        if (r.RejectReason != RejectReason.None)
        {
            throw new InvalidOperationException($"benchmark command {command.KindCase} rejected: {r.RejectReason} {r.Message}");
        }

        return r;
    }

    /// <summary>CallCreated then CallReleased.</summary>
    [Benchmark(OperationsPerInvoke = Cycles * 2)]
    public void CallCreated_CallReleased()
    {
        var create = new Command { CallCreated = new CallCreated { Dn = Dn("XT2"), InitialState = PartyState.Dialing, CallType = CallType.Inbound, Ani = "5550000" } };
        var release = new Command { CallReleased = new CallReleased() };
        for (int i = 0; i < Cycles; i++)
        {
            release.CallReleased.ConnId = Check(create).ConnId;
            Check(release);
        }
    }

    /// <summary>PartyRinging, PartyEstablished and PartyReleased of a second party.</summary>
    [Benchmark(OperationsPerInvoke = Cycles * 3)]
    public void PartyRinging_Established_Released()
    {
        var ring = new Command { PartyRinging = new PartyRinging { ConnId = _call, Dn = Dn("X2"), OtherDn = Dn("XT") } };
        var answer = new Command { PartyEstablished = new PartyEstablished { ConnId = _call, Dn = Dn("X2") } };
        var release = new Command { PartyReleased = new PartyReleased { ConnId = _call, Dn = Dn("X2") } };
        for (int i = 0; i < Cycles; i++)
        {
            Check(ring);
            Check(answer);
            Check(release);
        }
    }

    /// <summary>PartyHeld then PartyRetrieved.</summary>
    [Benchmark(OperationsPerInvoke = Cycles * 2)]
    public void PartyHeld_Retrieved()
    {
        var hold = new Command { PartyHeld = new PartyHeld { ConnId = _call, Dn = Dn("X1") } };
        var retrieve = new Command { PartyRetrieved = new PartyRetrieved { ConnId = _call, Dn = Dn("X1") } };
        for (int i = 0; i < Cycles; i++)
        {
            Check(hold);
            Check(retrieve);
        }
    }

    /// <summary>PartyQueued then PartyDiverted.</summary>
    [Benchmark(OperationsPerInvoke = Cycles * 2)]
    public void PartyQueued_Diverted()
    {
        var queue = new Command { PartyQueued = new PartyQueued { ConnId = _call, Queue = Dn("XQ") } };
        var divert = new Command { PartyDiverted = new PartyDiverted { ConnId = _call, Dn = Dn("XQ"), Destination = Dn("X1") } };
        for (int i = 0; i < Cycles; i++)
        {
            Check(queue);
            Check(divert);
        }
    }

    /// <summary>PartyAdded (conference) then PartyDeleted.</summary>
    [Benchmark(OperationsPerInvoke = Cycles * 2)]
    public void PartyAdded_Deleted()
    {
        var add = new Command { PartyAdded = new PartyAdded { ConnId = _call, Dn = Dn("X3"), Role = PartyRole.ConferenceMember } };
        var delete = new Command { PartyDeleted = new PartyDeleted { ConnId = _call, Dn = Dn("X3") } };
        for (int i = 0; i < Cycles; i++)
        {
            Check(add);
            Check(delete);
        }
    }

    /// <summary>PartyChanged re-keying the call to a newly allocated ConnId.</summary>
    [Benchmark(OperationsPerInvoke = Cycles)]
    public void PartyChanged()
    {
        var change = new Command { PartyChanged = new PartyChanged { ConnId = _call } };
        for (int i = 0; i < Cycles; i++)
        {
            _call = Check(change).ConnId;
            change.PartyChanged.ConnId = _call;
        }
    }

    /// <summary>TransferStarted then TransferAborted.</summary>
    [Benchmark(OperationsPerInvoke = Cycles * 2)]
    public void TransferStarted_Aborted()
    {
        var start = new Command { TransferStarted = new TransferStarted { ConnId = _call, Controller = Dn("X1"), Target = Dn("X2"), Kind = TransferKind.SingleStep } };
        var abort = new Command { TransferAborted = new TransferAborted { ConnId = _call } };
        for (int i = 0; i < Cycles; i++)
        {
            Check(start);
            Check(abort);
        }
    }

    /// <summary>RouteRequested then RouteUsed.</summary>
    [Benchmark(OperationsPerInvoke = Cycles * 2)]
    public void RouteRequested_Used()
    {
        var request = new Command { RouteRequested = new RouteRequested { ConnId = _call, RoutePoint = Dn("XRP"), TimeoutMs = 10_000 } };
        var used = new Command { RouteUsed = new RouteUsed { ConnId = _call, Destination = Dn("X2") } };
        for (int i = 0; i < Cycles; i++)
        {
            Check(request);
            Check(used);
        }
    }

    /// <summary>UserDataUpdated of one key (an upsert; repeatable).</summary>
    [Benchmark(OperationsPerInvoke = Cycles)]
    public void UserDataUpdated()
    {
        var update = new Command { UserDataUpdated = new UserDataUpdated { ConnId = _call, Pairs = { Kv("Disposition", "sale") } } };
        for (int i = 0; i < Cycles; i++)
        {
            Check(update);
        }
    }

    /// <summary>UserDataUpdated from a client session with a fresh ReferenceID each time (dedupe path).</summary>
    [Benchmark(OperationsPerInvoke = Cycles)]
    public void UserDataUpdated_ClientRequest()
    {
        var update = new Command { SessionId = "bench", UserDataUpdated = new UserDataUpdated { ConnId = _call, Pairs = { Kv("Disposition", "sale") } } };
        for (int i = 0; i < Cycles; i++)
        {
            // 5 ms apart: 60,000 requests in the 300 s dedupe window, under the 65,536 a session may hold (1 ms apart
            // the session would reach its limit, and be refused, within 66 s of benchmark time).
            update.ReferenceId = ++_reference;
            Check(update, msStep: 5);
        }
    }

    /// <summary>UserDataAttached then UserDataKeyDeleted.</summary>
    [Benchmark(OperationsPerInvoke = Cycles * 2)]
    public void UserDataAttached_KeyDeleted()
    {
        var attach = new Command { UserDataAttached = new UserDataAttached { ConnId = _call, Pairs = { Kv("Tmp", "1") } } };
        var delete = new Command { UserDataKeyDeleted = new UserDataKeyDeleted { ConnId = _call, Key = "Tmp" } };
        for (int i = 0; i < Cycles; i++)
        {
            Check(attach);
            Check(delete);
        }
    }

    /// <summary>TreatmentRequested, TreatmentApplied and TreatmentEnded.</summary>
    [Benchmark(OperationsPerInvoke = Cycles * 3)]
    public void Treatment_Requested_Applied_Ended()
    {
        var request = new Command { TreatmentRequested = new TreatmentRequested { ConnId = _call, Dn = Dn("XRP"), Type = TreatmentType.Music } };
        var applied = new Command { TreatmentApplied = new TreatmentApplied { ConnId = _call, Dn = Dn("XRP"), MediaResource = "port-1" } };
        var ended = new Command { TreatmentEnded = new TreatmentEnded { ConnId = _call, Dn = Dn("XRP") } };
        for (int i = 0; i < Cycles; i++)
        {
            Check(request);
            Check(applied);
            Check(ended);
        }
    }

    /// <summary>A call with an ISCC transaction: CallCreated, IsccRequested, IsccResourceAllocated, IsccSucceeded, CallReleased.</summary>
    [Benchmark(OperationsPerInvoke = Cycles * 5)]
    public void Iscc_lifecycle_with_call()
    {
        var create = new Command { CallCreated = new CallCreated { Dn = Dn("XT2"), InitialState = PartyState.Connected } };
        var request = new Command { IsccRequested = new IsccRequested { TransactionId = 1, RemoteLocation = "siteB", TimeoutMs = 5000 } };
        var allocate = new Command { IsccResourceAllocated = new IsccResourceAllocated { TransactionId = 1, AccessResource = Dn("XRES") } };
        var success = new Command { IsccSucceeded = new IsccSucceeded { TransactionId = 1, RemoteConnId = 77 } };
        var release = new Command { CallReleased = new CallReleased() };
        for (int i = 0; i < Cycles; i++)
        {
            ulong id = Check(create).ConnId;
            request.IsccRequested.ConnId = id;
            release.CallReleased.ConnId = id;
            Check(request);
            Check(allocate);
            Check(success);
            Check(release);
        }
    }

    /// <summary>AgentNotReady (ACW) then AgentReady.</summary>
    [Benchmark(OperationsPerInvoke = Cycles * 2)]
    public void AgentNotReady_Ready()
    {
        var notReady = new Command { AgentNotReady = new AgentNotReady { AgentId = "bench-agent", WorkMode = AgentWorkMode.AfterCallWork } };
        var ready = new Command { AgentReady = new AgentReady { AgentId = "bench-agent", WorkMode = AgentWorkMode.ManualIn } };
        for (int i = 0; i < Cycles; i++)
        {
            Check(notReady);
            Check(ready);
        }
    }

    /// <summary>AgentLoggedOut then AgentLoggedIn.</summary>
    [Benchmark(OperationsPerInvoke = Cycles * 2)]
    public void AgentLoggedOut_LoggedIn()
    {
        var logout = new Command { AgentLoggedOut = new AgentLoggedOut { AgentId = "bench-agent-2" } };
        var login = new Command { AgentLoggedIn = new AgentLoggedIn { AgentId = "bench-agent-2", Dn = Dn("X5"), WorkMode = AgentWorkMode.ManualIn } };
        for (int i = 0; i < Cycles; i++)
        {
            Check(logout);
            Check(login);
        }
    }

    /// <summary>DndOn then DndOff.</summary>
    [Benchmark(OperationsPerInvoke = Cycles * 2)]
    public void DndOn_Off()
    {
        var on = new Command { DndOn = new DndOn { Dn = Dn("X4") } };
        var off = new Command { DndOff = new DndOff { Dn = Dn("X4") } };
        for (int i = 0; i < Cycles; i++)
        {
            Check(on);
            Check(off);
        }
    }

    /// <summary>SessionRenewed.</summary>
    [Benchmark(OperationsPerInvoke = Cycles)]
    public void SessionRenewed()
    {
        var renew = new Command { SessionRenewed = new SessionRenewed { SessionId = "bench", LeaseMs = long.MaxValue / 4 } };
        for (int i = 0; i < Cycles; i++)
        {
            Check(renew);
        }
    }

    /// <summary>AddressRegistered then AddressUnregistered.</summary>
    [Benchmark(OperationsPerInvoke = Cycles * 2)]
    public void AddressRegistered_Unregistered()
    {
        var register = new Command { SessionId = "bench", AddressRegistered = new AddressRegistered { Dn = Dn("X4") } };
        var unregister = new Command { SessionId = "bench", AddressUnregistered = new AddressUnregistered { Dn = Dn("X4") } };
        for (int i = 0; i < Cycles; i++)
        {
            Check(register);
            Check(unregister);
        }
    }

    /// <summary>ConnCallUpserted then ConnCallRemoved.</summary>
    [Benchmark(OperationsPerInvoke = Cycles * 2)]
    public void ConnCallUpserted_Removed()
    {
        var upsert = new Command { ConnCallUpserted = new ConnCallUpserted { Record = new ConnectorCall { CallId = "bench-ucma", ConnId = _call, ConnectorId = "connector-0", ConversationId = "c" }, Epoch = 1 } };
        var remove = new Command { ConnCallRemoved = new ConnCallRemoved { CallId = "bench-ucma", ConnectorId = "connector-0", Epoch = 1 } };
        for (int i = 0; i < Cycles; i++)
        {
            upsert.ConnCallUpserted.Record.ConnId = _call;
            Check(upsert);
            Check(remove);
        }
    }

    /// <summary>DnsReassigned moving one DN between two connectors and back.</summary>
    [Benchmark(OperationsPerInvoke = Cycles * 2)]
    public void DnsReassigned()
    {
        var toA = new Command { DnsReassigned = new DnsReassigned { FromConnectorId = "connector-1", FromEpoch = WorkloadGenerator.FirstIncarnationEpoch, Assignments = { new DnAssignment { Dn = Dn("X4"), ConnectorId = "connector-0" } } } };
        var toB = new Command { DnsReassigned = new DnsReassigned { FromConnectorId = "connector-0", FromEpoch = WorkloadGenerator.FirstIncarnationEpoch, Assignments = { new DnAssignment { Dn = Dn("X4"), ConnectorId = "connector-1" } } } };
        for (int i = 0; i < Cycles; i++)
        {
            Check(toA);
            Check(toB);
        }
    }

    /// <summary>ConfigApplied with one option change.</summary>
    [Benchmark(OperationsPerInvoke = Cycles)]
    public void ConfigApplied()
    {
        var config = new Command { ConfigApplied = new ConfigApplied { Options = { Kv("addp-timeout", "10") } } };
        config.ConfigApplied.Hash = _sm.ConfigHashAfter(config.ConfigApplied);
        for (int i = 0; i < Cycles; i++)
        {
            config.ConfigApplied.Version = _sm.Config.ConfigVersion + 1;
            Check(config);
        }
    }
}
