namespace HaCore.Raft;

/// <summary>The kind of a log entry.</summary>
public enum EntryType : byte
{
    /// <summary>An application command (or the empty no-op a new leader appends).</summary>
    Normal = 0,

    /// <summary>A membership change, encoded with <see cref="ConfChange.Encode"/>.</summary>
    ConfChange = 1,
}

/// <summary>
/// One entry of the replicated log. Entries are immutable once created: the core and the storage
/// share the same <see cref="Data"/> buffers and never write into them.
/// </summary>
/// <param name="Term">The leader term in which the entry was created.</param>
/// <param name="Index">The position of the entry in the log (1-based).</param>
/// <param name="Type">The kind of entry.</param>
/// <param name="Data">The payload; empty for the no-op a leader appends when elected.</param>
public readonly record struct Entry(ulong Term, ulong Index, EntryType Type, ReadOnlyMemory<byte> Data)
{
    /// <summary>Fixed bytes counted per entry besides its payload, for byte-based limits.</summary>
    public const int OverheadBytes = 24;

    /// <summary>Creates a normal entry.</summary>
    public Entry(ulong term, ulong index, ReadOnlyMemory<byte> data)
        : this(term, index, EntryType.Normal, data)
    {
    }

    /// <summary>The size counted against byte limits (payload plus <see cref="OverheadBytes"/>).</summary>
    public long Size => (long)Data.Length + OverheadBytes;

    /// <summary>Payload bytes only; what the uncommitted-bytes limit counts.</summary>
    public long PayloadSize => Data.Length;

    /// <inheritdoc />
    public override string ToString() => $"{Term}/{Index}{(Type == EntryType.ConfChange ? " conf" : string.Empty)}{(Data.IsEmpty ? " empty" : $" {Data.Length}B")}";
}
