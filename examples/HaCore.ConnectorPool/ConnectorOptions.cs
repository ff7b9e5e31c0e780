namespace HaCore.ConnectorPool;

/// <summary>One connector's settings.</summary>
public sealed record ConnectorOptions
{
    /// <summary>The connector's ID (letters, digits, '-' or '_'; at most 32).</summary>
    public string ConnectorId { get; init; } = "";

    /// <summary>The T-Server nodes' HTTP addresses; any node serves (a follower forwards writes to the leader).</summary>
    public IReadOnlyList<Uri> Nodes { get; init; } = [];

    /// <summary>The DNs this connector claims when they are unassigned (its share of the pool).</summary>
    public IReadOnlyList<string> Dns { get; init; } = [];

    /// <summary>The lease each ConnectorUp asks for.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How often the lease is renewed and the state read (at most a third of the lease).</summary>
    public TimeSpan RenewEvery { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long after a peer's lease ran out this connector claims its DNs and calls.</summary>
    public TimeSpan AdoptAfter { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long a voice call lasts on average (each between half and one and a half times this) before its
    /// caller hangs up and the DN gets a new call; zero: calls stay up (no churn).</summary>
    public TimeSpan VoiceCallLength { get; init; } = TimeSpan.Zero;

    /// <summary>One HTTP request's timeout.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long one operation (a proposal or a read) is retried across nodes before it fails.</summary>
    public TimeSpan OperationDeadline { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Checks every value.</summary>
    public void Validate()
    {
        if (ConnectorId.Length is 0 or > 32 || !ConnectorId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException("ConnectorId must be 1-32 letters, digits, '-' or '_'", nameof(ConnectorId));
        }

        if (Nodes.Count == 0 || Nodes.Any(n => !n.IsAbsoluteUri))
        {
            throw new ArgumentException("Nodes must name at least one absolute URI", nameof(Nodes));
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(Dns.Count, 64, nameof(Dns));
        ArgumentOutOfRangeException.ThrowIfLessThan(Lease, TimeSpan.FromMilliseconds(300), nameof(Lease));
        ArgumentOutOfRangeException.ThrowIfLessThan(RenewEvery, TimeSpan.FromMilliseconds(50), nameof(RenewEvery));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RenewEvery, Lease / 3, nameof(RenewEvery));
        ArgumentOutOfRangeException.ThrowIfLessThan(AdoptAfter, TimeSpan.Zero, nameof(AdoptAfter));
        ArgumentOutOfRangeException.ThrowIfLessThan(VoiceCallLength, TimeSpan.Zero, nameof(VoiceCallLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(RequestTimeout, TimeSpan.FromMilliseconds(100), nameof(RequestTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(OperationDeadline, RequestTimeout, nameof(OperationDeadline));
    }
}
