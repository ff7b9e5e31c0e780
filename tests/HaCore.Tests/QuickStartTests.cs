using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace HaCore.Tests;

/// <summary>
/// The README's quick start, word for word: the packages are packed from this repository into a folder, a fresh
/// app is made of the README's two files, restored against that folder (and the machine's own feed for the rest),
/// built and run: three nodes over TCP, a write, a linearizable read, the leader stopped, a new leader, a write.
/// </summary>
[Collection(nameof(ProcessClusterTests))]
public sealed partial class QuickStartTests(ITestOutputHelper output)
{
    private static readonly string[] Packages = ["HaCore.Raft", "HaCore.Storage", "HaCore.Transport", "HaCore"];

    [GeneratedRegex(@"<!-- quickstart:(?<file>[^ ]+) -->\s*```\w*\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex QuickStartFile();

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "HaCore.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("HaCore.sln not found above the test binaries");
    }

    private async Task<string> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish within {timeout}:\n{await stdout}\n{await stderr}");
        }

        var text = await stdout + await stderr;
        output.WriteLine($"$ dotnet {string.Join(' ', args)}  (exit {process.ExitCode})");
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} failed with {process.ExitCode}:\n{text}");
        return text;
    }

    [Fact]
    public async Task The_readme_quick_start_builds_against_the_packed_packages_and_runs_three_nodes()
    {
        var root = RepositoryRoot();
        var work = Path.Combine(Path.GetTempPath(), $"hacore-quickstart-{Guid.NewGuid():N}");
        var packages = Path.Combine(work, "packages");
        var app = Path.Combine(work, "KvQuickStart");
        Directory.CreateDirectory(app);
        try
        {
            // A private package cache, so that this run restores the packages it just packed; the machine's cache
            // still serves every other package as a read-only fallback.
            var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            var environment = new Dictionary<string, string>
            {
                ["NUGET_PACKAGES"] = Path.Combine(work, "cache"),
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                ["DOTNET_NOLOGO"] = "1",
            };
            foreach (var package in Packages)
            {
                await RunAsync(root, new Dictionary<string, string>(), TimeSpan.FromMinutes(3), "pack", Path.Combine("src", package), "-c", "Release", "-o", packages);
            }

            var readme = await File.ReadAllTextAsync(Path.Combine(root, "README.md"), TestContext.Current.CancellationToken);
            var files = QuickStartFile().Matches(readme).ToDictionary(m => m.Groups["file"].Value, m => m.Groups["body"].Value);
            Assert.Equal(["KvQuickStart.csproj", "Program.cs"], files.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, body) in files)
            {
                await File.WriteAllTextAsync(Path.Combine(app, name), body, TestContext.Current.CancellationToken);
            }

            // What `dotnet nuget add source <folder>` does: the machine's own sources stay.
            await File.WriteAllTextAsync(
                Path.Combine(app, "nuget.config"),
                $"""
                 <?xml version="1.0" encoding="utf-8"?>
                 <configuration>
                   <packageSources>
                     <add key="hacore-local" value="{packages}" />
                   </packageSources>
                 </configuration>
                 """,
                TestContext.Current.CancellationToken);
            await RunAsync(app, environment, TimeSpan.FromMinutes(4), "restore", $"-p:RestoreAdditionalProjectFallbackFolders={cache}");
            var run = await RunAsync(app, environment, TimeSpan.FromMinutes(4), "run", "--no-restore");
            output.WriteLine(run);
            Assert.Contains("quick start: OK", run, StringComparison.Ordinal);
            Assert.Contains("took over", run, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
