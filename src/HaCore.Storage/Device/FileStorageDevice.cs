using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace HaCore.Storage;

/// <summary>
/// The real <see cref="IStorageDevice"/>: positional I/O with <see cref="RandomAccess"/> on a
/// <see cref="SafeFileHandle"/>, fsync of files and directories through libc on Unix.
/// </summary>
public sealed partial class FileStorageDevice : IStorageDevice
{
    /// <summary>The shared instance; the device holds no state.</summary>
    public static FileStorageDevice Instance { get; } = new();

    /// <inheritdoc />
    public IStorageFile OpenFile(string path, StorageFileMode mode, long preallocationBytes = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegative(preallocationBytes);
        var handle = mode == StorageFileMode.CreateNew
            ? File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, FileOptions.None, preallocationBytes)
            : File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        return new RealFile(path, handle);
    }

    /// <inheritdoc />
    public bool FileExists(string path) => File.Exists(path);

    /// <inheritdoc />
    public IReadOnlyList<string> ListFiles(string directory)
    {
        var names = Directory.GetFiles(directory).Select(p => System.IO.Path.GetFileName(p)).ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <inheritdoc />
    public void CreateDirectory(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            return;
        }

        var parent = System.IO.Path.GetDirectoryName(full.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        if (parent is not null)
        {
            CreateDirectory(parent);
        }

        Directory.CreateDirectory(full);
        if (parent is not null)
        {
            SyncDirectory(parent);
        }
    }

    /// <inheritdoc />
    public void DeleteFile(string path) => File.Delete(path);

    /// <inheritdoc />
    public void MoveFile(string source, string destination) => File.Move(source, destination, overwrite: true);

    /// <inheritdoc />
    public void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            // NTFS journals metadata; there is no portable directory fsync on Windows.
            return;
        }

        int fd = Native.Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"Cannot open directory '{directory}' to fsync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Native.Fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory '{directory}' failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Native.Close(fd);
        }
    }

    /// <inheritdoc />
    public IDisposable Lock(string lockFilePath)
    {
        try
        {
            // FileShare.None makes .NET take flock(LOCK_EX | LOCK_NB) on Unix and a share-mode lock on
            // Windows; both are released by the OS when the process dies, so a crash never leaves a stale lock.
            return new FileStream(lockFilePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new StorageLockedException(lockFilePath, ex);
        }
    }

    internal static void Fsync(SafeFileHandle handle, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            using var stream = new FileStream(new SafeFileHandle(handle.DangerousGetHandle(), ownsHandle: false), FileAccess.ReadWrite, 0);
            stream.Flush(flushToDisk: true);
            return;
        }

        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (Native.Fsync((int)handle.DangerousGetHandle()) != 0)
            {
                throw new IOException($"fsync of '{path}' failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        internal static partial int Fsync(int fd);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        internal static partial int Close(int fd);
    }

    private sealed class RealFile(string path, SafeFileHandle handle) : IStorageFile
    {
        public string Path { get; } = path;

        public long Length => RandomAccess.GetLength(handle);

        public int Read(long offset, Span<byte> buffer)
        {
            int total = 0;
            while (total < buffer.Length)
            {
                int n = RandomAccess.Read(handle, buffer[total..], offset + total);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            return total;
        }

        public void Write(long offset, ReadOnlySpan<byte> data) => RandomAccess.Write(handle, data, offset);

        public void SetLength(long length) => RandomAccess.SetLength(handle, length);

        public void Flush() => Fsync(handle, Path);

        public void Dispose() => handle.Dispose();
    }
}
