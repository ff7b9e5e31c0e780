using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text.Json;
using HaCore.ConnectorPool;
using Microsoft.Extensions.Logging;

// HaCore.ConnectorPool --id c1 --nodes http://127.0.0.1:17101,http://127.0.0.1:17102,http://127.0.0.1:17103 --dns 3001,3002,3003
//   [--lease-ms 3000] [--renew-ms 1000] [--adopt-after-ms 3000] [--voice-ms 0]   (bearer token: HACORE_CONNECTOR_TOKEN)
// --voice-ms N: voice calls last about N ms (0.5-1.5 N), then the caller hangs up and the DN gets a new call (0: no churn).
// The leader's commands (release an idle IM interaction) arrive on its own command endpoint (CommandListener).
// One process per connector. Writes one line per thing it does to stdout, "@connector {json}" (a ConnectorReport),
// and its log to stderr. Exit code 0 when stopped (SIGTERM/SIGINT), 3 when fenced by a newer incarnation.
var values = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal))
    {
        Console.Error.WriteLine("usage: HaCore.ConnectorPool --id ID --nodes URL[,URL...] --dns DN[,DN...] [--lease-ms 3000] [--renew-ms 1000] [--adopt-after-ms 3000] [--voice-ms 0]");
        return 2;
    }

    values[args[i][2..]] = args[i + 1];
}

var token = Environment.GetEnvironmentVariable("HACORE_CONNECTOR_TOKEN");
if (string.IsNullOrEmpty(token) || !values.ContainsKey("id") || !values.ContainsKey("nodes"))
{
    Console.Error.WriteLine("--id, --nodes and HACORE_CONNECTOR_TOKEN (a ClientTokens token for subject connector-ID) are required");
    return 2;
}

int Ms(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
var options = new ConnectorOptions
{
    ConnectorId = values["id"],
    Nodes = values["nodes"].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(n => new Uri(n)).ToList(),
    Dns = values.GetValueOrDefault("dns", "").Split(',', StringSplitOptions.RemoveEmptyEntries),
    Lease = TimeSpan.FromMilliseconds(Ms("lease-ms", 3000)),
    RenewEvery = TimeSpan.FromMilliseconds(Ms("renew-ms", 1000)),
    AdoptAfter = TimeSpan.FromMilliseconds(Ms("adopt-after-ms", 3000)),
    VoiceCallLength = TimeSpan.FromMilliseconds(Ms("voice-ms", 0)),
};
options.Validate();

using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
    .AddFilter(null, LogLevel.Information));
var logger = loggers.CreateLogger("HaCore.ConnectorPool");
using var stop = new CancellationTokenSource();
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
var output = Console.Out;
var gate = new Lock();
void Write(ConnectorReport r)
{
    lock (gate)
    {
        output.WriteLine("@connector " + JsonSerializer.Serialize(r, json));
        output.Flush();
    }
}

var connector = new Connector(options, new NodeClient(http, options, logger), Write, logger);
await using var commands = await CommandListener.StartAsync(connector, stop.Token).ConfigureAwait(false);
try
{
    await connector.StartAsync(stop.Token).ConfigureAwait(false);
    var stillOwner = await connector.RunAsync(stop.Token).ConfigureAwait(false);
    // The end: report what it owns, then release those calls (a fenced instance owns nothing).
    using var final = new CancellationTokenSource(options.OperationDeadline * 2);
    await connector.FinishAsync(final.Token).ConfigureAwait(false);
    return stillOwner ? 0 : 3;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    return 0;
}
catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or ConnectorRequestRefusedException)
{
    Console.Error.WriteLine($"connector {options.ConnectorId}: {ex.Message}");
    return 1;
}
