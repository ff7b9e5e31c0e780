namespace HaCore;

/// <summary>
/// Membership changes proposed on this node, between their proposal and their outcome.
/// </summary>
/// <remarks>
/// Invariants: a caller is completed only after the entry is applied and the Raft core has switched to the new
/// membership (after <c>Advance</c>); it succeeds only when the applied entry is the one it proposed (same index
/// and term), otherwise it fails with <see cref="NotLeaderException"/>; and it fails at its deadline.
/// </remarks>
internal sealed class ConfChangeTracker
{
    private readonly Dictionary<ulong, (ulong Term, TaskCompletionSource Done, DateTimeOffset Deadline)> _proposed = [];
    private readonly List<(TaskCompletionSource Done, bool Applied)> _applied = [];

    /// <summary>Changes proposed and not yet applied.</summary>
    public int Count => _proposed.Count;

    public void Proposed(ulong index, ulong term, TaskCompletionSource done, DateTimeOffset deadline) => _proposed[index] = (term, done, deadline);

    /// <summary>The entry at <paramref name="index"/> was applied; its caller completes at <see cref="CompleteApplied"/>.</summary>
    public void Applied(ulong index, ulong term)
    {
        if (_proposed.Remove(index, out var change))
        {
            _applied.Add((change.Done, term == change.Term));
        }
    }

    public bool HasApplied => _applied.Count > 0;

    /// <summary>Completes the callers whose entries were applied (call after <c>Advance</c>).</summary>
    public void CompleteApplied(ulong leaderHint)
    {
        foreach (var (done, applied) in _applied)
        {
            if (applied)
            {
                done.TrySetResult();
            }
            else
            {
                done.TrySetException(new NotLeaderException(leaderHint, "Leadership changed before the membership change committed; it was not applied."));
            }
        }

        _applied.Clear();
    }

    public void Expire(DateTimeOffset now, TimeSpan timeout)
    {
        if (_proposed.Count == 0)
        {
            return;
        }

        foreach (var (index, change) in _proposed.Where(c => c.Value.Deadline <= now).ToList())
        {
            _proposed.Remove(index);
            change.Done.TrySetException(new TimeoutException($"The membership change at {index} did not commit within {timeout}."));
        }
    }

    public void FailAll(Exception error)
    {
        foreach (var change in _proposed.Values)
        {
            change.Done.TrySetException(error);
        }

        _proposed.Clear();
        foreach (var (done, _) in _applied)
        {
            done.TrySetException(error);
        }

        _applied.Clear();
    }
}
