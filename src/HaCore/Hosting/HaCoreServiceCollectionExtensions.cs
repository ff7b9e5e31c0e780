using HaCore.Transport;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HaCore;

/// <summary>Holds the node that <c>AddHaCore</c>
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

    /// <summary>The running node, or null before the host starts it and after it stops.</summary>
    public ReplicatedStateMachine<TStateMachine, TCommand, TResult>? RunningNode => _node;

    /// <summary>Starts the node (opens storage, starts the transport and the node loop).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.MeterFactory is null && _services.GetService<IMeterFactory>() is { } meters)
        {
            _options.MeterFactory = meters;
        }

        _node = _registration.Transport is { } transport
            ? await ReplicatedStateMachine<TStateMachine, TCommand, TResult>.StartAsync(
                _options,
                _registration.StateMachine(_services),
                _registration.CommandCodec,
                _registration.ResultCodec,
                transport(_services),
                _services.GetService<ILoggerFactory>(),
                _services.GetService<TimeProvider>(),
                cancellationToken).ConfigureAwait(false)
            : await ReplicatedStateMachine<TStateMachine, TCommand, TResult>.StartAsync(
                _options,
                _registration.StateMachine(_services),
                _registration.CommandCodec,
                _registration.ResultCodec,
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

/// <summary>What <c>AddHaCore</c> was given.</summary>
/// <typeparam name="TStateMachine">The state machine type.</typeparam>
/// <typeparam name="TCommand">Commands.</typeparam>
/// <typeparam name="TResult">Results.</typeparam>
/// <param name="StateMachine">Creates the state machine.</param>
/// <param name="CommandCodec">Encodes commands.</param>
/// <param name="ResultCodec">Encodes results.</param>
/// <param name="Transport">Creates the transport; null for the TCP transport built from the options.</param>
public sealed record HaCoreRegistration<TStateMachine, TCommand, TResult>(
    Func<IServiceProvider, TStateMachine> StateMachine,
    ICommandCodec<TCommand> CommandCodec,
    ICommandCodec<TResult> ResultCodec,
    Func<IServiceProvider, IRaftTransport>? Transport)
    where TStateMachine : IStateMachine<TCommand, TResult>;

/// <summary>Registers a HaCore node with a .NET host.</summary>
public static class HaCoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers a node as a singleton <see cref="HaCoreNode{TStateMachine, TCommand, TResult}"/> that the host
    /// starts and stops (it is also registered as an <see cref="IHostedService"/>), over a transport of your own.
    /// The options are validated now.
    /// </summary>
    /// <returns>A builder for more registrations (health checks).</returns>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static HaCoreBuilder<TStateMachine, TCommand, TResult> AddHaCore<TStateMachine, TCommand, TResult>(
        this IServiceCollection services,
        Action<HaCoreNodeOptions> configure,
        Func<IServiceProvider, TStateMachine> stateMachine,
        ICommandCodec<TCommand> commandCodec,
        ICommandCodec<TResult> resultCodec,
        Func<IServiceProvider, IRaftTransport> transport)
        where TStateMachine : IStateMachine<TCommand, TResult>
    {
        ArgumentNullException.ThrowIfNull(transport);
        return Register(services, configure, stateMachine, commandCodec, resultCodec, transport);
    }

    /// <summary>
    /// Registers a node over the TCP transport it builds from its options (<see cref="HaCoreNodeOptions.ListenEndPoint"/>,
    /// <see cref="HaCoreNodeOptions.Peers"/>, <see cref="HaCoreNodeOptions.Transport"/>). The options, the transport's
    /// included, are validated now.
    /// </summary>
    /// <returns>A builder for more registrations (health checks).</returns>
    /// <exception cref="ArgumentException">The options are invalid; the message names the option.</exception>
    public static HaCoreBuilder<TStateMachine, TCommand, TResult> AddHaCore<TStateMachine, TCommand, TResult>(
        this IServiceCollection services,
        Action<HaCoreNodeOptions> configure,
        Func<IServiceProvider, TStateMachine> stateMachine,
        ICommandCodec<TCommand> commandCodec,
        ICommandCodec<TResult> resultCodec)
        where TStateMachine : IStateMachine<TCommand, TResult> =>
        Register(services, configure, stateMachine, commandCodec, resultCodec, transport: null);

    /// <summary>
    /// Registers a node configured from <paramref name="configuration"/> (for example
    /// <c>builder.Configuration.GetSection("HaCore")</c>; see <see cref="HaCoreConfiguration"/> for the keys), over the
    /// TCP transport it builds from those options. <paramref name="configure"/> runs after the configuration is read,
    /// for what configuration cannot say (a storage device, an address resolver). Validated now.
    /// </summary>
    /// <returns>A builder for more registrations (health checks).</returns>
    /// <exception cref="ArgumentException">A key is unknown, a value has the wrong form, or the options are invalid; the
    /// message names the key or the option.</exception>
    public static HaCoreBuilder<TStateMachine, TCommand, TResult> AddHaCore<TStateMachine, TCommand, TResult>(
        this IServiceCollection services,
        IConfiguration configuration,
        Func<IServiceProvider, TStateMachine> stateMachine,
        ICommandCodec<TCommand> commandCodec,
        ICommandCodec<TResult> resultCodec,
        Action<HaCoreNodeOptions>? configure = null)
        where TStateMachine : IStateMachine<TCommand, TResult>
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return Register(
            services,
            options =>
            {
                HaCoreConfiguration.Bind(options, configuration);
                configure?.Invoke(options);
            },
            stateMachine,
            commandCodec,
            resultCodec,
            transport: null);
    }

    /// <summary>
    /// Registers a node configured from <paramref name="configuration"/> whose command and result types are MessagePack
    /// contracts, encoded with <see cref="MessagePackCodec{T}"/> (no codec to write); otherwise as the overload with codecs.
    /// </summary>
    /// <returns>A builder for more registrations (health checks).</returns>
    /// <exception cref="ArgumentException">A key is unknown, a value has the wrong form, the options are invalid, or
    /// <typeparamref name="TCommand"/> or <typeparamref name="TResult"/> is not a MessagePack contract.</exception>
    public static HaCoreBuilder<TStateMachine, TCommand, TResult> AddHaCore<TStateMachine, TCommand, TResult>(
        this IServiceCollection services,
        IConfiguration configuration,
        Func<IServiceProvider, TStateMachine> stateMachine,
        Action<HaCoreNodeOptions>? configure = null)
        where TStateMachine : IStateMachine<TCommand, TResult> =>
        services.AddHaCore<TStateMachine, TCommand, TResult>(
            configuration, stateMachine, MessagePackCodec<TCommand>.ForContract(), MessagePackCodec<TResult>.ForContract(), configure);

    private static HaCoreBuilder<TStateMachine, TCommand, TResult> Register<TStateMachine, TCommand, TResult>(
        IServiceCollection services,
        Action<HaCoreNodeOptions> configure,
        Func<IServiceProvider, TStateMachine> stateMachine,
        ICommandCodec<TCommand> commandCodec,
        ICommandCodec<TResult> resultCodec,
        Func<IServiceProvider, IRaftTransport>? transport)
        where TStateMachine : IStateMachine<TCommand, TResult>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new HaCoreNodeOptions();
        configure(options);
        options.Validate();
        if (transport is null)
        {
            options.ToTransportOptions(); // validates the transport's settings too
        }

        services.AddSingleton(options);
        services.AddSingleton(new HaCoreRegistration<TStateMachine, TCommand, TResult>(stateMachine, commandCodec, resultCodec, transport));
        services.AddSingleton<HaCoreNode<TStateMachine, TCommand, TResult>>();
        services.AddHostedService(sp => sp.GetRequiredService<HaCoreNode<TStateMachine, TCommand, TResult>>());
        return new HaCoreBuilder<TStateMachine, TCommand, TResult>(services);
    }
}

