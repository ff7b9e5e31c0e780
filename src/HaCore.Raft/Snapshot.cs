namespace HaCore.Raft;

/// <summary>Describes a snapshot: the last log position it covers and the membership at that point.</summary>
/// <param name="Index">The index of the last entry the snapshot includes.</param>
/// <param name="Term">The term of that entry.</param>
/// <param name="ConfState">The membership as of <paramref name="Index"/>.</param>
public sealed record SnapshotMetadata(ulong Index, ulong Term, ConfState ConfState)
{
    /// <summary>The metadata of "no snapshot".</summary>
    public static readonly SnapshotMetadata Empty = new(0, 0, ConfState.Empty);
}

/// <summary>A snapshot of the state machine at <see cref="SnapshotMetadata.Index"/>, with its payload.</summary>
/// <param name="Metadata">Where the snapshot stands in the log.</param>
/// <param name="Data">The state machine's serialized state. A host that streams large snapshots
/// out of band may leave this empty and attach the payload in its transport.</param>
public sealed record Snapshot(SnapshotMetadata Metadata, ReadOnlyMemory<byte> Data)
{
    /// <summary>"No snapshot".</summary>
    public static readonly Snapshot Empty = new(SnapshotMetadata.Empty, ReadOnlyMemory<byte>.Empty);

    /// <summary>True when this is no snapshot (index 0).</summary>
    public bool IsEmpty => Metadata.Index == 0;

    /// <inheritdoc />
    public override string ToString() => $"snapshot {Metadata.Term}/{Metadata.Index} {Metadata.ConfState} {Data.Length}B";
}
