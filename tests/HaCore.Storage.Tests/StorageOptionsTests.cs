namespace HaCore.Storage.Tests;

public sealed class StorageOptionsTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        new StorageOptions { DirectoryPath = "/x", ClusterId = 1 }.Validate();
    }

    public static TheoryData<string, StorageOptions> InvalidOptions => new()
    {
        { "DirectoryPath", new StorageOptions { ClusterId = 1 } },
        { "ClusterId", new StorageOptions { DirectoryPath = "/x" } },
        { "SegmentSizeBytes", new StorageOptions { DirectoryPath = "/x", ClusterId = 1, SegmentSizeBytes = 1000 } },
        { "SegmentSizeBytes", new StorageOptions { DirectoryPath = "/x", ClusterId = 1, SegmentSizeBytes = 2L * 1024 * 1024 * 1024 } },
        { "SegmentSizeBytes", new StorageOptions { DirectoryPath = "/x", ClusterId = 1, SegmentSizeBytes = (64 * 1024) + 1 } },
        { "MaxRecordBytes", new StorageOptions { DirectoryPath = "/x", ClusterId = 1, SegmentSizeBytes = 64 * 1024, MaxRecordBytes = 64 * 1024 } },
        { "MaxRecordBytes", new StorageOptions { DirectoryPath = "/x", ClusterId = 1, MaxRecordBytes = 0 } },
        { "MaxOpenFiles", new StorageOptions { DirectoryPath = "/x", ClusterId = 1, MaxOpenFiles = 2 } },
        { "EntryCacheBytes", new StorageOptions { DirectoryPath = "/x", ClusterId = 1, EntryCacheBytes = -1 } },
        { "WriteBufferBytes", new StorageOptions { DirectoryPath = "/x", ClusterId = 1, WriteBufferBytes = 10 } },
        { "SnapshotChunkBytes", new StorageOptions { DirectoryPath = "/x", ClusterId = 1, SnapshotChunkBytes = 1 } },
        { "SnapshotsToKeep", new StorageOptions { DirectoryPath = "/x", ClusterId = 1, SnapshotsToKeep = 1 } },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Invalid_options_fail_at_open_with_a_message_naming_the_option(string option, StorageOptions options)
    {
        var ex = Assert.Throws<ArgumentException>(() => DurableRaftStorage.Open(options, StorageTestKit.Device()));
        Assert.Equal(option, ex.ParamName);
        Assert.Contains("StorageOptions." + option, ex.Message, StringComparison.Ordinal);
    }
}
