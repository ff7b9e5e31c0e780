using System.Globalization;
using System.Net;

namespace HaCore.DotNextPeer;

/// <summary>
/// The peer's command line (the load harness's DotNextCluster passes the same timings it gives HaCore and etcd):
///   --id N --data DIR --raft-port P --client-port Q --control-port R --peers 1=127.0.0.1:P1,2=127.0.0.1:P2,...
///   [--keys 10000] [--heartbeat-ms 20] [--election-ms 200] [--snapshot-every 50000] [--deadline-ms 5000] [--parent-pid PID]
/// </summary>
internal sealed record PeerOptions
{
    public required ulong Id { get; init; }
    public required string Data { get; init; }
    public required int RaftPort { get; init; }
    public required int ClientPort { get; init; }
    public required int ControlPort { get; init; }
    public required IReadOnlyDictionary<ulong, IPEndPoint> Peers { get; init; }
    public int Keys { get; init; } = 10_000;
    public int HeartbeatMs { get; init; } = 20;
    public int ElectionMs { get; init; } = 200;
    public long SnapshotEvery { get; init; } = 50_000;
    public int DeadlineMs { get; init; } = 5000;
    public int? ParentPid { get; init; }

    public const string Usage = "HaCore.DotNextPeer --id N --data DIR --raft-port P --client-port Q --control-port R --peers 1=127.0.0.1:P1,... " +
        "[--keys 10000] [--heartbeat-ms 20] [--election-ms 200] [--snapshot-every 50000] [--deadline-ms 5000] [--parent-pid PID]";

    /// <exception cref="ArgumentException">A missing, unknown or invalid option.</exception>
    public static PeerOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] known = ["--id", "--data", "--raft-port", "--client-port", "--control-port", "--peers", "--keys", "--heartbeat-ms", "--election-ms", "--snapshot-every", "--deadline-ms", "--parent-pid"];
        for (var i = 0; i < args.Length; i++)
        {
            if (!known.Contains(args[i]))
            {
                throw new ArgumentException($"unknown option {args[i]}");
            }

            values[args[i]] = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        }

        string Req(string name) => values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"missing {name}");
        long Num(string name, long fallback, long min, long max)
        {
            if (!values.TryGetValue(name, out var text))
            {
                return fallback;
            }

            return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
                ? v
                : throw new ArgumentException($"{name} must be an integer in {min} .. {max}, not '{text}'");
        }

        int Port(string name) => (int)Num(name, Required(name), 1, 65535);
        long Required(string name) => values.ContainsKey(name) ? 0 : throw new ArgumentException($"missing {name}");

        var peers = new Dictionary<ulong, IPEndPoint>();
        foreach (var item in Req("--peers").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = item.Split('=');
            if (parts.Length != 2 || !ulong.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var peerId) || peerId == 0
                || !IPEndPoint.TryParse(parts[1], out var endPoint) || !IPAddress.IsLoopback(endPoint.Address) || !peers.TryAdd(peerId, endPoint))
            {
                throw new ArgumentException($"--peers: '{item}' is not ID=127.0.0.1:PORT with a new positive ID and a loopback address");
            }
        }

        var options = new PeerOptions
        {
            Id = (ulong)Num("--id", Required("--id"), 1, int.MaxValue),
            Data = Req("--data"),
            RaftPort = Port("--raft-port"),
            ClientPort = Port("--client-port"),
            ControlPort = Port("--control-port"),
            Peers = peers,
            Keys = (int)Num("--keys", 10_000, 1, 100_000_000),
            HeartbeatMs = (int)Num("--heartbeat-ms", 20, 1, 60_000),
            ElectionMs = (int)Num("--election-ms", 200, 2, 600_000),
            SnapshotEvery = Num("--snapshot-every", 50_000, 0, long.MaxValue),
            DeadlineMs = (int)Num("--deadline-ms", 5000, 1, 600_000),
            ParentPid = values.ContainsKey("--parent-pid") ? (int)Num("--parent-pid", 0, 1, int.MaxValue) : null,
        };
        if (!peers.TryGetValue(options.Id, out var self) || self.Port != options.RaftPort)
        {
            throw new ArgumentException($"--peers must name this node ({options.Id}) at its --raft-port {options.RaftPort}");
        }

        if (options.HeartbeatMs >= options.ElectionMs)
        {
            throw new ArgumentException($"--heartbeat-ms ({options.HeartbeatMs}) must be below --election-ms ({options.ElectionMs})");
        }

        return options;
    }
}
