using System.Diagnostics;

namespace HaCore.Storage.Tests;

/// <summary>The directory lock is an OS lock that other processes see, not just an in-process flag.</summary>
public sealed class CrossProcessLockTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Another_process_cannot_take_the_lock_while_the_store_is_open()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && File.Exists("/usr/bin/flock"), "needs Linux and flock(1)");
        var options = StorageTestKit.Options(Path.Combine(_temp.Path, "node"), backgroundPreparation: true);
        var lockFile = Path.Combine(options.DirectoryPath, "LOCK");
        using (DurableRaftStorage.Open(options))
        {
            Assert.Equal(1, FlockNonBlocking(lockFile));
        }

        Assert.Equal(0, FlockNonBlocking(lockFile));
    }

    private static int FlockNonBlocking(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("/usr/bin/flock", ["-n", path, "true"]) { UseShellExecute = false })!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
