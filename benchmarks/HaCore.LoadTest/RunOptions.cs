using System.Globalization;

namespace HaCore.LoadTest;

/// <summary>The controller's command line.</summary>
internal sealed class RunOptions
{
    public static readonly string[] AllSystems = ["hacore-embedded", "hacore-network", "etcd", "dotnext"];
    public static readonly string[] AllProfiles = ["write", "read-linearizable", "read-lease", "mixed", "failover"];

    public List<string> Profiles { get; set; } = ["write"];
    public List<string> Systems { get; set; } = [.. AllSystems];
    public List<int> Clients { get; set; } = [1, 16, 64, 256, 1024];
    public double Seconds { get; set; } = 5;
    public double Warmup { get; set; } = 1;
    public string Out { get; set; } = Path.Combine("loadtest-results", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
    public bool Keep { get; set; }
    public int Nodes { get; set; } = 3;
    public int Keys { get; set; } = 10_000;
    public int ValueBytes { get; set; } = 256;
    public int HeartbeatMs { get; set; } = 20;
    public int ElectionMs { get; set; } = 200;
    public int OpDeadlineMs { get; set; } = 5000;
    public long SnapshotEvery { get; set; } = 50_000;
    public int ReconnectMaxMs { get; set; } = 5000;
    public int Connections { get; set; } = 4;
    public double KillEvery { get; set; } = 3;
    public int Kills { get; set; } = 20;
    public double RestartAfter { get; set; } = 1;
    public bool PauseIdle { get; set; } = true;
    public string CommandLine { get; set; } = string.Empty;

    public const string Usage = """
        HaCore.LoadTest [options]            the controller (default role)
        HaCore.LoadTest node ...             one node host (started by the controller)

          --profile LIST      write, read-linearizable, read-lease, mixed, failover (comma-separated; default write)
          --systems LIST      hacore-embedded, hacore-network, etcd, dotnext (default all four, alternating within each step;
                              dotnext: DotNext.Net.Cluster 6.12 in benchmarks/HaCore.DotNextPeer, its followers ack before they flush);
                              a HaCore system may carry a variant, run on a cluster of its own in the same run:
                              hacore-embedded+snap=N (SnapshotEveryEntries N), +cache=N (EntryCacheBytes), +retain=N (RetainedCommands), +dll=PATH (nodes run
                              that copy of HaCore.LoadTest.dll: before/after in one run), +DOTNET_X=V (an environment variable of
                              its node processes, e.g. +DOTNET_gcServer=1), e.g. hacore-embedded,hacore-embedded+snap=100000000
          --clients LIST      concurrent callers per step (default 1,16,64,256,1024; failover uses the first)
          --seconds S         measured seconds per step (default 5)
          --warmup S          unmeasured seconds before each step (default 1)
          --out DIR           results: results.jsonl, results.md, charts (default loadtest-results/<utc time>)
          --keep              keep the data directories (under the temp folder)
          --keys N            key space (default 10000); --value-bytes N (default 256)
          --heartbeat-ms N    HaCore tick / etcd --heartbeat-interval / DotNext heartbeat (default 20)
          --election-ms N     HaCore election timeout / etcd --election-timeout / DotNext lower election timeout (default 200)
          --deadline-ms N     per-operation deadline (default 5000)
          --reconnect-max-ms N  HaCore: TcpTransportOptions.ReconnectBackoffMax in ms (default 5000, the library's)
          --snapshot-every N  HaCore and DotNext: snapshot after N applied entries (HaCoreNodeOptions.SnapshotEveryEntries, default 50000)
          --connections N     client connections (hacore-network, dotnext) or gRPC channels (etcd) per node (default 4)
          --kills N           failover: leader kills (default 20); --kill-every S (default 3); --restart-after S (default 1)
          --no-pause          leave idle systems running (by default they are SIGSTOPped while another system is measured)
        """;

    /// <summary>The system without its variant: <c>hacore-embedded+snap=N</c> is <c>hacore-embedded</c>.</summary>
    public static string BaseSystem(string system) => system.Split('+', 2)[0];

    public static RunOptions Parse(string[] args)
    {
        var o = new RunOptions { CommandLine = string.Join(" ", args) };
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            double D() => double.Parse(Next(), CultureInfo.InvariantCulture);
            int N() => int.Parse(Next(), CultureInfo.InvariantCulture);
            List<string> L() => [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            switch (args[i])
            {
                case "--profile": o.Profiles = L(); break;
                case "--systems": o.Systems = L(); break;
                case "--clients": o.Clients = [.. L().Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
                case "--seconds": o.Seconds = D(); break;
                case "--warmup": o.Warmup = D(); break;
                case "--out": o.Out = Next(); break;
                case "--keep": o.Keep = true; break;
                case "--nodes": o.Nodes = N(); break;
                case "--keys": o.Keys = N(); break;
                case "--value-bytes": o.ValueBytes = N(); break;
                case "--heartbeat-ms": o.HeartbeatMs = N(); break;
                case "--election-ms": o.ElectionMs = N(); break;
                case "--deadline-ms": o.OpDeadlineMs = N(); break;
                case "--reconnect-max-ms": o.ReconnectMaxMs = N(); break;
                case "--snapshot-every": o.SnapshotEvery = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--connections": o.Connections = N(); break;
                case "--kill-every": o.KillEvery = D(); break;
                case "--kills": o.Kills = N(); break;
                case "--restart-after": o.RestartAfter = D(); break;
                case "--no-pause": o.PauseIdle = false; break;
                default: throw new ArgumentException($"unknown option {args[i]}\n{Usage}");
            }
        }

        foreach (var s in o.Systems.Where(s => !AllSystems.Contains(BaseSystem(s)) || (BaseSystem(s) == "etcd" && s != "etcd")))
        {
            throw new ArgumentException($"unknown system {s} ({string.Join(", ", AllSystems)}; HaCore systems take variants, e.g. hacore-embedded+snap=100000000+DOTNET_gcServer=1)");
        }

        foreach (var s in o.Systems)
        {
            _ = Variant.Parse(Variant.KeyOf(s)); // throws on a malformed variant
        }

        foreach (var p in o.Profiles.Where(p => !AllProfiles.Contains(p)))
        {
            throw new ArgumentException($"unknown profile {p} ({string.Join(", ", AllProfiles)})");
        }

        if (o.Clients.Count == 0 || o.Clients.Any(c => c < 1) || o.Seconds <= 0 || o.Warmup < 0 || o.Nodes < 1 || o.Keys < 1 || o.Kills < 0 || o.KillEvery <= 0)
        {
            throw new ArgumentException("--clients, --seconds, --nodes, --keys and --kill-every must be positive; --warmup and --kills not negative");
        }

        return o;
    }
}

/// <summary>
/// A HaCore system's variant: the part after the first <c>+</c> of its name, tokens separated by <c>+</c>:
/// <c>snap=N</c> (SnapshotEveryEntries), <c>cache=N</c> (StorageOptions.EntryCacheBytes), <c>retain=N</c> (RetainedCommands), <c>dll=PATH</c> (the node processes run that build of
/// HaCore.LoadTest.dll, e.g. a copy of the previous build, for a before/after of the runtime in one run) and <c>NAME=VALUE</c> for an environment variable of the node processes whose name
/// starts with DOTNET_. Systems with the same variant share one cluster.
/// </summary>
internal sealed record Variant(long? SnapshotEvery, long? EntryCacheBytes, int? RetainedCommands, string? Dll, IReadOnlyDictionary<string, string> Environment)
{
    public static string KeyOf(string system) => system.Split('+', 2) is [_, var v] ? v : string.Empty;

    public static Variant Parse(string key)
    {
        long? snap = null, cache = null;
        int? retain = null;
        string? dll = null;
        var env = new Dictionary<string, string>();
        foreach (var token in key.Split('+', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = token.Split('=', 2);
            if (kv.Length != 2)
            {
                throw new ArgumentException($"variant token {token}: want snap=N, cache=N, retain=N, dll=PATH or DOTNET_NAME=VALUE");
            }

            if (kv[0] == "snap")
            {
                snap = long.Parse(kv[1], CultureInfo.InvariantCulture);
            }
            else if (kv[0] == "retain")
            {
                retain = int.Parse(kv[1], CultureInfo.InvariantCulture);
            }
            else if (kv[0] == "dll")
            {
                dll = File.Exists(kv[1]) ? Path.GetFullPath(kv[1]) : throw new ArgumentException($"variant token {token}: no such file");
            }
            else if (kv[0] == "cache")
            {
                cache = long.Parse(kv[1], CultureInfo.InvariantCulture);
            }
            else if (kv[0].StartsWith("DOTNET_", StringComparison.Ordinal))
            {
                env[kv[0]] = kv[1];
            }
            else
            {
                throw new ArgumentException($"variant token {token}: want snap=N, cache=N, retain=N, dll=PATH or DOTNET_NAME=VALUE");
            }
        }

        return new Variant(snap, cache, retain, dll, env);
    }
}
