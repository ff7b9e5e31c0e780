using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HaCore;

/// <summary>
/// Reports a node's health: healthy when it knows a leader and applies within <c>maxApplyLag</c> entries of its commit
/// index; degraded when it refuses leadership (<see cref="ILeadershipGate"/>), knows no leader (no quorum is reachable
/// from it) or lags further; unhealthy when it has
/// stopped on an error or is not running. The data carries role, term, leader, commit and applied index and the lag.
/// Registered by <see cref="HaCoreBuilder{TStateMachine, TCommand, TResult}.AddHealthChecks"/>.
/// </summary>
/// <typeparam name="TStateMachine">The state machine type.</typeparam>
/// <typeparam name="TCommand">Commands.</typeparam>
/// <typeparam name="TResult">Results.</typeparam>
public sealed class HaCoreHealthCheck<TStateMachine, TCommand, TResult> : IHealthCheck
    where TStateMachine : IStateMachine<TCommand, TResult>
{
    private readonly Func<ReplicatedStateMachine<TStateMachine, TCommand, TResult>?> _node;
    private readonly ulong _maxApplyLag;

    /// <summary>Checks the node that <paramref name="node"/> returns (null while it is not running).</summary>
    /// <param name="node">Returns the running node, or null.</param>
    /// <param name="maxApplyLag">The most committed entries not yet applied for the node to count as healthy.</param>
    public HaCoreHealthCheck(Func<ReplicatedStateMachine<TStateMachine, TCommand, TResult>?> node, ulong maxApplyLag)
    {
        ArgumentNullException.ThrowIfNull(node);
        _node = node;
        _maxApplyLag = maxApplyLag;
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_node() is not { } node)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, "The HaCore node is not running."));
        }

        var s = node.Status;
        var data = new Dictionary<string, object>
        {
            ["node"] = s.NodeId,
            ["role"] = s.Role.ToString(),
            ["term"] = s.Term,
            ["leader"] = s.Leader,
            ["commit"] = s.CommitIndex,
            ["applied"] = s.AppliedIndex,
            ["apply_lag"] = s.ApplyLag,
        };
        var (health, description) = NodeHealth.Classify(s, _maxApplyLag);
        var result = health switch
        {
            NodeHealth.Healthy => HealthCheckResult.Healthy(description, data),
            NodeHealth.Degraded => HealthCheckResult.Degraded(description, data: data),
            _ => new HealthCheckResult(context.Registration.FailureStatus, description, data: data),
        };
        return Task.FromResult(result);
    }
}

/// <summary>One rule for a node's health, for the health check and the admin endpoint.</summary>
internal static class NodeHealth
{
    public const string Healthy = "healthy";
    public const string Degraded = "degraded";
    public const string Unhealthy = "unhealthy";

    public static (string Health, string Description) Classify(NodeStatus s, ulong maxApplyLag) => s switch
    {
        { Faulted: true } => (Unhealthy, $"Node {s.NodeId} stopped on an error; see its log (event 1006)."),
        { LeadershipRefusal: { } why } => (Degraded, $"Node {s.NodeId} refuses leadership: {why}"),
        { Leader: 0 } => (Degraded, $"Node {s.NodeId} knows no leader ({s.Role} in term {s.Term}): no quorum is reachable from it."),
        _ when s.ApplyLag > maxApplyLag => (Degraded, $"Node {s.NodeId} trails its commit index by {s.ApplyLag} entries (more than {maxApplyLag})."),
        _ => (Healthy, $"Node {s.NodeId} is {s.Role} in term {s.Term}, leader {s.Leader}, applied {s.AppliedIndex} of {s.CommitIndex}."),
    };
}
