using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HaCore.TServer.Driver;

/// <summary>What the supervisor page shows, read from its DOM.</summary>
/// <param name="ConnectedTo">The node the page's stream is connected to.</param>
/// <param name="Reconnects">How many times the page reconnected.</param>
/// <param name="Nodes">node id → role ("down" for a node that did not answer).</param>
/// <param name="Agents">agent → state.</param>
/// <param name="Calls">the ConnIds of the calls shown.</param>
public sealed record PageView(string ConnectedTo, int Reconnects, Dictionary<string, string> Nodes, Dictionary<string, string> Agents, List<string> Calls);

/// <summary>
/// Headless Chromium (Debian's <c>chromium</c>) driven over the DevTools protocol (a WebSocket, in the shared
/// framework): loads the supervisor page, reads what it shows from the DOM and takes screenshots.
/// </summary>
public sealed class BrowserCheck : IAsyncDisposable
{
    private readonly Process _chromium;
    private readonly ClientWebSocket _socket = new();
    private readonly string _profile;
    private int _id;

    private BrowserCheck(Process chromium, string profile)
    {
        _chromium = chromium;
        _profile = profile;
    }

    /// <summary>The chromium binary on the PATH, or null.</summary>
    /// <returns>Its path.</returns>
    public static string? Find()
    {
        foreach (var name in new[] { "chromium", "chromium-browser" })
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                var path = Path.Combine(dir, name);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }

        return null;
    }

    /// <summary>Starts headless Chromium and opens <paramref name="url"/>.</summary>
    /// <param name="binary">The chromium binary.</param>
    /// <param name="url">The supervisor page.</param>
    /// <param name="work">Where its profile goes.</param>
    /// <returns>The running browser.</returns>
    public static async Task<BrowserCheck> StartAsync(string binary, Uri url, string work)
    {
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((IPEndPoint)l.LocalEndpoint).Port;
        }

        var profile = Path.Combine(work, "chromium-profile");
        var info = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
            "--remote-debugging-address=127.0.0.1", $"--remote-debugging-port={port}", $"--user-data-dir={profile}", "--window-size=1100,1400", "about:blank" })
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start chromium");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var browser = new BrowserCheck(process, profile);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string? ws = null;
        while (ws is null && DateTime.UtcNow < deadline)
        {
            try
            {
                var list = JsonNode.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/json/list")).ConfigureAwait(false))!.AsArray();
                ws = list.FirstOrDefault(p => (string?)p!["type"] == "page")?["webSocketDebuggerUrl"]?.GetValue<string>();
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
            {
            }

            if (ws is null)
            {
                await Task.Delay(200).ConfigureAwait(false);
            }
        }

        if (ws is null)
        {
            await browser.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException("chromium's DevTools endpoint did not come up");
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await browser._socket.ConnectAsync(new Uri(ws), cts.Token).ConfigureAwait(false);
        await browser.CallAsync("Page.enable", new JsonObject()).ConfigureAwait(false);
        await browser.CallAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() }).ConfigureAwait(false);
        return browser;
    }

    /// <summary>Loads another page.</summary>
    /// <param name="url">The page.</param>
    /// <returns>A task.</returns>
    public async Task NavigateAsync(Uri url) => await CallAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() }).ConfigureAwait(false);

    /// <summary>Reads what the page shows.</summary>
    /// <returns>The view.</returns>
    public async Task<PageView> ReadAsync()
    {
        const string script = """
            JSON.stringify({
              connectedTo: document.getElementById('conn').textContent,
              reconnects: parseInt(document.getElementById('reconnects').textContent),
              nodes: Object.fromEntries([...document.querySelectorAll('#nodes tbody tr')].map(r => [r.dataset.node, r.dataset.role])),
              agents: Object.fromEntries([...document.querySelectorAll('#agents tbody tr')].map(r => [r.dataset.agent, r.dataset.state])),
              calls: [...document.querySelectorAll('#calls tbody tr')].map(r => r.dataset.conn)
            })
            """;
        var result = await CallAsync("Runtime.evaluate", new JsonObject { ["expression"] = script, ["returnByValue"] = true }).ConfigureAwait(false);
        var text = result["result"]?["value"]?.GetValue<string>() ?? "{}";
        return JsonSerializer.Deserialize<PageView>(text, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    /// <summary>Saves a PNG screenshot of the page.</summary>
    /// <param name="file">The file.</param>
    /// <returns>A task.</returns>
    public async Task ScreenshotAsync(string file)
    {
        var result = await CallAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true }).ConfigureAwait(false);
        await File.WriteAllBytesAsync(file, Convert.FromBase64String(result["data"]!.GetValue<string>())).ConfigureAwait(false);
    }

    private async Task<JsonNode> CallAsync(string method, JsonObject parameters)
    {
        var id = ++_id;
        var request = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _socket.SendAsync(Encoding.UTF8.GetBytes(request.ToJsonString()), WebSocketMessageType.Text, true, cts.Token).ConfigureAwait(false);
        var buffer = new byte[1 << 16];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult r;
            do
            {
                r = await _socket.ReceiveAsync(buffer, cts.Token).ConfigureAwait(false);
                message.Write(buffer, 0, r.Count);
                if (message.Length > 64 << 20)
                {
                    throw new InvalidDataException("DevTools message over 64 MiB");
                }
            }
            while (!r.EndOfMessage);

            var node = JsonNode.Parse(message.ToArray())!;
            if ((int?)node["id"] == id)
            {
                if (node["error"] is { } error)
                {
                    throw new InvalidOperationException($"{method}: {error.ToJsonString()}");
                }

                return node["result"]!;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        try
        {
            _chromium.Kill(entireProcessTree: true);
            await _chromium.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
        }

        _chromium.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