/// <summary>What <c>AddHaCore</c> returns: more
/// registrations for the node.</summary>
/// <typeparam name="TStateMachine">The state machine type.</typeparam>
/// <typeparam name="TCommand">Commands.</typeparam>
/// <typeparam name="TResult">Results.</typeparam>
public sealed class HaCoreBuilder<TStateMachine, TCommand, TResult>
    where TStateMachine : IStateMachine<TCommand, TResult>
{
    internal HaCoreBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection the node is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Registers a <see cref="HaCoreHealthCheck{TStateMachine, TCommand, TResult}"/> for the node with the
    /// host's health checks (<c>AddHealthChecks</c>).</summary>
    /// <param name="name">The check's name. Default <c>hacore</c>.</param>
    /// <param name="maxApplyLag">The most committed entries not yet applied for the node to count as healthy. Default 10,000.</param>
    /// <param name="tags">Tags of the check, for filtering (for example <c>ready</c>).</param>
    /// <returns>This builder.</returns>
    public HaCoreBuilder<TStateMachine, TCommand, TResult> AddHealthChecks(string name = "hacore", ulong maxApplyLag = 10_000, IEnumerable<string>? tags = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Services.AddHealthChecks().Add(new HealthCheckRegistration(
            name,
            sp =>
            {
                var host = sp.GetRequiredService<HaCoreNode<TStateMachine, TCommand, TResult>>();
                return new HaCoreHealthCheck<TStateMachine, TCommand, TResult>(() => host.RunningNode, maxApplyLag);
            },
            HealthStatus.Unhealthy,
            tags));
        return this;
    }
}
