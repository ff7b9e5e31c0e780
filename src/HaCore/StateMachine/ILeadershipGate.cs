namespace HaCore;

/// <summary>
/// Implemented by a state machine whose applied state can disqualify this node from leading: for example, the
/// contact-center model refuses leadership to a node whose own configuration differs from the committed one.
/// </summary>
/// <remarks>
/// The node reads <see cref="LeadershipRefusal"/> on its loop after each batch of applied entries, after a snapshot is
/// restored and at start. While it is not null the node does not campaign (nor take over on a leadership transfer),
/// hands leadership to the most up-to-date voter when it leads, reports itself degraded in its health, and still votes
/// and replicates. The answer may depend on the node's own settings (that is the point), but it must be cheap, must
/// not throw and must not change the state.
/// </remarks>
public interface ILeadershipGate
{
    /// <summary>Why this node must not lead in the state applied so far, or <see langword="null"/> when it may.</summary>
    string? LeadershipRefusal { get; }
}
