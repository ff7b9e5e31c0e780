using System.Globalization;
using System.Net;
using HaCore.ContactCenter;

namespace HaCore.TServer.Node;

/// <summary>One T-Server node: its id, the cluster's ports (every node derives every other node's ports from the
/// base port), the data directory and the agents it configures.</summary>
public sealed record TServerOptions
{
    /// <summary>The switch every DN belongs to.</summary>
    public const string SwitchName = "SIP_Switch";

    /// <summary>This node's id, 1..<see cref="Nodes"/>.</summary>
    public ulong NodeId { get; init; }

    /// <summary>How many voters (3).</summary>
    public int Nodes { get; init; } = 3;

    /// <summary>Node n listens for Raft on BasePort+n, HTTP on BasePort+100+n and SIP (UDP) on BasePort+200+n.</summary>
    public int BasePort { get; init; } = 17_000;

    /// <summary>The data directory (one per node).</summary>
    public string DataDirectory { get; init; } = "";

    /// <summary>The cluster secret (at least 16 bytes, the same on every node).</summary>
    public byte[] ClusterSecret { get; init; } = [];

    /// <summary>Agents configured: DNs 1001.., places P1001.., queue 7000, trunk 9000.</summary>
    public int Agents { get; init; } = 50;

    /// <summary>The Raft tick.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Ticks per election timeout.</summary>
    public int ElectionTicks { get; init; } = 10;

    /// <summary>How long a proposal made for a SIP request or a desktop request may take.</summary>
    public TimeSpan RequestDeadline { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a connector's IM interaction may stay up (from its creation in the replicated state) before
    /// the leader tells the owning connector to release it (<see cref="ConnectorCommander"/>).</summary>
    public TimeSpan ConnectorImIdle { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Checks every value.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Nodes, 1, nameof(Nodes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Nodes, 7, nameof(Nodes));
        if (NodeId < 1 || NodeId > (ulong)Nodes)
        {
            throw new ArgumentOutOfRangeException(nameof(NodeId), NodeId, "NodeId must be 1.." + Nodes.ToString(CultureInfo.InvariantCulture));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(BasePort, 1024, nameof(BasePort));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BasePort, 65_000, nameof(BasePort));
        ArgumentException.ThrowIfNullOrEmpty(DataDirectory, nameof(DataDirectory));
        if (ClusterSecret.Length < 16)
        {
            throw new ArgumentException("ClusterSecret must be at least 16 bytes", nameof(ClusterSecret));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Agents, 1, nameof(Agents));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Agents, 999, nameof(Agents));
        ArgumentOutOfRangeException.ThrowIfLessThan(RequestDeadline, TimeSpan.FromMilliseconds(100), nameof(RequestDeadline));
        ArgumentOutOfRangeException.ThrowIfLessThan(ConnectorImIdle, TimeSpan.FromMilliseconds(100), nameof(ConnectorImIdle));
    }

    /// <summary>Node <paramref name="id"/>'s Raft endpoint.</summary>
    /// <param name="id">The node.</param>
    /// <returns>The endpoint.</returns>
    public IPEndPoint RaftEndPoint(ulong id) => new(IPAddress.Loopback, BasePort + (int)id);

    /// <summary>Node <paramref name="id"/>'s HTTP port.</summary>
    /// <param name="id">The node.</param>
    /// <returns>The port.</returns>
    public int HttpPort(ulong id) => BasePort + 100 + (int)id;

    /// <summary>Node <paramref name="id"/>'s SIP port.</summary>
    /// <param name="id">The node.</param>
    /// <returns>The port.</returns>
    public int SipPort(ulong id) => BasePort + 200 + (int)id;

    /// <summary>A DN of the switch.</summary>
    /// <param name="number">The number.</param>
    /// <returns>The DN.</returns>
    public static DnId Dn(string number) => new() { SwitchName = SwitchName, Number = number };

    /// <summary>The trunk every SIP call comes in on.</summary>
    public static DnId Trunk => Dn("9000");

    /// <summary>The ACD queue agents log in to.</summary>
    public static DnId Queue => Dn("7000");

    /// <summary>Agent i's DN (1001 for i = 0).</summary>
    /// <param name="i">The agent's index.</param>
    /// <returns>The DN number.</returns>
    public static string AgentDn(int i) => (1001 + i).ToString(CultureInfo.InvariantCulture);

    /// <summary>Agent i's login ID.</summary>
    /// <param name="i">The agent's index.</param>
    /// <returns>The ID.</returns>
    public static string AgentId(int i) => "a" + AgentDn(i);

    /// <summary>How many DNs the configuration has for connectors (3001 on): the connector pool's users.</summary>
    public const int ConnectorDns = 12;

    /// <summary>Connector DN i (3001 for i = 0), owned by a connector of the pool through the DN assignment.</summary>
    /// <param name="i">The index, 0 to <see cref="ConnectorDns"/> - 1.</param>
    /// <returns>The DN number.</returns>
    public static string ConnectorDn(int i) => (3001 + i).ToString(CultureInfo.InvariantCulture);
}
