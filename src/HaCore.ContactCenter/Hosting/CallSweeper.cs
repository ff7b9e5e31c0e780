// Host side, not Apply: this component waits on an injected TimeProvider and proposes commands. The banned
// symbols of this project (TimeProvider, Task) guard the deterministic state machine, which this is not part of.
#pragma warning disable RS0030

using HaCore.Raft;

namespace HaCore.ContactCenter;

/// <summary>How a <see cref="CallSweeper"/> proposes <see cref="CallsSwept"/>.</summary>
public sealed class CallSweeperOptions
{
    /// <summary>The time between two sweeps. The default is 60 s.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A call is swept when its last change is older than this, in leader time (<see cref="CallsSwept.IdleMs"/>).
    /// The default is 4 hours.</summary>
    public TimeSpan IdleTime { get; init; } = TimeSpan.FromHours(4);

    /// <summary>The most calls one entry sweeps (<see cref="CallsSwept.MaxCalls"/>). The default is 1,000.</summary>
    public uint MaxCallsPerSweep { get; init; } = 1_000;

    /// <summary>Keep calls with a connected or held party (<see cref="CallsSwept.OnlyUnanswered"/>). The default is false.</summary>
    public bool OnlyUnanswered { get; init; }

    /// <summary>The deadline of one proposal: past it the sweep counts as failed and the next one comes at the next
    /// interval. The default is 10 s.</summary>
    public TimeSpan ProposalTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws if an option is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An interval, idle time or timeout is not positive (or too long for a
    /// timer), or <see cref="MaxCallsPerSweep"/> is 0.</exception>
    public void Validate()
    {
        Positive(Interval, nameof(Interval));
        Positive(IdleTime, nameof(IdleTime));
        Positive(ProposalTimeout, nameof(ProposalTimeout));
        ArgumentOutOfRangeException.ThrowIfZero(MaxCallsPerSweep, nameof(MaxCallsPerSweep));

        static void Positive(TimeSpan value, string name)
        {
            if (value <= TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(name, value, name + " must be positive and at most int.MaxValue ms");
            }
        }
    }
}

/// <summary>
/// Proposes <see cref="CallsSwept"/> periodically while its node leads, so calls that are never released (a lost
/// connector event) are cleaned up. The sweep itself is deterministic: it runs in <c>Apply</c> on leader time, so
/// which node proposes it, and when, changes only how soon a call goes, never the replicas' agreement. Every wait has
/// a deadline: the interval, and <see cref="CallSweeperOptions.ProposalTimeout"/> for a proposal.
/// </summary>
public sealed class CallSweeper
{
    private readonly Func<bool> _isLeader;
    private readonly Func<Command, CancellationToken, ValueTask<CommandResult>> _propose;
    private readonly TimeProvider _time;
    private readonly CallSweeperOptions _options;
    private long _sweeps;
    private long _callsSwept;
    private long _failures;

    /// <summary>Creates a sweeper over any proposer.</summary>
    /// <param name="isLeader">Whether this node leads now (a follower does not propose).</param>
    /// <param name="propose">Proposes a command and returns its result.</param>
    /// <param name="timeProvider">The clock the sweeper waits on.</param>
    /// <param name="options">The options; defaults when null. Validated.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public CallSweeper(
        Func<bool> isLeader,
        Func<Command, CancellationToken, ValueTask<CommandResult>> propose,
        TimeProvider timeProvider,
        CallSweeperOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(isLeader);
        ArgumentNullException.ThrowIfNull(propose);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options ?? new CallSweeperOptions();
        _options.Validate();
        _isLeader = isLeader;
        _propose = propose;
        _time = timeProvider;
    }

    /// <summary>Creates a sweeper for a contact-center node: it proposes while the node is the leader.</summary>
    /// <param name="node">The node.</param>
    /// <param name="timeProvider">The clock the sweeper waits on.</param>
    /// <param name="options">The options; defaults when null.</param>
    /// <returns>The sweeper; start it with <see cref="RunAsync"/>.</returns>
    public static CallSweeper ForNode(
        ReplicatedStateMachine<ContactCenterStateMachine, Command, CommandResult> node,
        TimeProvider timeProvider,
        CallSweeperOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        return new CallSweeper(() => node.Status.Role == RaftRole.Leader, node.ProposeAsync, timeProvider, options);
    }

    /// <summary>The sweeps proposed and applied.</summary>
    public long Sweeps => Interlocked.Read(ref _sweeps);

    /// <summary>The calls those sweeps released.</summary>
    public long CallsSwept => Interlocked.Read(ref _callsSwept);

    /// <summary>The sweeps that failed (no quorum, refused, past their deadline).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Sweeps every <see cref="CallSweeperOptions.Interval"/> until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="cancellationToken">Stops the sweeper.</param>
    /// <returns>A task that ends when the sweeper is stopped.</returns>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_options.Interval, _time, cancellationToken).ConfigureAwait(false);
                await SweepOnceAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    /// <summary>Proposes one sweep if this node leads.</summary>
    /// <param name="cancellationToken">Cancels the proposal.</param>
    /// <returns>The sweep's result, or null when this node does not lead or the proposal failed.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask<CommandResult?> SweepOnceAsync(CancellationToken cancellationToken = default)
    {
        if (!_isLeader())
        {
            return null;
        }

        var command = new Command
        {
            CallsSwept = new CallsSwept
            {
                IdleMs = (long)_options.IdleTime.TotalMilliseconds,
                MaxCalls = _options.MaxCallsPerSweep,
                OnlyUnanswered = _options.OnlyUnanswered,
            },
        };
        using var deadline = new CancellationTokenSource(_options.ProposalTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            // The deadline binds even a proposer that ignores its token.
            CommandResult result = await _propose(command, linked.Token).AsTask()
                .WaitAsync(_options.ProposalTimeout, _time, cancellationToken).ConfigureAwait(false);
            if (result.RejectReason != RejectReason.None)
            {
                Interlocked.Increment(ref _failures);
                return result;
            }

            Interlocked.Increment(ref _sweeps);
            Interlocked.Add(ref _callsSwept, result.Events.Count(e => e.Kind == EventKind.CallDeleted));
            return result;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref _failures);
            return null;
        }
        catch (Exception e) when (e is TimeoutException or HaCoreException)
        {
            Interlocked.Increment(ref _failures);
            return null;
        }
    }
}
