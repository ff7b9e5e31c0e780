using HaCore.Testing.Storage;

namespace HaCore.Storage.Tests;

/// <summary>One suite that every <see cref="IStorageDevice"/> must pass, so the simulated device cannot drift from the real one.</summary>
public abstract class StorageDeviceContractTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    protected StorageDeviceContractTests()
    {
        Root = Path.Combine(_temp.Path, "dev");
    }

    protected string Root { get; }

    public void Dispose() => _temp.Dispose();

    protected abstract IStorageDevice CreateDevice();

    private IStorageDevice CreateReadyDevice()
    {
        var device = CreateDevice();
        device.CreateDirectory(Root);
        return device;
    }

    [Fact]
    public void Written_bytes_read_back_at_their_offset()
    {
        var device = CreateReadyDevice();
        using var file = device.OpenFile(Path.Combine(Root, "a"), StorageFileMode.CreateNew);
        file.Write(0, [1, 2, 3, 4]);
        file.Write(2, [9, 8, 7]);
        Assert.Equal(5, file.Length);
        var buffer = new byte[5];
        Assert.Equal(5, file.Read(0, buffer));
        Assert.Equal(new byte[] { 1, 2, 9, 8, 7 }, buffer);
    }

    [Fact]
    public void Read_past_the_end_returns_fewer_bytes()
    {
        var device = CreateReadyDevice();
        using var file = device.OpenFile(Path.Combine(Root, "a"), StorageFileMode.CreateNew);
        file.Write(0, [1, 2, 3]);
        var buffer = new byte[8];
        Assert.Equal(2, file.Read(1, buffer));
        Assert.Equal(new byte[] { 2, 3 }, buffer[..2]);
        Assert.Equal(0, file.Read(3, buffer));
        Assert.Equal(0, file.Read(100, buffer));
    }

    [Fact]
    public void Write_beyond_the_end_fills_the_gap_with_zeros()
    {
        var device = CreateReadyDevice();
        using var file = device.OpenFile(Path.Combine(Root, "a"), StorageFileMode.CreateNew);
        file.Write(4, [5]);
        var buffer = new byte[5];
        Assert.Equal(5, file.Read(0, buffer));
        Assert.Equal(new byte[] { 0, 0, 0, 0, 5 }, buffer);
    }

    [Fact]
    public void SetLength_truncates_and_zero_extends()
    {
        var device = CreateReadyDevice();
        using var file = device.OpenFile(Path.Combine(Root, "a"), StorageFileMode.CreateNew);
        file.Write(0, [1, 2, 3, 4]);
        file.SetLength(2);
        Assert.Equal(2, file.Length);
        file.SetLength(4);
        var buffer = new byte[4];
        Assert.Equal(4, file.Read(0, buffer));
        Assert.Equal(new byte[] { 1, 2, 0, 0 }, buffer);
    }

    [Fact]
    public void Preallocation_does_not_change_the_length()
    {
        var device = CreateReadyDevice();
        using var file = device.OpenFile(Path.Combine(Root, "a"), StorageFileMode.CreateNew, preallocationBytes: 64 * 1024);
        Assert.Equal(0, file.Length);
    }

    [Fact]
    public void CreateNew_fails_when_the_file_exists_and_OpenExisting_when_it_does_not()
    {
        var device = CreateReadyDevice();
        var path = Path.Combine(Root, "a");
        Assert.Throws<FileNotFoundException>(() => device.OpenFile(path, StorageFileMode.OpenExisting));
        device.OpenFile(path, StorageFileMode.CreateNew).Dispose();
        Assert.Throws<IOException>(() => device.OpenFile(path, StorageFileMode.CreateNew));
        Assert.True(device.FileExists(path));
    }

    [Fact]
    public void Synced_data_is_visible_after_reopen()
    {
        var device = CreateReadyDevice();
        var path = Path.Combine(Root, "a");
        using (var file = device.OpenFile(path, StorageFileMode.CreateNew))
        {
            file.Write(0, [42, 43]);
            file.Flush();
        }

        device.SyncDirectory(Root);
        using var again = device.OpenFile(path, StorageFileMode.OpenExisting);
        var buffer = new byte[2];
        Assert.Equal(2, again.Read(0, buffer));
        Assert.Equal(new byte[] { 42, 43 }, buffer);
    }

    [Fact]
    public void ListFiles_returns_sorted_names_of_that_directory_only()
    {
        var device = CreateReadyDevice();
        var sub = Path.Combine(Root, "sub");
        device.CreateDirectory(sub);
        foreach (var name in new[] { "b", "a", "c" })
        {
            device.OpenFile(Path.Combine(Root, name), StorageFileMode.CreateNew).Dispose();
        }

        device.OpenFile(Path.Combine(sub, "z"), StorageFileMode.CreateNew).Dispose();
        Assert.Equal(["a", "b", "c"], device.ListFiles(Root));
        Assert.Equal(["z"], device.ListFiles(sub));
        Assert.Throws<DirectoryNotFoundException>(() => device.ListFiles(Path.Combine(Root, "missing")));
    }

    [Fact]
    public void MoveFile_replaces_the_destination_and_DeleteFile_ignores_missing_files()
    {
        var device = CreateReadyDevice();
        var a = Path.Combine(Root, "a");
        var b = Path.Combine(Root, "b");
        using (var file = device.OpenFile(a, StorageFileMode.CreateNew))
        {
            file.Write(0, [1]);
        }

        using (var file = device.OpenFile(b, StorageFileMode.CreateNew))
        {
            file.Write(0, [2, 2]);
        }

        device.MoveFile(a, b);
        device.SyncDirectory(Root);
        Assert.False(device.FileExists(a));
        using (var file = device.OpenFile(b, StorageFileMode.OpenExisting))
        {
            Assert.Equal(1, file.Length);
        }

        Assert.Throws<FileNotFoundException>(() => device.MoveFile(a, b));
        device.DeleteFile(b);
        device.DeleteFile(b);
        Assert.Empty(device.ListFiles(Root));
    }

    [Fact]
    public void A_lock_is_exclusive_until_released()
    {
        var device = CreateReadyDevice();
        var path = Path.Combine(Root, "LOCK");
        var held = device.Lock(path);
        Assert.Throws<StorageLockedException>(() => device.Lock(path));
        held.Dispose();
        device.Lock(path).Dispose();
    }
}

public sealed class FileStorageDeviceContractTests : StorageDeviceContractTests
{
    protected override IStorageDevice CreateDevice() => new FileStorageDevice();
}

public sealed class SimulatedStorageDeviceContractTests : StorageDeviceContractTests
{
    protected override IStorageDevice CreateDevice() => new SimulatedStorageDevice();
}
