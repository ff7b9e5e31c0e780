using HaCore.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HaCore;

/// <summary>Holds the node that <see cref="HaCoreServiceCollectionExtensions.AddHaCore{TStateMachine, TCommand, TResult}"/>
/// registers; the hosted service starts and stops it with the host.</summary>
/// <typeparam name="TStateMachine">The state machine type.</typeparam>
/// <typeparam name="TCommand">Commands.</typeparam>
/// <typeparam name="TResult">Results.</typeparam>
public sealed class HaCoreNode<TStateMachine, TCommand, TResult> : IHostedService, IAsyncDisposable
    where TStateMachine : IStateMachine<TCommand, TResult>
{
    private readonly HaCoreNodeOptions _options;
    private readonly IServiceProvider _services;
    private readonly HaCoreRegistration<TStateMachine, TCommand, TResult> _registration;
    private ReplicatedStateMachine<TStateMachine, TCommand, TResult>? _node;

    /// <summary>Created by the container.</summary>
    public HaCoreNode(HaCoreNodeOptions options, IServiceProvider services, HaCoreRegistration<TStateMachine, TCommand, TResult> registration)
    {
        _options = options;
        _services = services;
        _registration = registration;
    }

    /// <summary>The running node.</summary>
    /// <exception cref="InvalidOperationException">The host has not started it (or has stopped it).</exception>
    public ReplicatedStateMachine<TStateMachine, TCommand, TResult> Node =>
        _node ?? throw new InvalidOperationException("The HaCore node is not running: start the host first.");

    /// <summary>Starts the node (opens storage, starts the transport and the node loop).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _node = await ReplicatedStateMachine<TStateMachine, TCommand, TResult>.StartAsync(
            _options,
            _registration.StateMachine(_services),
            _registration.CommandCodec,
            _registration.ResultCodec,
            _registration.Transport(_services),
            _services.GetService<ILoggerFactory>(),
            _services.GetService<TimeProvider>(),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the node.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_node is { } node)
        {
            _node = null;
            await node.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);
}

/// <summary>What <see cref="HaCoreServiceCollectionExtensions.AddHaCore{TStateMachine, TCommand, TResult}"/> was given.</summary>
/// <typeparam name="TStateMachine">The state machine type.</typeparam>
/// <typeparam name="TCommand">Commands.</typeparam>
/// <typeparam name="TResult">Results.</typeparam>
/// <param name="StateMachine">Creates the state machine.</param>
/// <param name="CommandCodec">Encodes commands.</param>
/// <param name="ResultCodec">Encodes results.</param>
/// <param name="Transport">Creates the transport.</param>
public sealed record HaCoreRegistration<TStateMachine, TCommand, TResult>(
    Func<IServiceProvider, TStateMachine> StateMachine,
    ICommandCodec<TCommand> CommandCodec,
    ICommandCodec<TResult> ResultCodec,
    Func<IServiceProvider, IRaftTransport> Transport)
    where TStateMachine : IStateMachine<TCommand, TResult>;

/// <summary>Registers a HaCore node with a .NET host.</summary>
public static class HaCoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers a node as a singleton <see cref="HaCoreNode{TStateMachine, TCommand, TResult}"/> that the host
    /// starts and stops (it is also registered as an <see cref="IHostedService"/>). The options are validated now.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static IServiceCollection AddHaCore<TStateMachine, TCommand, TResult>(
        this IServiceCollection services,
        Action<HaCoreNodeOptions> configure,
        Func<IServiceProvider, TStateMachine> stateMachine,
        ICommandCodec<TCommand> commandCodec,
        ICommandCodec<TResult> resultCodec,
        Func<IServiceProvider, IRaftTransport> transport)
        where TStateMachine : IStateMachine<TCommand, TResult>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new HaCoreNodeOptions();
        configure(options);
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton(new HaCoreRegistration<TStateMachine, TCommand, TResult>(stateMachine, commandCodec, resultCodec, transport));
        services.AddSingleton<HaCoreNode<TStateMachine, TCommand, TResult>>();
        services.AddHostedService(sp => sp.GetRequiredService<HaCoreNode<TStateMachine, TCommand, TResult>>());
        return services;
    }
}
