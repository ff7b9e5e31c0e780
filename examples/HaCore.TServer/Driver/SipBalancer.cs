using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HaCore.TServer.Sip;

namespace HaCore.TServer.Driver;

/// <summary>
/// A stateless UDP relay in front of the nodes' SIP fronts, in the place of the virtual IP address that moves to
/// the active SIP Server of a pair: the caller (sipp) sends to one address; the relay pings each front with OPTIONS
/// every 100 ms and sends requests to the one that answers 200 (the leader). A request answered 503 is sent again
/// to the leader as soon as one is known, and the 503 is not passed on. Responses go back to the caller that sent
/// the request of the same Call-ID. It records the failover as the callers saw it: the time from the last 200 of
/// the old leader's front to the first 200 of the new one's.
/// </summary>
public sealed class SipBalancer : IAsyncDisposable
{
    private readonly IPEndPoint[] _fronts;
    private readonly Socket _outer;
    private readonly Socket _inner;
    private readonly SipLimits _limits = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, (IPEndPoint Caller, byte[] LastRequest, long At)> _calls = new(StringComparer.Ordinal);
    private readonly Task[] _loops;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly long[] _lastOk;
    private readonly Lock _gate = new();
    private int _leader = -1;
    private int _lastLeader = -1;
    private long _lastLeaderOkAt;
    private long _reRouted, _relayed, _noLeader;

    /// <summary>Starts the relay on 127.0.0.1:<paramref name="port"/>.</summary>
    /// <param name="port">The caller-facing port (0: any).</param>
    /// <param name="fronts">The nodes' SIP endpoints.</param>
    public SipBalancer(int port, IReadOnlyList<IPEndPoint> fronts)
    {
        _fronts = fronts.ToArray();
        _lastOk = new long[_fronts.Length];
        _outer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _outer.Bind(new IPEndPoint(IPAddress.Loopback, port));
        _inner = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _inner.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_outer.LocalEndPoint!;
        _loops = [Task.Run(OuterLoopAsync), Task.Run(InnerLoopAsync), Task.Run(ProbeLoopAsync)];
    }

    /// <summary>Where callers send.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Leader changes seen: (when, from node index, to node index, gap in ms between the two fronts' answers).</summary>
    public List<(TimeSpan At, int From, int To, double GapMs)> Failovers { get; } = [];

    /// <summary>Requests answered 503 and sent again to the leader.</summary>
    public long ReRouted => Interlocked.Read(ref _reRouted);

    /// <summary>Datagrams relayed either way.</summary>
    public long Relayed => Interlocked.Read(ref _relayed);

    /// <summary>Requests that arrived while no front answered (dropped; the caller retransmits).</summary>
    public long NoLeader => Interlocked.Read(ref _noLeader);

