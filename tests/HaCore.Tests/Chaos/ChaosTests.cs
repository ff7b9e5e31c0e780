using System.Globalization;

namespace HaCore.Tests.Chaos;

/// <summary>
/// The nemesis over real processes (docs/chaos.md): each fault schedule with its default seed, and each deliberate
/// defect of the test host, which the same checks must catch. <c>HACORE_CHAOS_SEED=n</c> replays one seed,
/// <c>HACORE_CHAOS_MINUTES=n</c> gives each schedule n minutes of faults (a soak).
/// </summary>
[Collection(nameof(ProcessClusterTests))]
public sealed class ChaosTests(ITestOutputHelper output)
{
    public static TheoryData<string> Schedules => [.. ChaosSchedule.All.Select(s => s.Name)];

    public static TheoryData<string> Defects => [.. ChaosSchedule.Defects.Select(s => s.Name)];

    private static int Seed(int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable("HACORE_CHAOS_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed : fallback;

    private static TimeSpan FaultPhase(double ciSeconds) =>
        double.TryParse(Environment.GetEnvironmentVariable("HACORE_CHAOS_MINUTES"), NumberStyles.Float, CultureInfo.InvariantCulture, out var minutes) && minutes > 0
            ? TimeSpan.FromMinutes(minutes)
            : TimeSpan.FromSeconds(ciSeconds);

    [Theory]
    [MemberData(nameof(Schedules))]
    public async Task The_cluster_holds_up_under_the_schedule(string name)
    {
        var schedule = ChaosSchedule.Named(name);
        var index = ChaosSchedule.All.ToList().IndexOf(schedule);
        var verdict = await new ChaosRunner(schedule, Seed(index + 1), FaultPhase(15), output.WriteLine).RunAsync();
        Assert.True(verdict.Passed, $"chaos '{name}' seed {verdict.Seed}: {string.Join("\n", verdict.Violations)}\n(files in {verdict.Artifacts})");
        Assert.True(verdict.Faults.Count > 0, "the nemesis injected no fault");
        Assert.Equal(0, verdict.AcknowledgedLost);
    }

    [Theory]
    [MemberData(nameof(Defects))]
    public async Task The_checks_catch_the_deliberate_defect(string name)
    {
        var schedule = ChaosSchedule.Named(name);
        var verdict = await new ChaosRunner(schedule, Seed(101), FaultPhase(10), output.WriteLine).RunAsync();
        Assert.True(verdict.Violations.Count > 0, $"the defect of '{name}' went unnoticed (files in {verdict.Artifacts})");
        output.WriteLine($"caught, as it must be: {verdict.Violations[0]}");
    }

    [Fact]
    public async Task The_contact_center_model_holds_up_with_desktops_following_their_DNs()
    {
        var verdict = await new ContactCenterChaosRunner(Seed(21), FaultPhase(15), output.WriteLine).RunAsync();
        Assert.True(verdict.Passed, $"chaos 'contact-center' seed {verdict.Seed}: {string.Join("\n", verdict.Violations)}\n(files in {verdict.Artifacts})");
        Assert.True(verdict.Faults.Count > 0, "the nemesis injected no fault");
    }

    [Fact]
    public async Task The_contact_center_checks_catch_a_retry_applied_twice()
    {
        var verdict = await new ContactCenterChaosRunner(Seed(121), FaultPhase(10), output.WriteLine, ["--unsafe-apply-twice"]).RunAsync();
        Assert.True(verdict.Violations.Count > 0, $"a retry applied twice went unnoticed (files in {verdict.Artifacts})");
        output.WriteLine($"caught, as it must be: {verdict.Violations[0]}");
    }
}
