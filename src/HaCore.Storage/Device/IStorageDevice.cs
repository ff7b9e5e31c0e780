namespace HaCore.Storage;

/// <summary>How <see cref="IStorageDevice.OpenFile"/> treats an existing or missing file.</summary>
public enum StorageFileMode
{
    /// <summary>Open an existing file; fail when it does not exist.</summary>
    OpenExisting = 0,

    /// <summary>Create a new, empty file; fail when it already exists.</summary>
    CreateNew = 1,
}

/// <summary>
/// All file-system access of the storage layer goes through this interface, so that the same code
/// runs against the real disk (<see cref="FileStorageDevice"/>) and a simulated one in tests that
/// loses unsynced writes, tears writes and flips bits.
/// </summary>
/// <remarks>
/// Durability contract: data written to a file is durable only after <see cref="IStorageFile.Flush"/>;
/// a created, renamed or deleted directory entry is durable only after <see cref="SyncDirectory"/> on
/// its directory. Implementations are not required to be thread-safe; the storage layer calls them
/// from one thread at a time.
/// </remarks>
public interface IStorageDevice
{
    /// <summary>Opens or creates a file for reading and writing.</summary>
    /// <param name="path">The file path.</param>
    /// <param name="mode">Whether the file must exist or must not exist.</param>
    /// <param name="preallocationBytes">For <see cref="StorageFileMode.CreateNew"/>, disk space to reserve; 0 for none.</param>
    /// <exception cref="FileNotFoundException">The file does not exist and <paramref name="mode"/> is <see cref="StorageFileMode.OpenExisting"/>.</exception>
    /// <exception cref="IOException">The file exists and <paramref name="mode"/> is <see cref="StorageFileMode.CreateNew"/>, or an I/O error occurred.</exception>
    IStorageFile OpenFile(string path, StorageFileMode mode, long preallocationBytes = 0);

    /// <summary>Returns true when a file exists at <paramref name="path"/>.</summary>
    bool FileExists(string path);

    /// <summary>Returns the names (not paths) of the files directly in <paramref name="directory"/>, sorted ordinally.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    IReadOnlyList<string> ListFiles(string directory);

    /// <summary>Creates a directory and its parents when missing; the creation is durable on return.</summary>
    void CreateDirectory(string path);

    /// <summary>Deletes a file if it exists. The deletion is durable after <see cref="SyncDirectory"/>.</summary>
    void DeleteFile(string path);

    /// <summary>Atomically renames <paramref name="source"/> to <paramref name="destination"/>, replacing it.
    /// The rename is durable after <see cref="SyncDirectory"/>.</summary>
    /// <exception cref="FileNotFoundException"><paramref name="source"/> does not exist.</exception>
    void MoveFile(string source, string destination);

    /// <summary>Makes the creations, renames and deletions in <paramref name="directory"/> durable (fsync of the directory).</summary>
    void SyncDirectory(string directory);

    /// <summary>Takes an exclusive, process-wide lock on <paramref name="lockFilePath"/>, creating the file if needed.
    /// Dispose the result to release the lock.</summary>
    /// <exception cref="StorageLockedException">Another process (or another open store) holds the lock.</exception>
    IDisposable Lock(string lockFilePath);
}

/// <summary>An open file on an <see cref="IStorageDevice"/>, read and written at explicit offsets.</summary>
public interface IStorageFile : IDisposable
{
    /// <summary>The path the file was opened with.</summary>
    string Path { get; }

    /// <summary>The current length of the file in bytes.</summary>
    long Length { get; }

    /// <summary>Reads up to <c>buffer.Length</c> bytes at <paramref name="offset"/>; returns the number read (less only at the end of the file).</summary>
    int Read(long offset, Span<byte> buffer);

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/>, extending the file when needed. Not durable until <see cref="Flush"/>.</summary>
    void Write(long offset, ReadOnlySpan<byte> data);

    /// <summary>Sets the length of the file, truncating or zero-extending it. Not durable until <see cref="Flush"/>.</summary>
    void SetLength(long length);

    /// <summary>Makes every write so far durable (fsync).</summary>
    void Flush();
}
