using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace HaCore.Tests.Chaos;

/// <summary>
/// A TCP proxy for one direction of one pair of nodes: node <see cref="From"/> dials <see cref="Port"/> instead of
/// node <see cref="To"/>'s Raft port, so the test owns the link. The transport dials one connection per direction
/// (docs/transport.md), so this proxy carries every message From sends To, and nothing To sends From.
/// Faults: <see cref="Cut"/> (connections reset, new ones refused), <see cref="Delay"/> (every chunk, both ways,
/// order kept) and <see cref="DropRate"/> (a chunk resets its connection with this probability: what was in flight
/// is lost, as when a link drops packets until TCP gives up).
/// </summary>
public sealed class LinkProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Connection> _connections = [];
    private readonly Random _random;
    private readonly Task _accepting;
    private volatile bool _cut;
    private long _delayTicks;
    private double _dropRate;

    public LinkProxy(ulong from, ulong to, IPEndPoint target, int seed)
    {
        From = from;
        To = to;
        _target = target;
        _random = new Random(seed);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptAsync);
    }

    public ulong From { get; }

    public ulong To { get; }

    public int Port { get; }

    /// <summary>Where the link leads (the receiving node's Raft port; it changes when that node restarts on another port).</summary>
    public IPEndPoint Target
    {
        get => Volatile.Read(ref _target);
        set => Volatile.Write(ref _target, value);
    }

    /// <summary>Chunks forwarded (both ways) and chunks that reset their connection.</summary>
    public long Forwarded => Interlocked.Read(ref _forwarded);

    public long Dropped => Interlocked.Read(ref _dropped);

    private long _forwarded;
    private long _dropped;

    /// <summary>While true the link is down: open connections are reset and new ones are accepted and reset.</summary>
    public bool Cut
    {
        get => _cut;
        set
        {
            _cut = value;
            if (value)
            {
                ResetAll();
            }
        }
    }

    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    public double DropRate
    {
        get => Volatile.Read(ref _dropRate);
        set => Volatile.Write(ref _dropRate, value);
    }

    /// <summary>Back to a healthy link.</summary>
    public void Heal()
    {
        Cut = false;
        Delay = TimeSpan.Zero;
        DropRate = 0;
    }

    private void ResetAll()
    {
        Connection[] open;
        lock (_connections)
        {
            open = [.. _connections];
        }

        foreach (var c in open)
        {
            c.Reset();
        }
    }

    private bool Drop()
    {
        var rate = DropRate;
        if (rate <= 0)
        {
            return false;
        }

        lock (_random)
        {
            return _random.NextDouble() < rate;
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (_cut)
            {
                client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }

            var connection = new Connection(this, client);
            lock (_connections)
            {
                _connections.Add(connection);
            }

            _ = connection.RunAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        ResetAll();
        try
        {
            await _accepting.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
        }

        _stop.Dispose();
    }

    private sealed class Connection(LinkProxy proxy, Socket client)
    {
        private readonly Socket _server = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        private readonly CancellationTokenSource _reset = new();
        private int _closed;

        public void Reset()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return;
            }

            _reset.Cancel();
            foreach (var s in new[] { client, _server })
            {
                try
                {
                    s.LingerState = new LingerOption(true, 0);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                }

                s.Dispose();
            }

            lock (proxy._connections)
            {
                proxy._connections.Remove(this);
            }
        }

        public async Task RunAsync()
        {
            try
            {
                client.NoDelay = true;
                using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(_reset.Token);
                connectTimeout.CancelAfter(TimeSpan.FromSeconds(5));
                await _server.ConnectAsync(proxy.Target, connectTimeout.Token);
                await Task.WhenAll(PumpAsync(client, _server), PumpAsync(_server, client));
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or ChannelClosedException)
            {
            }
            finally
            {
                Reset();
            }
        }

        /// <summary>Copies one direction, each chunk held back by the link's delay (order kept).</summary>
        private async Task PumpAsync(Socket source, Socket destination)
        {
            var queue = Channel.CreateUnbounded<(long Due, byte[] Data)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            var writer = Task.Run(async () =>
            {
                try
                {
                    await foreach (var (due, data) in queue.Reader.ReadAllAsync(_reset.Token))
                    {
                        var wait = TimeSpan.FromTicks(due - DateTime.UtcNow.Ticks);
                        if (wait > TimeSpan.Zero)
                        {
                            await Task.Delay(wait, _reset.Token);
                        }

                        await destination.SendAsync(data, SocketFlags.None, _reset.Token);
                        Interlocked.Increment(ref proxy._forwarded);
                    }
                }
                finally
                {
                    Reset();
                }
            });
            var graceful = false;
            try
            {
                var buffer = new byte[64 * 1024];
                while (true)
                {
                    var n = await source.ReceiveAsync(buffer, SocketFlags.None, _reset.Token);
                    if (n == 0)
                    {
                        graceful = true; // deliver what is queued, then close
                        return;
                    }

                    if (proxy._cut)
                    {
                        return;
                    }

                    if (proxy.Drop())
                    {
                        Interlocked.Increment(ref proxy._dropped);
                        return;
                    }

                    queue.Writer.TryWrite((DateTime.UtcNow.Ticks + proxy.Delay.Ticks, buffer[..n]));
                }
            }
            finally
            {
                queue.Writer.TryComplete();
                if (!graceful)
                {
                    Reset();
                }

                await writer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                Reset();
            }
        }
    }
}
