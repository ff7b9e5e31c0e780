using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace HaCore.Cli;

/// <summary>A usage error: exit code 3 and one line on standard error.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The commands of the <c>hacore</c> tool over the given admin endpoints.</summary>
internal sealed class ClusterAdmin
{
    private static readonly string[] StatusColumns = ["node", "endpoint", "role", "term", "leader", "commit", "applied", "lag", "snapshot", "members"];
    private readonly IReadOnlyList<EndPoint> _endpoints;
    private readonly byte[] _secret;
    private readonly bool _json;
    private readonly TimeSpan _timeout;
    private readonly TextWriter _out;

    private ClusterAdmin(IReadOnlyList<EndPoint> endpoints, byte[] secret, bool json, TimeSpan timeout, TextWriter output) =>
        (_endpoints, _secret, _json, _timeout, _out) = (endpoints, secret, json, timeout, output);

    /// <exception cref="UsageException">No endpoints, an endpoint that is not host:port, or no usable secret.</exception>
    public static ClusterAdmin Create(string? endpoints, FileInfo? secretFile, bool json, TimeSpan timeout, TextWriter output)
    {
        endpoints ??= Environment.GetEnvironmentVariable("HACORE_ADMIN_ENDPOINTS");
        if (string.IsNullOrWhiteSpace(endpoints))
        {
            throw new UsageException("give the nodes' admin endpoints: --endpoints host:port,host:port,... (or HACORE_ADMIN_ENDPOINTS)");
        }

        var parsed = endpoints.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(e => HaCoreNodeOptions.DefaultResolve(e) ?? throw new UsageException($"'{e}' is not host:port"))
            .ToList();
        string? hex;
        try
        {
            hex = secretFile is not null ? File.ReadAllText(secretFile.FullName).Trim() : Environment.GetEnvironmentVariable("HACORE_ADMIN_SECRET");
        }
        catch (IOException ex)
        {
            throw new UsageException($"cannot read the secret file: {ex.Message}");
        }

        if (string.IsNullOrWhiteSpace(hex))
        {
            throw new UsageException("give the admin secret: --secret-file <file with the secret in hex> (or HACORE_ADMIN_SECRET)");
        }

        try
        {
            return new ClusterAdmin(parsed, Convert.FromHexString(hex), json, timeout, output);
        }
        catch (FormatException)
        {
            throw new UsageException("the admin secret is not hex");
        }
    }

    public async Task<int> StatusAsync(CancellationToken ct)
    {
        var answers = await AskEveryNodeAsync(new JsonObject { ["op"] = "status" }, ct);
        var commit = answers.Select(a => a.Answer).OfType<JsonObject>().Select(a => (ulong?)a["commit"] ?? 0).DefaultIfEmpty().Max();
        foreach (var (_, answer, _) in answers)
        {
            if (answer is not null)
            {
                answer["lag"] = commit - Math.Min(commit, (ulong?)answer["applied"] ?? 0); // behind the highest commit any node knows
            }
        }

        Print(answers, [.. StatusColumns]);
        return answers.Any(a => a.Answer is null) ? 2 : 0;
    }

    public async Task<int> HealthAsync(CancellationToken ct)
    {
        var answers = await AskEveryNodeAsync(new JsonObject { ["op"] = "health" }, ct);
        Print(answers, ["node", "endpoint", "health", "description"]);
        return answers.Any(a => a.Answer is null) ? 2 : answers.All(a => (string?)a.Answer!["health"] == "healthy") ? 0 : 1;
    }

    public async Task<int> MembersAsync(CancellationToken ct)
    {
        var answers = await AskEveryNodeAsync(new JsonObject { ["op"] = "status" }, ct);
        // The membership as the leader knows it; without a leader, as the node that has applied the most. A node that
        // has just joined may not have applied any configuration yet, and would print an empty one.
        var status = answers.Select(a => a.Answer).OfType<JsonObject>()
            .OrderByDescending(a => (string?)a["role"] == "Leader")
            .ThenByDescending(a => (ulong?)a["applied"] ?? 0)
            .FirstOrDefault();
        if (status is null)
        {
            Print(answers, ["endpoint", "error"]);
            return 2;
        }

        if (_json)
        {
            await _out.WriteLineAsync(new JsonObject { ["leader"] = status["leader"]?.DeepClone(), ["voters"] = status["voters"]?.DeepClone(), ["learners"] = status["learners"]?.DeepClone() }.ToJsonString());
        }
        else
        {
            await _out.WriteLineAsync($"voters:   {Ids(status["voters"])}");
            await _out.WriteLineAsync($"learners: {Ids(status["learners"])}");
            await _out.WriteLineAsync($"leader:   {status["leader"]} (as node {status["node"]} knows it)");
        }

        return 0;
    }

