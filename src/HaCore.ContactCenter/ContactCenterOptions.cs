namespace HaCore.ContactCenter;

/// <summary>
/// Fixed parameters of a <see cref="ContactCenterStateMachine"/>. Every replica of one group must use
/// the same values (they shape the replicated state).
/// </summary>
public sealed class ContactCenterOptions
{
    /// <summary>
    /// The high 16 bits of every ConnId allocated by this group (a partition prefix, DOMAIN.md §6).
    /// The default is 1.
    /// </summary>
    public ushort ConnIdPrefix { get; init; } = 1;

    /// <summary>
    /// How long a client request's result is kept for deduplication, in milliseconds of leader time.
    /// The default is 300,000 (DOMAIN.md §4 sizes the table on a 300 s window).
    /// </summary>
    public long DedupeWindowMs { get; init; } = 300_000;

    /// <summary>The most results kept per session for deduplication. The default is 4,096.</summary>
    public int MaxDedupeEntriesPerSession { get; init; } = 4096;

    /// <summary>The options used when none are given.</summary>
    public static ContactCenterOptions Default { get; } = new();
}
