using System.Runtime.CompilerServices;

namespace HaCore.ContactCenter;

/// <summary>Where an event stands in the replicated log: the entry's index and the event's place in its result.
/// Totally ordered, the same on every node, so a desktop resumes after the last position it saw on any node.</summary>
/// <param name="Index">The log index of the command that produced the event.</param>
/// <param name="Ordinal">The event's place among that command's events, from 0.</param>
public readonly record struct DnEventPosition(ulong Index, int Ordinal) : IComparable<DnEventPosition>
{
    /// <summary>Before every event: a stream from here starts at the first retained command.</summary>
    public static DnEventPosition Start => default;

    /// <inheritdoc />
    public int CompareTo(DnEventPosition other) =>
        Index != other.Index ? Index.CompareTo(other.Index) : Ordinal.CompareTo(other.Ordinal);

    /// <summary>Whether <paramref name="left"/> comes after <paramref name="right"/>.</summary>
    public static bool operator >(DnEventPosition left, DnEventPosition right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> comes before <paramref name="right"/>.</summary>
    public static bool operator <(DnEventPosition left, DnEventPosition right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> is <paramref name="right"/> or after it.</summary>
    public static bool operator >=(DnEventPosition left, DnEventPosition right) => left.CompareTo(right) >= 0;

    /// <summary>Whether <paramref name="left"/> is <paramref name="right"/> or before it.</summary>
    public static bool operator <=(DnEventPosition left, DnEventPosition right) => left.CompareTo(right) <= 0;
}

/// <summary>One event delivered to a desktop, with its position.</summary>
/// <param name="Position">Where it stands in the log.</param>
/// <param name="Event">The event.</param>
public sealed record DnEvent(DnEventPosition Position, Event Event);

/// <summary>
/// Per-DN event streams, the T-Library view of the replicated log: a desktop registered on its DN gets the events
/// a T-Server would send it, in log order. The filter is a pure function of the committed log, so every node gives
/// a subscriber the same stream, and a subscriber resumes on any node after the last position it saw, with no gap
/// and no duplicate. Results answered from the dedupe table (a retried request) carry no events and are skipped.
/// </summary>
public static class DnSubscriptions
{
    /// <summary>The events addressed to <paramref name="dn"/> (their <c>ThisDn</c>), after <paramref name="after"/>.</summary>
    /// <param name="log">The applied commands, from <c>SubscribeAsync</c> at <c>after.Index</c> or earlier.</param>
    /// <param name="dn">The DN.</param>
    /// <param name="after">The last position already seen; <see cref="DnEventPosition.Start"/> for all.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    /// <returns>The DN's events in log order.</returns>
    public static async IAsyncEnumerable<DnEvent> ForDnAsync(
        this IAsyncEnumerable<AppliedCommand<Command, CommandResult>> log,
        DnId dn,
        DnEventPosition after = default,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(dn);
        var key = DnKey.From(dn);
        await foreach (var applied in log.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            foreach (var e in EventsOf(applied, after))
            {
                if (e.Event.ThisDn is { } thisDn && DnKey.From(thisDn) == key)
                {
                    yield return e;
                }
            }
        }
    }

    /// <summary>
    /// What a T-Library client session gets: the events of every DN it is registered on (it registers with
    /// <c>AddressRegistered</c> and leaves with <c>AddressUnregistered</c>; the stream follows both), and the errors
    /// of its own requests.
    /// </summary>
    /// <param name="log">The applied commands, from <c>SubscribeAsync</c> at <c>after.Index</c> or earlier.</param>
    /// <param name="sessionId">The client session.</param>
    /// <param name="registered">The DNs the session is registered on at <paramref name="after"/> (none for a new session).</param>
    /// <param name="after">The last position already seen; <see cref="DnEventPosition.Start"/> for all.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    /// <returns>The session's events in log order.</returns>
    public static async IAsyncEnumerable<DnEvent> ForSessionAsync(
        this IAsyncEnumerable<AppliedCommand<Command, CommandResult>> log,
        string sessionId,
        IEnumerable<DnId> registered,
        DnEventPosition after = default,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentNullException.ThrowIfNull(registered);
        var dns = registered.Select(DnKey.From).ToHashSet();
        await foreach (var applied in log.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            foreach (var e in EventsOf(applied, after))
            {
                var own = e.Event.SessionId == sessionId;
                DnKey? dn = e.Event.ThisDn is { } thisDn ? DnKey.From(thisDn) : null;
                if (own && dn is { } d && e.Event.Kind == EventKind.Registered)
                {
                    dns.Add(d);
                }

                if ((own && e.Event.Kind is EventKind.Error or EventKind.Registered or EventKind.Unregistered) || (dn is { } k && dns.Contains(k)))
                {
                    yield return e;
                }

                if (own && dn is { } u && e.Event.Kind == EventKind.Unregistered)
                {
                    dns.Remove(u);
                }
            }
        }
    }

    /// <summary>The node's per-DN stream, resumable on any node: <see cref="ForDnAsync"/> over <c>SubscribeAsync</c>.</summary>
    /// <param name="node">Any node of the cluster.</param>
    /// <param name="dn">The DN.</param>
    /// <param name="after">The last position already seen.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    /// <returns>The DN's events in log order.</returns>
    /// <exception cref="EventPositionUnavailableException">This node no longer retains the commands after
    /// <paramref name="after"/> (read the current state, then follow from its applied index).</exception>
    public static IAsyncEnumerable<DnEvent> SubscribeDnAsync(
        this ReplicatedStateMachine<ContactCenterStateMachine, Command, CommandResult> node,
        DnId dn,
        DnEventPosition after = default,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.SubscribeAsync(Math.Max(after.Index, 1), cancellationToken).ForDnAsync(dn, after, cancellationToken);
    }

    private static IEnumerable<DnEvent> EventsOf(AppliedCommand<Command, CommandResult> applied, DnEventPosition after)
    {
        if (applied.Result.Duplicate || applied.Index < after.Index)
        {
            yield break;
        }

        for (var i = 0; i < applied.Result.Events.Count; i++)
        {
            var position = new DnEventPosition(applied.Index, i);
            if (position > after)
            {
                yield return new DnEvent(position, applied.Result.Events[i]);
            }
        }
    }
}
