using System.Net;
using System.Security.Cryptography;
using System.Text;
using HaCore.ContactCenter;
using HaCore.Raft;
using HaCore.TServer.Sip;
using HaCore.Transport;
using Microsoft.Extensions.Logging;

namespace HaCore.TServer.Node;

/// <summary>
/// One T-Server node: a HaCore node embedding the contact-center model (its own data directory, TCP transport
/// authenticated by the cluster secret), the replicated dialog table, the SIP front and the desktop/supervisor
/// web endpoints. The process of <c>HaCore.TServer node</c>; tests run it in-process.
/// </summary>
public sealed class TServerNode : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _follower;
    private Task? _bootstrap;

    private TServerNode(TServerOptions options, ReplicatedStateMachine<ContactCenterStateMachine, Command, CommandResult> node, ILoggerFactory loggerFactory)
    {
        Options = options;
        Node = node;
        LoggerFactory = loggerFactory;
    }

    /// <summary>The options.</summary>
    public TServerOptions Options { get; }

    /// <summary>The HaCore node.</summary>
    public ReplicatedStateMachine<ContactCenterStateMachine, Command, CommandResult> Node { get; }

    /// <summary>The replicated dialogs.</summary>
    public DialogTable Dialogs { get; } = new();

    /// <summary>The connectors' calls and HA record keys, from the applied log.</summary>
    public ConnectorTable Connectors { get; } = new();

    /// <summary>The leader's commands to the connectors.</summary>
    public ConnectorCommander Commands { get; private set; } = null!;

    /// <summary>The SIP front.</summary>
    public SipFront Sip { get; private set; } = null!;

    /// <summary>The loggers.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Where the node answers HTTP (desktops, supervisor).</summary>
    public int HttpPort => Options.HttpPort(Options.NodeId);

    /// <summary>Starts a node: Raft, the dialog table's reader, the SIP front and the one-time configuration.</summary>
    /// <param name="options">The node's options.</param>
    /// <param name="loggerFactory">The loggers.</param>
    /// <param name="sipPort">Overrides the SIP port (0: any free port), or null for the options' port.</param>
    /// <returns>The running node.</returns>
    public static async Task<TServerNode> StartAsync(TServerOptions options, ILoggerFactory loggerFactory, int? sipPort = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var raft = new HaCoreNodeOptions
        {
            NodeId = options.NodeId,
            ClusterId = 12,
            DataDirectory = options.DataDirectory,
            TickInterval = options.TickInterval,
            ElectionTicks = options.ElectionTicks,
            SnapshotEveryEntries = 1_000_000,
            RetainedCommands = 1_000_000,
            SubscriberBuffer = 200_000,
            ProposalTimeout = options.RequestDeadline,
        };
        var peers = new List<PeerAddress>();
        for (ulong id = 1; id <= (ulong)options.Nodes; id++)
        {
            raft.InitialVoters.Add(id);
            raft.Peers[id] = options.RaftEndPoint(id);
            if (id != options.NodeId)
            {
                peers.Add(new PeerAddress(id, options.RaftEndPoint(id)));
            }
        }

        var transport = new TcpRaftTransport(new TcpTransportOptions
        {
            NodeId = options.NodeId,
            ClusterId = "12",
            ListenEndPoint = options.RaftEndPoint(options.NodeId),
            Peers = peers.ToArray(),
            ClusterSecret = options.ClusterSecret,
        });
        // Invariant 13: this node's own configuration is the one it would set up; if the committed one differs (a node
        // started with another agent count), it refuses leadership and says so in its log and health.
        var machine = new ContactCenterStateMachine(new ContactCenterOptions
        {
            ClusterId = "tserver-example",
            LocalConfigHash = SetupCommand(options.Agents).ConfigApplied!.Hash,
        });
        var node = await ReplicatedStateMachine<ContactCenterStateMachine, Command, CommandResult>.StartAsync(
            raft, machine, Contract.CommandCodec, Contract.ResultCodec, transport, loggerFactory).ConfigureAwait(false);
        var host = new TServerNode(options, node, loggerFactory);
        host.Sip = new SipFront(node, host.Dialogs, options, sipPort ?? options.SipPort(options.NodeId), loggerFactory.CreateLogger<SipFront>());
        host.Commands = new ConnectorCommander(host, loggerFactory.CreateLogger<ConnectorCommander>());
        host.Commands.Start();
        host._follower = Task.Run(host.FollowAsync);
        host._bootstrap = Task.Run(host.BootstrapAsync);
        return host;
    }

    /// <summary>A runtime session id derived from a name (desktop sessions, the setup).</summary>
    /// <param name="name">The name.</param>
    /// <returns>The session.</returns>
    public static Guid SessionGuid(string name) => new(SHA256.HashData(Encoding.UTF8.GetBytes("session:" + name)).AsSpan(0, 16));

    /// <summary>Proposes with a deadline, on any node (a follower forwards to the leader).</summary>
    /// <param name="request">The request id (retries reuse it).</param>
    /// <param name="command">The command.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The result.</returns>
    public async Task<CommandResult> ProposeAsync(ClientRequestId request, Command command, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        cts.CancelAfter(Options.RequestDeadline);
        return await Node.ProposeAsync(request, command, cts.Token).ConfigureAwait(false);
    }

    /// <summary>The configuration every node proposes once at start with the same request id: applied once.</summary>
    /// <param name="agents">How many agents.</param>
    /// <returns>The command.</returns>
    public static Command SetupCommand(int agents)
    {
        var config = new ConfigApplied { Version = 1 };
        for (var i = 0; i < agents; i++)
        {
            var number = TServerOptions.AgentDn(i);
            config.DnUpserts.Add(new Dn { Id = TServerOptions.Dn(number), Type = AddressType.Dn, Place = "P" + number, Register = RegisterFlag.True, Site = "A" });
        }

        // The connector pool's DNs (examples/HaCore.ConnectorPool): owned by connectors through the DN assignment.
        for (var i = 0; i < TServerOptions.ConnectorDns; i++)
        {
            var number = TServerOptions.ConnectorDn(i);
            config.DnUpserts.Add(new Dn { Id = TServerOptions.Dn(number), Type = AddressType.Dn, Place = "L" + number, Register = RegisterFlag.True, Site = "A" });
        }

        config.DnUpserts.Add(new Dn { Id = TServerOptions.Queue, Type = AddressType.Queue, Register = RegisterFlag.True, Site = "A" });
        config.DnUpserts.Add(new Dn { Id = TServerOptions.Trunk, Type = AddressType.Trunk, Register = RegisterFlag.True, Site = "A" });

        // Invariant 13: the hash of the configuration this leaves (the first one, so exactly these DNs).
        config.Hash = ContactCenterStateMachine.ComputeConfigHash(config.DnUpserts, config.Options, config.LoginConflictPolicy);
        return new Command { ConfigApplied = config };
    }

    private async Task BootstrapAsync()
    {
        var logger = LoggerFactory.CreateLogger<TServerNode>();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var result = await ProposeAsync(new ClientRequestId(SessionGuid("setup"), 1), SetupCommand(Options.Agents), _stop.Token).ConfigureAwait(false);
                logger.LogInformation("configuration: {Agents} agent DNs, queue 7000, trunk 9000 (index {Index}, {Reason})", Options.Agents, result.AppliedIndex, result.RejectReason);
                return;
            }
            catch (Exception ex) when (ex is HaCoreException or TimeoutException or OperationCanceledException && !_stop.IsCancellationRequested)
            {
                await Task.Delay(200, _stop.Token).ConfigureAwait(false);
            }
        }
    }

    private ulong _followed;

    /// <summary>Waits (at most 5 s) until the dialog and connector tables have followed the applied log to
    /// <paramref name="index"/>.</summary>
    /// <param name="index">The index of a command entry (entries that are not commands do not reach the tables).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>When they have.</returns>
    /// <exception cref="TimeoutException">They did not within 5 s.</exception>
    public async Task WaitFollowedAsync(ulong index, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (Volatile.Read(ref _followed) < index)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The node's tables followed the log to {Volatile.Read(ref _followed)}, not {index}, within 5 s.");
            }

            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
    }

    // The dialog table follows the applied log from the first entry on every node.
    private async Task FollowAsync()
    {
        var logger = LoggerFactory.CreateLogger<DialogTable>();
        ulong next = 1;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await foreach (var applied in Node.SubscribeAsync(next, _stop.Token).ConfigureAwait(false))
                {
                    Dialogs.Apply(applied);
                    Connectors.Apply(applied);
                    next = applied.Index + 1;
                    Volatile.Write(ref _followed, applied.Index);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HaCoreException or InvalidOperationException)
            {
                logger.LogWarning(ex, "dialog table: the applied stream ended; resubscribing from {Index}", next);
                await Task.Delay(100, _stop.Token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The node's status for the status endpoint and the supervisor.</summary>
    /// <returns>The status.</returns>
    public NodeView View()
    {
        var s = Node.Status;
        return new NodeView(s.NodeId, s.Role switch { RaftRole.Leader => "leader", RaftRole.Follower => "follower", _ => "candidate" }, s.Term, s.Leader, s.CommitIndex, s.AppliedIndex,
            HttpPort, Sip.LocalEndPoint.Port, Sip.Stats.Received, Sip.Stats.Unavailable, Sip.Stats.Retransmissions, Sip.Stats.BadRequests, Sip.Stats.Dropped, Sip.Stats.TakenOver, Sip.LeaderSince, Sip.Stats.Queued, Sip.Stats.TreatmentsResumed,
            Commands.Stats.Sent, Commands.Stats.Acted, Commands.Stats.Duplicates, Commands.Stats.StaleTerm);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Commands.DisposeAsync().ConfigureAwait(false);
        await Sip.DisposeAsync().ConfigureAwait(false);
        await Node.DisposeAsync().ConfigureAwait(false);
        foreach (var task in new[] { _follower, _bootstrap })
        {
            if (task is not null)
            {
                try
                {
                    await task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or HaCoreException or ObjectDisposedException)
                {
                }
            }
        }

        _stop.Dispose();
    }
}

/// <summary>A node as the status endpoint shows it.</summary>
public sealed record NodeView(ulong NodeId, string Role, ulong Term, ulong Leader, ulong Commit, ulong Applied, int HttpPort, int SipPort,
    long SipReceived, long Sip503, long SipRetransmissions, long Sip400, long SipDropped, long DialogsTakenOver, DateTimeOffset? LeaderSince, long Queued, long TreatmentsResumed,
    long ConnectorCommandsSent = 0, long ConnectorCommandsActed = 0, long ConnectorCommandsDuplicate = 0, long ConnectorCommandsStaleTerm = 0);