    /// <summary>A membership change or a transfer, sent to the leader (found from the nodes' status).</summary>
    public async Task<int> ChangeAsync(string op, ulong id, string? address, CancellationToken ct)
    {
        var request = new JsonObject { ["op"] = op, ["id"] = id };
        if (address is not null)
        {
            request["address"] = address;
        }

        var answers = await AskEveryNodeAsync(new JsonObject { ["op"] = "status" }, ct);
        var leader = answers.Where(a => (string?)a.Answer?["role"] == "Leader").Select(a => a.EndPoint).FirstOrDefault();
        if (leader is null)
        {
            await Console.Error.WriteLineAsync("hacore: no node given leads now (an election may be under way); try again");
            Print(answers, [.. StatusColumns]);
            return 1;
        }

        var (answer, error) = await AskAsync(leader, request, ct);
        if (answer is null || (bool?)answer["ok"] != true)
        {
            await Console.Error.WriteLineAsync($"hacore: {op} {id} on the leader at {leader} failed: {error ?? $"{answer!["error"]}: {answer["message"]}"}");
            return 1;
        }

        Print([(leader, answer, null)], [.. StatusColumns]);
        return 0;
    }

    public async Task<int> SnapshotAsync(ulong? only, CancellationToken ct)
    {
        var answers = await AskEveryNodeAsync(new JsonObject { ["op"] = "snapshot" }, ct, only);
        Print(answers, ["node", "endpoint", "index"]);
        return answers.Any(a => a.Answer is null) ? 2 : 0;
    }

    private static string Ids(JsonNode? ids) => ids is JsonArray { Count: > 0 } array ? string.Join(", ", array.Select(i => i!.ToString())) : "-";

    private async Task<List<(EndPoint EndPoint, JsonObject? Answer, string? Error)>> AskEveryNodeAsync(JsonObject request, CancellationToken ct, ulong? only = null)
    {
        var all = await Task.WhenAll(_endpoints.Select(async e => (EndPoint: e, Result: await AskAsync(e, request.DeepClone().AsObject(), ct, only))));
        return [.. all.Where(a => a.Result.Answer is not null || a.Result.Error is not null).Select(a => (a.EndPoint, a.Result.Answer, a.Result.Error))];
    }

    /// <summary>One request to one node: its answer when ok, else the error (a refused request's answer included).</summary>
    private async Task<(JsonObject? Answer, string? Error)> AskAsync(EndPoint endPoint, JsonObject request, CancellationToken ct, ulong? only = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_timeout);
        try
        {
            await using var client = await AdminClient.ConnectAsync(endPoint, _secret, deadline.Token);
            if (only is { } id && client.NodeId != id)
            {
                return (null, null); // not the node asked for: left out
            }

            var answer = await client.RequestAsync(request, deadline.Token);
            return (bool?)answer["ok"] == true ? (answer, null) : (null, $"{answer["error"]}: {answer["message"]}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, $"no answer within {_timeout.TotalSeconds:F0} s");
        }
        catch (IOException ex)
        {
            return (null, ex.Message);
        }
    }

    private void Print(IReadOnlyList<(EndPoint EndPoint, JsonObject? Answer, string? Error)> rows, string[] columns)
    {
        if (_json)
        {
            var array = new JsonArray();
            foreach (var (endPoint, answer, error) in rows)
            {
                var row = answer?.DeepClone().AsObject() ?? new JsonObject { ["ok"] = false, ["error"] = error };
                row.Remove("ok");
                row["endpoint"] = endPoint.ToString();
                array.Add(row);
            }

            _out.WriteLine(array.ToJsonString());
            return;
        }

        var cells = rows.Select(r => r.Answer is { } a
            ? columns.Select(c => c switch
            {
                "endpoint" => r.EndPoint.ToString()!,
                "members" => $"voters {Ids(a["voters"])}; learners {Ids(a["learners"])}",
                _ => a[c]?.ToString() ?? "-",
            }).ToArray()
            : columns.Select(c => c switch { "endpoint" => r.EndPoint.ToString()!, "node" => "?", _ => string.Empty }).Append($"unreachable: {r.Error}").ToArray()).ToList();
        var header = columns.Select(c => c.ToUpperInvariant()).ToArray();
        var widths = columns.Select((_, i) => cells.Select(r => r[i].Length).Append(header[i].Length).Max()).ToArray();
        string Line(string[] row) => string.Join("  ", row.Select((cell, i) => i < widths.Length ? cell.PadRight(widths[i]) : cell)).TrimEnd();
        _out.WriteLine(Line(header));
        foreach (var row in cells)
        {
            _out.WriteLine(Line(row));
        }
    }
}
