using System.Globalization;
using HaCore.TServer.Driver;
using HaCore.TServer.Node;
using HaCore.TServer.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

// HaCore.TServer node --id N [--base-port 17000] [--nodes 3] [--agents 50] --data DIR   (cluster secret: HACORE_CLUSTER_SECRET, hex)
// HaCore.TServer run [--seconds 60] [--rate 5] [--agents 50] [--uac sipp|builtin] [--base-port 17000] [--work DIR]
if (args.Length == 0 || args[0] is not ("node" or "run"))
{
    Console.Error.WriteLine("usage: HaCore.TServer node --id N --data DIR [--base-port P] [--nodes 3] [--agents 50]");
    Console.Error.WriteLine("       HaCore.TServer run [--seconds 60] [--rate 5] [--agents 50] [--uac sipp|builtin] [--base-port P] [--work DIR]");
    return 2;
}

var arguments = Arguments.Parse(args.Skip(1));
if (args[0] == "run")
{
    return await FailoverRun.RunAsync(FailoverRunOptions.From(arguments));
}

var secretHex = Environment.GetEnvironmentVariable("HACORE_CLUSTER_SECRET");
if (string.IsNullOrEmpty(secretHex))
{
    Console.Error.WriteLine("HACORE_CLUSTER_SECRET (hex, at least 16 bytes) is required");
    return 2;
}

var options = new TServerOptions
{
    NodeId = ulong.Parse(arguments.Get("id", "1"), CultureInfo.InvariantCulture),
    Nodes = int.Parse(arguments.Get("nodes", "3"), CultureInfo.InvariantCulture),
    BasePort = int.Parse(arguments.Get("base-port", "17000"), CultureInfo.InvariantCulture),
    Agents = int.Parse(arguments.Get("agents", "50"), CultureInfo.InvariantCulture),
    DataDirectory = arguments.Get("data", ""),
    ClusterSecret = Convert.FromHexString(secretHex),
};
options.Validate();
return await NodeHost.RunAsync(options, args);

/// <summary>Runs a node process until SIGTERM/SIGINT.</summary>
internal static class NodeHost
{
    public static async Task<int> RunAsync(TServerOptions options, string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder([]);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(System.Net.IPAddress.Loopback, options.HttpPort(options.NodeId));
            k.Limits.MaxRequestBodySize = 64 * 1024; // a desktop request is a few hundred bytes
            k.Limits.MaxConcurrentConnections = 2_000; // desktops' requests and event streams, supervisors
            k.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
        });
        await using var app = builder.Build();
        var loggerFactory = (ILoggerFactory)app.Services.GetService(typeof(ILoggerFactory))!;
        await using var node = await TServerNode.StartAsync(options, loggerFactory).ConfigureAwait(false);
        // Every HTTP request (desktops, supervisors, the other nodes) carries a token keyed by the cluster secret.
        var tokens = new ClientTokens(options.ClusterSecret);
        app.Use(tokens.RequireAsync);
        using var peers = new HttpClient(tokens.Handler($"node-{options.NodeId}")) { Timeout = TimeSpan.FromSeconds(2) };
        WebEndpoints.Map(app, node, peers);
        ConnectorEndpoints.Map(app, node, tokens);
        loggerFactory.CreateLogger("HaCore.TServer").LogInformation(
            "node {Node}: Raft {Raft}, HTTP 127.0.0.1:{Http}, SIP udp {Sip}, data {Data} ({Args})",
            options.NodeId, options.RaftEndPoint(options.NodeId), options.HttpPort(options.NodeId), node.Sip.LocalEndPoint, options.DataDirectory, string.Join(' ', args));
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }
}

/// <summary><c>--name value</c> pairs.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Arguments Parse(IEnumerable<string> args)
    {
        var a = new Arguments();
        string? name = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (name is not null)
                {
                    a._values[name] = "true";
                }

                name = arg[2..];
            }
            else if (name is not null)
            {
                a._values[name] = arg;
                name = null;
            }
        }

        if (name is not null)
        {
            a._values[name] = "true";
        }

        return a;
    }

    public string Get(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public bool Has(string name) => _values.ContainsKey(name);
}
