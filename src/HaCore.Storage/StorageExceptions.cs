namespace HaCore.Storage;

/// <summary>The base type of the errors the storage layer raises about its files.</summary>
public class StorageException : IOException
{
    /// <summary>Creates the exception.</summary>
    public StorageException(string message, string? filePath, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
    }

    /// <summary>The file concerned, when one is.</summary>
    public string? FilePath { get; }
}

/// <summary>
/// Stored data failed a check (checksum, sequence, header) at a place where a crash cannot explain it.
/// The node must stop: continuing could serve or acknowledge a log that lost committed entries.
/// </summary>
public sealed class StorageCorruptionException : StorageException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The corrupt file.</param>
    /// <param name="offset">The byte offset in the file where the corruption was found.</param>
    /// <param name="reason">What check failed.</param>
    public StorageCorruptionException(string filePath, long offset, string reason)
        : base($"Storage corruption in '{filePath}' at offset {offset}: {reason}", filePath)
    {
        Offset = offset;
        Reason = reason;
    }

    /// <summary>The corrupt file.</summary>
    public new string FilePath => base.FilePath!;

    /// <summary>The byte offset where the corruption was found.</summary>
    public long Offset { get; }

    /// <summary>What check failed.</summary>
    public string Reason { get; }
}

/// <summary>
/// A file is well formed but does not belong here: an unknown format version, or a data directory of
/// another cluster.
/// </summary>
public sealed class StorageFormatException : StorageException
{
    /// <summary>Creates the exception.</summary>
    public StorageFormatException(string message, string filePath)
        : base(message, filePath)
    {
    }
}

/// <summary>The data directory is already open, in this or another process.</summary>
public sealed class StorageLockedException : StorageException
{
    /// <summary>Creates the exception.</summary>
    public StorageLockedException(string lockFilePath, Exception? innerException = null)
        : base($"The data directory is in use: the lock file '{lockFilePath}' is held by another process or store instance.", lockFilePath, innerException)
    {
    }
}
