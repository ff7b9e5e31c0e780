using System.Diagnostics;

namespace HaCore.Tests;

/// <summary>
/// The README's main job, run as a new user runs it, for each documented profile: it must finish with its
/// summary and its checks (every acknowledged command applied exactly once on every node, equal state hashes),
/// and never hang (its watchdog exits non-zero when acknowledgements stop). Profile B2 once livelocked after a
/// leader change (issue 15).
/// </summary>
[Collection(nameof(ProcessClusterTests))]
public sealed class DemoTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("B1", 1)]
    [InlineData("B2", 1)]
    [InlineData("B3", 1)]
    public async Task The_demo_finishes_with_its_checks(string profile, int seed)
    {
        var here = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var framework = Path.GetFileName(here);
        var configuration = Path.GetFileName(Path.GetDirectoryName(here)!);
        var root = Path.GetFullPath(Path.Combine(here, "..", "..", "..", "..", ".."));
        var demo = Path.Combine(root, "examples", "HaCore.ContactCenterDemo", "bin", configuration, framework, "HaCore.ContactCenterDemo.dll");
        Assert.True(File.Exists(demo), $"build the demo first: {demo} is missing");

        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { demo, "--profile", profile, "--seconds", "4", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the demo ({profile}, seed {seed}) ran past 3 minutes:\n{await stdout}");
        }

        var text = await stdout + await stderr;
        output.WriteLine(text);
        Assert.True(process.ExitCode == 0, $"the demo exited with {process.ExitCode}:\n{text}");
        Assert.Contains("verified              : every acknowledged command is applied exactly once on every node", text, StringComparison.Ordinal);
        Assert.Contains("identical on all 3 nodes", text, StringComparison.Ordinal);
    }
}
