using System.CommandLine;
using HaCore.Cli;

// hacore: a HaCore cluster's admin tool, over the nodes' admin endpoints (HaCoreNodeOptions.AdminEndPoint).
//   hacore status  --endpoints 127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103 [--json]
//   hacore health | members list | members add <id> <raft host:port> | members promote <id> | members remove <id>
//   hacore transfer <id> | snapshot [--node <id>]
// The secret: --secret-file <file with the secret in hex>, or HACORE_ADMIN_SECRET (hex). Endpoints: --endpoints or
// HACORE_ADMIN_ENDPOINTS. Exit codes: 0 done; 1 refused or failed; 2 a node did not answer (status, health, snapshot);
// 3 bad usage.
var endpoints = new Option<string?>("--endpoints", "-e")
{
    Description = "The nodes' admin endpoints, host:port, comma-separated (default: HACORE_ADMIN_ENDPOINTS).",
    Recursive = true,
};
var secretFile = new Option<FileInfo?>("--secret-file")
{
    Description = "A file holding the admin secret in hex (default: HACORE_ADMIN_SECRET, hex).",
    Recursive = true,
};
var json = new Option<bool>("--json") { Description = "Print JSON for scripts instead of tables.", Recursive = true };
var timeout = new Option<double>("--timeout")
{
    Description = "Seconds to wait for each node (membership changes and transfers wait for the cluster).",
    DefaultValueFactory = _ => 30,
    Recursive = true,
};
var nodeId = new Argument<ulong>("id") { Description = "A node id." };
var address = new Argument<string>("address") { Description = "The new member's Raft address, host:port." };
var onlyNode = new Option<ulong?>("--node") { Description = "Only this node (default: every node given)." };

var root = new RootCommand("Status, health, membership, leadership and snapshots of a HaCore cluster.") { endpoints, secretFile, json, timeout };

Command Leaf(string name, string description, Func<ClusterAdmin, ParseResult, CancellationToken, Task<int>> run, params Symbol[] symbols)
{
    var command = new Command(name, description);
    foreach (var symbol in symbols)
    {
        switch (symbol)
        {
            case Argument a:
                command.Arguments.Add(a);
                break;
            case Option o:
                command.Options.Add(o);
                break;
        }
    }

    command.SetAction(async (parse, ct) =>
    {
        try
        {
            var admin = ClusterAdmin.Create(parse.GetValue(endpoints), parse.GetValue(secretFile), parse.GetValue(json), TimeSpan.FromSeconds(parse.GetValue(timeout)), Console.Out);
            return await run(admin, parse, ct);
        }
        catch (UsageException ex)
        {
            await Console.Error.WriteLineAsync($"hacore: {ex.Message}");
            return 3;
        }
    });
    return command;
}

root.Subcommands.Add(Leaf("status", "Every node's role, term, leader, commit, applied, lag and snapshot.", (a, _, ct) => a.StatusAsync(ct)));
root.Subcommands.Add(Leaf("health", "Every node's health: healthy, degraded (no leader, or lagging) or unhealthy (stopped on an error).", (a, _, ct) => a.HealthAsync(ct)));
var members = new Command("members", "The membership: list it, or change it on the leader.");
members.Subcommands.Add(Leaf("list", "Voters and learners, as the first node that answers knows them.", (a, _, ct) => a.MembersAsync(ct)));
members.Subcommands.Add(Leaf("add", "Add a node as a learner (it receives the log, does not vote); promote it once it caught up.", (a, p, ct) => a.ChangeAsync("add-learner", p.GetValue(nodeId), p.GetValue(address), ct), nodeId, address));
members.Subcommands.Add(Leaf("promote", "Make a learner a voter (refused while it lags).", (a, p, ct) => a.ChangeAsync("promote", p.GetValue(nodeId), null, ct), nodeId));
members.Subcommands.Add(Leaf("remove", "Remove a node (the leader too).", (a, p, ct) => a.ChangeAsync("remove", p.GetValue(nodeId), null, ct), nodeId));
root.Subcommands.Add(members);
root.Subcommands.Add(Leaf("transfer", "Hand leadership to a node and wait until it leads.", (a, p, ct) => a.ChangeAsync("transfer", p.GetValue(nodeId), null, ct), nodeId));
root.Subcommands.Add(Leaf("snapshot", "Take a snapshot now on every node (or one), and wait until it is on disk.", (a, p, ct) => a.SnapshotAsync(p.GetValue(onlyNode), ct), onlyNode));

return await root.Parse(args).InvokeAsync();
