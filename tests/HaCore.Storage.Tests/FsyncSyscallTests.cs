using System.Diagnostics;

namespace HaCore.Storage.Tests;

/// <summary>
/// The real device's durability contract, seen from the kernel: each <see cref="IStorageFile.Flush"/> of
/// <see cref="FileStorageDevice"/> is an fsync system call on that file, and each
/// <see cref="IStorageDevice.SyncDirectory"/> one on the directory. strace (installed by .ci/run) is attached to
/// this test process and records the calls with their paths. A Flush turned into a no-op fails here; no
/// simulated device can show that, and kill -9 keeps the page cache.
/// </summary>
public sealed class FsyncSyscallTests
{
    [Fact]
    public async Task Flush_and_SyncDirectory_are_fsync_system_calls_on_their_paths()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "strace is Linux-only");
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "fsync-probe");
        var trace = Path.Combine(dir.Path, "strace.out");
        var info = new ProcessStartInfo("strace") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-f", "-y", "-e", "trace=fsync,fdatasync", "-o", trace, "-p", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }

        using var strace = Process.Start(info) ?? throw new InvalidOperationException("strace did not start (.ci/run installs it)");
        try
        {
            // strace reports each thread it attached to; the first line means it is tracing.
            using var attach = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var first = await strace.StandardError.ReadLineAsync(attach.Token);
            Assert.True(first is not null && first.Contains("attached", StringComparison.Ordinal), $"strace did not attach: {first}");
            _ = strace.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);

            // strace attaches to the process's threads one by one. One dedicated thread, with no await in
            // between, flushes a warm-up file until one of its fsyncs shows in the trace (so it is traced), then
            // does the counted flushes.
            await Task.Factory.StartNew(
                () =>
                {
                    using (var warmup = FileStorageDevice.Instance.OpenFile(Path.Combine(dir.Path, "fsync-warmup"), StorageFileMode.CreateNew))
                    {
                        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                        while (!(File.Exists(trace) && ReadShared(trace).Contains("fsync-warmup>", StringComparison.Ordinal)))
                        {
                            Assert.True(DateTime.UtcNow < deadline, "strace never showed an fsync of the warm-up file");
                            warmup.Write(0, new byte[16]);
                            warmup.Flush();
                            Thread.Sleep(20);
                        }
                    }

                    const int flushes = 10;
                    using (var file = FileStorageDevice.Instance.OpenFile(path, StorageFileMode.CreateNew))
                    {
                        for (var i = 0; i < flushes; i++)
                        {
                            file.Write(i * 16, new byte[16]);
                            file.Flush();
                        }
                    }

                    FileStorageDevice.Instance.SyncDirectory(dir.Path);
                },
                TestContext.Current.CancellationToken,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
        }
        finally
        {
            strace.Kill();
            await strace.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        var lines = await File.ReadAllLinesAsync(trace, TestContext.Current.CancellationToken);
        // A call that another traced thread interrupts is split ("<unfinished ...>", then "<... fsync resumed>"
        // without the path): count the calls made on the path, completed or split, that did not fail.
        static int Calls(string[] lines, string target) => lines.Count(l =>
            l.Contains("sync(", StringComparison.Ordinal) && l.Contains(target, StringComparison.Ordinal)
            && (l.EndsWith("= 0", StringComparison.Ordinal) || l.EndsWith("<unfinished ...>", StringComparison.Ordinal)));
        var fileSyncs = Calls(lines, "fsync-probe>");
        var dirSyncs = Calls(lines, dir.Path + ">");
        Assert.DoesNotContain(lines, l => l.Contains("fsync-probe>", StringComparison.Ordinal) && l.Contains("= -1", StringComparison.Ordinal));
        Assert.True(fileSyncs >= 10, $"expected at least 10 fsyncs of the probe file, strace saw {fileSyncs}:\n{string.Join('\n', lines.Take(20))}");
        Assert.True(dirSyncs >= 1, $"expected an fsync of the directory, strace saw none:\n{string.Join('\n', lines.Take(20))}");
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
