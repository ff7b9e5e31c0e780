using System.Net;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging;

namespace HaCore.DotNextPeer;

/// <summary>The local DotNext node as the client and control ports see it.</summary>
internal sealed class PeerNode(PeerOptions options, RaftCluster cluster, WriteAheadLog wal, KvStateMachine store)
{
    private readonly Dictionary<int, ulong> _idByRaftPort = options.Peers.ToDictionary(p => p.Value.Port, p => p.Key);

    public ulong Id => options.Id;

    public RaftCluster Cluster => cluster;

    public WriteAheadLog Wal => wal;

    public KvStateMachine Store => store;

    public bool IsLeader => !cluster.LeadershipToken.IsCancellationRequested;

    /// <summary>The id of the node this one believes leads, 0 when none is known (or it is this node).</summary>
    public ulong LeaderId =>
        cluster.Leader?.EndPoint is IPEndPoint { } endPoint && _idByRaftPort.TryGetValue(endPoint.Port, out var id) && id != options.Id ? id : 0;

    /// <summary>The control port's STATUS answer: OK role term leader commit applied (the node host's format).</summary>
    public string Status()
    {
        var leading = IsLeader;
        var leader = leading ? options.Id : LeaderId;
        return FormattableString.Invariant($"OK {(leading ? "Leader" : "Follower")} {cluster.Term} {leader} {wal.LastCommittedEntryIndex} {wal.LastAppliedIndex}");
    }
}

/// <summary>DotNext's log lines at Warning and above, to stderr (the harness keeps each child's last lines).</summary>
internal sealed class StderrLoggerFactory : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception.GetType().Name + ": " + exception.Message)}");
            }
        }
    }
}
