using System.Globalization;

namespace HaCore.ContactCenter;

/// <summary>
/// Fixed parameters of a <see cref="ContactCenterStateMachine"/>. Every replica of one group must use
/// the same values (they shape the replicated state).
/// </summary>
/// <remarks>
/// Every collection of the state and every payload has a bound here. A command that would exceed one
/// is rejected with <see cref="RejectReason.LimitExceeded"/> and changes nothing. The values are
/// checked by <see cref="Validate"/> when the state machine is created.
/// </remarks>
public sealed class ContactCenterOptions
{
    /// <summary>
    /// The high 16 bits of every ConnId allocated by this group (a partition prefix, DOMAIN.md §6).
    /// The default is 1.
    /// </summary>
    public ushort ConnIdPrefix { get; init; } = 1;

    /// <summary>
    /// The identity of this cluster, used to derive CallUuids that are unique across clusters (the
    /// ConnId alone is unique only within a group). Set a distinct value per cluster; the default is
    /// empty, which derives the same CallUuids in every cluster that uses the same ConnIdPrefix.
    /// </summary>
    public string ClusterId { get; init; } = string.Empty;

    /// <summary>
    /// How long a client request's result is kept for deduplication, in milliseconds of leader time.
    /// The default is 300,000 (DOMAIN.md §4 sizes the table on a 300 s window).
    /// </summary>
    public long DedupeWindowMs { get; init; } = 300_000;

    /// <summary>
    /// The most results kept for deduplication per session within the <see cref="DedupeWindowMs"/>. The window is
    /// never cut short: a deduplicated request beyond this bound is refused with <see cref="RejectReason.LimitExceeded"/>
    /// until older entries leave the window. The default is 65,536 (about 218 requests a second for 300 s).
    /// </summary>
    public int MaxDedupeEntriesPerSession { get; init; } = 65_536;

    /// <summary>
    /// The most results kept for deduplication per source (a connector's reports, by source sequence) within the
    /// <see cref="DedupeWindowMs"/>; beyond it a new report is refused with <see cref="RejectReason.LimitExceeded"/>.
    /// A source reports a whole switch's share of the traffic, not one desktop's: the default, 1,048,576, holds about
    /// 3,500 reports a second for 300 s (DOMAIN.md's B3 stress profile is 10,000 entries a second over 4 connectors,
    /// 2,500 each). A compact entry is about 100 bytes, so a source at the limit holds about 100 MB.
    /// </summary>
    public int MaxDedupeEntriesPerSource { get; init; } = 1_048_576;

    /// <summary>The most live calls (consult calls included). The default is 200,000.</summary>
    public int MaxCalls { get; init; } = 200_000;

    /// <summary>The most parties of one call (observers included). The default is 32.</summary>
    public int MaxPartiesPerCall { get; init; } = 32;

    /// <summary>The most user-data keys of one call. The default is 256.</summary>
    public int MaxUserDataKeys { get; init; } = 256;

    /// <summary>
    /// The most bytes of one call's user data (the encoded MessagePack size of its key/value pairs). The default
    /// is 65,536; GenEM's default is 16 KB, but the B3 profile attaches 16 KB blobs plus other keys.
    /// </summary>
    public int MaxUserDataBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// The most bytes of any other key/value list of one command: agent reasons, treatment
    /// parameters, configuration options. The default is 16,384.
    /// </summary>
    public int MaxKeyValueListBytes { get; init; } = 16 * 1024;

    /// <summary>The most treatments of one call (one per DN). The default is 16.</summary>
    public int MaxTreatmentsPerCall { get; init; } = 16;

    /// <summary>The most ISCC links of one call (open and closed). The default is 16.</summary>
    public int MaxIsccLinksPerCall { get; init; } = 16;

    /// <summary>The most agents known (logged in or not). The default is 100,000.</summary>
    public int MaxAgents { get; init; } = 100_000;

    /// <summary>The most configured DNs. The default is 1,000,000.</summary>
    public int MaxDns { get; init; } = 1_000_000;

    /// <summary>The most configuration options. The default is 10,000.</summary>
    public int MaxConfigOptions { get; init; } = 10_000;

    /// <summary>The most open client sessions. The default is 100,000.</summary>
    public int MaxSessions { get; init; } = 100_000;

    /// <summary>The most monitoring subscriptions of one session. The default is 100,000.</summary>
    public int MaxSubscriptionsPerSession { get; init; } = 100_000;

    /// <summary>The most monitoring subscriptions of all sessions. The default is 1,000,000.</summary>
    public int MaxSubscriptions { get; init; } = 1_000_000;

    /// <summary>The most connectors known (alive or not). The default is 1,024.</summary>
    public int MaxConnectors { get; init; } = 1024;

    /// <summary>The most connector HA records of the four kinds together. The default is 1,000,000.</summary>
    public int MaxConnectorRecords { get; init; } = 1_000_000;

    /// <summary>
    /// This node's own configuration hash: <see cref="ContactCenterStateMachine.ComputeConfigHash"/> of the DN table,
    /// options and login conflict policy it was started with (DOMAIN invariant 13). While a configuration with another
    /// hash is committed, the node refuses leadership (<see cref="ContactCenterStateMachine.LeadershipRefusal"/>).
    /// Empty (the default): no check. Unlike the other options it may differ between nodes and does not shape the
    /// replicated state. Either empty or 32 bytes.
    /// </summary>
    public ReadOnlyMemory<byte> LocalConfigHash { get; init; }

    /// <summary>The options used when none are given.</summary>
    public static ContactCenterOptions Default { get; } = new();

    /// <summary>Checks that every bound is positive (and the dedupe window is not negative).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (ClusterId is null)
        {
            throw new ArgumentOutOfRangeException(nameof(ClusterId), "ClusterId must not be null");
        }

        if (LocalConfigHash.Length is not (0 or 32))
        {
            throw new ArgumentOutOfRangeException(nameof(LocalConfigHash), LocalConfigHash.Length, "LocalConfigHash must be empty or a 32-byte SHA-256 (ComputeConfigHash)");
        }

        if (DedupeWindowMs < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(DedupeWindowMs), DedupeWindowMs, "DedupeWindowMs must not be negative");
        }

        Positive(MaxDedupeEntriesPerSession, nameof(MaxDedupeEntriesPerSession));
        Positive(MaxDedupeEntriesPerSource, nameof(MaxDedupeEntriesPerSource));
        Positive(MaxCalls, nameof(MaxCalls));
        Positive(MaxPartiesPerCall, nameof(MaxPartiesPerCall));
        Positive(MaxUserDataKeys, nameof(MaxUserDataKeys));
        Positive(MaxUserDataBytes, nameof(MaxUserDataBytes));
        Positive(MaxKeyValueListBytes, nameof(MaxKeyValueListBytes));
        Positive(MaxTreatmentsPerCall, nameof(MaxTreatmentsPerCall));
        Positive(MaxIsccLinksPerCall, nameof(MaxIsccLinksPerCall));
        Positive(MaxAgents, nameof(MaxAgents));
        Positive(MaxDns, nameof(MaxDns));
        Positive(MaxConfigOptions, nameof(MaxConfigOptions));
        Positive(MaxSessions, nameof(MaxSessions));
        Positive(MaxSubscriptionsPerSession, nameof(MaxSubscriptionsPerSession));
        Positive(MaxSubscriptions, nameof(MaxSubscriptions));
        Positive(MaxConnectors, nameof(MaxConnectors));
        Positive(MaxConnectorRecords, nameof(MaxConnectorRecords));
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be positive, not {value}"));
        }
    }
}