    /// <summary>The current leader's index among the fronts, or -1.</summary>
    public int Leader => Volatile.Read(ref _leader);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _outer.Dispose();
        _inner.Dispose();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or TimeoutException)
        {
        }

        _stop.Dispose();
    }

    private async Task OuterLoopAsync()
    {
        var buffer = new byte[_limits.MaxDatagramBytes + 1];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _outer.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue;
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var bytes = buffer.AsSpan(0, r.ReceivedBytes).ToArray();
            if (SipMessage.TryParse(bytes, _limits, out var m) == SipParseStatus.Drop)
            {
                continue;
            }

            var caller = (IPEndPoint)r.RemoteEndPoint;
            if (m.IsRequest)
            {
                _calls[m.CallId] = (caller, bytes, _clock.ElapsedMilliseconds);
                Trim();
                await ForwardToLeaderAsync(bytes).ConfigureAwait(false);
            }
            else
            {
                // A response of the caller to a request of a front (a BYE from the agent's side): to the leader.
                await ForwardToLeaderAsync(bytes).ConfigureAwait(false);
            }
        }
    }

    private async Task ForwardToLeaderAsync(byte[] bytes)
    {
        var leader = Leader;
        if (leader < 0)
        {
            Interlocked.Increment(ref _noLeader);
            return;
        }

        Interlocked.Increment(ref _relayed);
        await SendAsync(_inner, bytes, _fronts[leader]).ConfigureAwait(false);
    }

    private async Task InnerLoopAsync()
    {
        var buffer = new byte[_limits.MaxDatagramBytes + 1];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _inner.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue;
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var bytes = buffer.AsSpan(0, r.ReceivedBytes).ToArray();
            if (SipMessage.TryParse(bytes, _limits, out var m) == SipParseStatus.Drop)
            {
                continue;
            }

            var from = Array.FindIndex(_fronts, f => f.Equals(r.RemoteEndPoint));
            if (!m.IsRequest && m.Method == "OPTIONS" && m.CallId.StartsWith("probe-", StringComparison.Ordinal))
            {
                OnProbeAnswer(from, m.StatusCode);
                continue;
            }

            if (!m.IsRequest && m.StatusCode == 503)
            {
                // A follower's front: send the request again to the leader, do not pass the 503 on.
                Interlocked.Increment(ref _reRouted);
                if (from >= 0 && Leader == from)
                {
                    lock (_gate)
                    {
                        _leader = -1;
                    }
                }

                if (_calls.TryGetValue(m.CallId, out var call))
                {
                    _ = Task.Run(async () =>
                    {
                        var deadline = _clock.ElapsedMilliseconds + 2000;
                        while (Leader < 0 && _clock.ElapsedMilliseconds < deadline && !_stop.IsCancellationRequested)
                        {
                            await Task.Delay(20).ConfigureAwait(false);
                        }

                        if (Leader >= 0 && Leader != from)
                        {
                            await ForwardToLeaderAsync(call.LastRequest).ConfigureAwait(false);
                        }
                    });
                }

                continue;
            }

            if (_calls.TryGetValue(m.CallId, out var target))
            {
                Interlocked.Increment(ref _relayed);
                await SendAsync(_outer, bytes, target.Caller).ConfigureAwait(false);
            }
        }
    }

    private void OnProbeAnswer(int front, int status)
    {
        if (front < 0)
        {
            return;
        }

        var now = _clock.ElapsedMilliseconds;
        lock (_gate)
        {
            if (status != 200)
            {
                if (_leader == front)
                {
                    _leader = -1;
                }

                return;
            }

            _lastOk[front] = now;
            if (_leader == front)
            {
                _lastLeaderOkAt = now;
                return;
            }

            // A front that answers 200 again after a pause is the same leader (a slow node), not a failover.
            var previous = _lastLeader;
            var previousOk = _lastLeaderOkAt;
            _leader = front;
            _lastLeader = front;
            _lastLeaderOkAt = now;
            if (previous >= 0 && previous != front)
            {
                Failovers.Add((_clock.Elapsed, previous, front, now - previousOk));
            }
        }
    }

    private async Task ProbeLoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        long n = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                n++;
                for (var i = 0; i < _fronts.Length; i++)
                {
                    var probe = $"OPTIONS sip:{_fronts[i]} SIP/2.0\r\nVia: SIP/2.0/UDP {_inner.LocalEndPoint};branch=z9hG4bKprobe{n}x{i}\r\nMax-Forwards: 70\r\nFrom: <sip:balancer@127.0.0.1>;tag=b{n}\r\nTo: <sip:{_fronts[i]}>\r\nCall-ID: probe-{n}-{i}\r\nCSeq: {n} OPTIONS\r\nContent-Length: 0\r\n\r\n";
                    await SendAsync(_inner, Encoding.UTF8.GetBytes(probe), _fronts[i]).ConfigureAwait(false);
                }

                // A leader whose front has not answered for 300 ms is gone (killed, or partitioned).
                lock (_gate)
                {
                    if (_leader >= 0 && _clock.ElapsedMilliseconds - _lastOk[_leader] > 300)
                    {
                        _leader = -1;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Trim()
    {
        if (_calls.Count <= 50_000)
        {
            return;
        }

        var horizon = _clock.ElapsedMilliseconds - 120_000;
        foreach (var (callId, call) in _calls)
        {
            if (call.At < horizon)
            {
                _calls.TryRemove(callId, out _);
            }
        }
    }

    private async Task SendAsync(Socket socket, byte[] bytes, IPEndPoint target)
    {
        try
        {
            await socket.SendToAsync(bytes, SocketFlags.None, target, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }
}
