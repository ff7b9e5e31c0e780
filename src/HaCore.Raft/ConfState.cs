using System.Collections.Immutable;

namespace HaCore.Raft;

/// <summary>
/// A cluster membership: the voters, whose majority decides elections and commitment, and the
/// learners, which receive the log but do not vote. A node id appears in at most one of the two sets.
/// </summary>
public sealed class ConfState : IEquatable<ConfState>
{
    /// <summary>The empty membership of a node that has not joined a cluster yet.</summary>
    public static readonly ConfState Empty = new([], []);

    /// <summary>Creates a membership from voters and learners.</summary>
    /// <exception cref="ArgumentException">An id is 0, or appears both as voter and learner.</exception>
    public ConfState(IEnumerable<ulong> voters, IEnumerable<ulong> learners)
    {
        ArgumentNullException.ThrowIfNull(voters);
        ArgumentNullException.ThrowIfNull(learners);
        Voters = [.. voters.Distinct().Order()];
        Learners = [.. learners.Distinct().Order()];
        foreach (var id in Voters)
        {
            if (id == 0)
            {
                throw new ArgumentException("Node id 0 is reserved for 'none'.", nameof(voters));
            }
        }

        foreach (var id in Learners)
        {
            if (id == 0)
            {
                throw new ArgumentException("Node id 0 is reserved for 'none'.", nameof(learners));
            }

            if (Voters.Contains(id))
            {
                throw new ArgumentException($"Node {id} cannot be both a voter and a learner.", nameof(learners));
            }
        }
    }

    /// <summary>Voter ids, sorted ascending.</summary>
    public ImmutableArray<ulong> Voters { get; }

    /// <summary>Learner ids, sorted ascending.</summary>
    public ImmutableArray<ulong> Learners { get; }

    /// <summary>True when <paramref name="id"/> is a voter or a learner.</summary>
    public bool Contains(ulong id) => Voters.Contains(id) || Learners.Contains(id);

    /// <summary>Returns the membership that results from applying <paramref name="change"/>.</summary>
    /// <exception cref="InvalidOperationException">The change is not valid for this membership.</exception>
    public ConfState Apply(ConfChange change)
    {
        var error = Validate(change);
        if (error is not null)
        {
            throw new InvalidOperationException(error);
        }

        var voters = Voters.ToBuilder();
        var learners = Learners.ToBuilder();
        switch (change.Type)
        {
            case ConfChangeType.AddVoter:
                learners.Remove(change.NodeId);
                if (!voters.Contains(change.NodeId))
                {
                    voters.Add(change.NodeId);
                }

                break;
            case ConfChangeType.AddLearner:
                if (!learners.Contains(change.NodeId))
                {
                    learners.Add(change.NodeId);
                }

                break;
            case ConfChangeType.Remove:
                voters.Remove(change.NodeId);
                learners.Remove(change.NodeId);
                break;
        }

        return new ConfState(voters, learners);
    }

    /// <summary>Returns why <paramref name="change"/> cannot apply to this membership, or null when it can.</summary>
    public string? Validate(ConfChange change)
    {
        if (change.NodeId == 0)
        {
            return "Node id 0 is reserved for 'none'.";
        }

        return change.Type switch
        {
            ConfChangeType.AddVoter => null,
            ConfChangeType.AddLearner when Voters.Contains(change.NodeId) =>
                $"Node {change.NodeId} is a voter; demoting a voter to learner is not supported (remove it, then add it as a learner).",
            ConfChangeType.AddLearner => null,
            ConfChangeType.Remove when !Contains(change.NodeId) => $"Node {change.NodeId} is not a member.",
            ConfChangeType.Remove when Voters.Length == 1 && Voters[0] == change.NodeId => "Cannot remove the last voter.",
            ConfChangeType.Remove => null,
            _ => $"Unknown change type {change.Type}.",
        };
    }

    /// <inheritdoc />
    public bool Equals(ConfState? other) =>
        other is not null && Voters.SequenceEqual(other.Voters) && Learners.SequenceEqual(other.Learners);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ConfState);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var v in Voters)
        {
            hash.Add(v);
        }

        hash.Add(-1);
        foreach (var l in Learners)
        {
            hash.Add(l);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"voters=({string.Join(",", Voters)}) learners=({string.Join(",", Learners)})";
}
