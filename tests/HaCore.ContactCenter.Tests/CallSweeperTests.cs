using Microsoft.Extensions.Time.Testing;
using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

/// <summary>The host-side proposer of CallsSwept: periodic on an injected clock, leader only, a deadline on every wait.</summary>
public sealed class CallSweeperTests
{
    private static readonly CallSweeperOptions Options = new()
    {
        Interval = TimeSpan.FromSeconds(30), IdleTime = TimeSpan.FromMinutes(5), MaxCallsPerSweep = 10, ProposalTimeout = TimeSpan.FromSeconds(2),
    };

    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
    private readonly Harness _h = new();
    private bool _leader = true;
    private int _proposals;

    // Applies a proposal as the next entry, stamped with the fake clock as the leader's time.
    private ValueTask<CommandResult> Propose(Command command, CancellationToken cancellationToken)
    {
        _proposals++;
        _h.Now = _time.GetUtcNow().ToUnixTimeMilliseconds() - 10;
        return ValueTask.FromResult(_h.Apply(command));
    }

    private CallSweeper Sweeper(CallSweeperOptions? options = null) => new(() => _leader, Propose, _time, options ?? Options);

    private static async Task Until(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, deadline.Token);
        }
    }

    [Fact]
    public async Task The_leader_sweeps_idle_calls_every_interval()
    {
        _h.Now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        ulong idle = _h.InboundCall();
        CallSweeper sweeper = Sweeper();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        Task run = sweeper.RunAsync(stop.Token);

        _time.Advance(TimeSpan.FromSeconds(30));
        await Until(() => sweeper.Sweeps == 1);
        Assert.NotNull(_h.Sm.GetCall(idle)); // 30 s idle: kept
        ulong fresh = _h.InboundCall("1002");

        _time.Advance(TimeSpan.FromMinutes(5));
        await Until(() => sweeper.Sweeps == 2);
        Assert.Null(_h.Sm.GetCall(idle));
        Assert.Equal(1, sweeper.CallsSwept);

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.NotNull(_h.Sm.GetCall(fresh)); // idle 5 min less a few ms: kept
        Assert.Empty(_h.Sm.FindInvariantViolations());
    }

    [Fact]
    public async Task A_follower_proposes_nothing()
    {
        _leader = false;
        Assert.Null(await Sweeper().SweepOnceAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, _proposals);
        _leader = true;
        Assert.Equal(RejectReason.None, (await Sweeper().SweepOnceAsync(TestContext.Current.CancellationToken))!.RejectReason);
        Assert.Equal(1, _proposals);
    }

    [Fact]
    public async Task A_proposal_that_never_completes_fails_at_its_deadline()
    {
        var never = new TaskCompletionSource<CommandResult>();
        var sweeper = new CallSweeper(() => true, (_, _) => new ValueTask<CommandResult>(never.Task), _time, Options);
        ValueTask<CommandResult?> sweep = sweeper.SweepOnceAsync(TestContext.Current.CancellationToken);
        Assert.False(sweep.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(await sweep.AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal((0L, 1L), (sweeper.Sweeps, sweeper.Failures));
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Sweeper(new CallSweeperOptions { Interval = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sweeper(new CallSweeperOptions { IdleTime = TimeSpan.FromMilliseconds(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sweeper(new CallSweeperOptions { ProposalTimeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sweeper(new CallSweeperOptions { MaxCallsPerSweep = 0 }));
        Assert.Throws<ArgumentNullException>(() => new CallSweeper(() => true, Propose, null!, Options));
    }
}
