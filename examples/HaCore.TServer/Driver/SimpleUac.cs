using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using HaCore.TServer.Sip;

namespace HaCore.TServer.Driver;

/// <summary>
/// A small SIP caller for when sipp is not installed (and for tests): the same flow as sipp's built-in <c>uac</c>
/// scenario (INVITE, 100/180 optional, 200, ACK, hold for the call duration, BYE, 200), with RFC 3261 UDP
/// retransmissions (T1 = 500 ms doubling; 7 for INVITE, 7 for BYE).
/// </summary>
public sealed class SimpleUac : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<string, Channel<SipMessage>> _calls = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiver;
    private long _completed, _failed, _retransmissions, _created;

    /// <summary>Creates a caller sending to <paramref name="target"/>.</summary>
    /// <param name="target">The SIP front (or the balancer).</param>
    public SimpleUac(IPEndPoint target)
    {
        _target = target;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _receiver = Task.Run(ReceiveAsync);
    }

    /// <summary>The caller's address.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Calls completed (BYE answered 200).</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Calls failed.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Calls started.</summary>
    public long Created => Interlocked.Read(ref _created);

    /// <summary>Requests retransmitted.</summary>
    public long Retransmissions => Interlocked.Read(ref _retransmissions);

    /// <summary>Places <paramref name="calls"/> calls at <paramref name="rate"/> per second, each held for <paramref name="duration"/>.</summary>
    /// <param name="calls">How many calls.</param>
    /// <param name="rate">Calls per second.</param>
    /// <param name="duration">How long each call is held after it is answered.</param>
    /// <param name="cancellationToken">Stops placing calls.</param>
    /// <returns>When every call has ended.</returns>
    public async Task RunAsync(int calls, double rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var tasks = new List<Task>();
        var start = DateTime.UtcNow;
        for (var i = 0; i < calls && !cancellationToken.IsCancellationRequested; i++)
        {
            var due = start + TimeSpan.FromSeconds(i / rate);
            if (due > DateTime.UtcNow)
            {
                await Task.Delay(due - DateTime.UtcNow, cancellationToken).ConfigureAwait(false);
            }

            tasks.Add(CallAsync(i, duration));
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    /// <summary>One call; true when it completed.</summary>
    /// <param name="n">Its number (in the Call-ID).</param>
    /// <param name="duration">How long it is held.</param>
    /// <returns>Whether it completed.</returns>
    public async Task<bool> CallAsync(int n, TimeSpan duration)
    {
        Interlocked.Increment(ref _created);
        var callId = $"{n}-{Environment.ProcessId}-{Guid.NewGuid():N}@127.0.0.1";
        var inbox = Channel.CreateBounded<SipMessage>(64);
        _calls[callId] = inbox;
        try
        {
            var tag = Guid.NewGuid().ToString("N")[..8];
            var from = $"sipp <sip:sipp@{LocalEndPoint}>;tag={tag}";
            var to = $"service <sip:service@{_target}>";
            var sdp = $"v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
            var invite = Request("INVITE", callId, 1, from, to, "z9hG4bK" + Guid.NewGuid().ToString("N")[..12], sdp, ["X-ANI: 5550" + n.ToString("D4", CultureInfo.InvariantCulture), "X-DNIS: 800"]);
            var final = await TransactAsync(inbox, invite, isInvite: true).ConfigureAwait(false);
            if (final is not { StatusCode: 200 })
            {
                Interlocked.Increment(ref _failed);
                return false;
            }

            var toTag = SipMessage.Param(final.To, "tag");
            var ack = Request("ACK", callId, 1, from, final.To, "z9hG4bK" + Guid.NewGuid().ToString("N")[..12], "", [], "ACK");
            await SendAsync(ack).ConfigureAwait(false);
            var hold = Task.Delay(duration);
            while (!hold.IsCompleted)
            {
                // Answer retransmitted 200s with the ACK again while the call is held.
                var next = inbox.Reader.ReadAsync().AsTask();
                if (await Task.WhenAny(next, hold).ConfigureAwait(false) == next && (await next.ConfigureAwait(false)).StatusCode == 200)
                {
                    await SendAsync(ack).ConfigureAwait(false);
                }
            }

            var bye = Request("BYE", callId, 2, from, $"{to};tag={toTag}", "z9hG4bK" + Guid.NewGuid().ToString("N")[..12], "", []);
            var byeFinal = await TransactAsync(inbox, bye, isInvite: false).ConfigureAwait(false);
            if (byeFinal is { StatusCode: 200 })
            {
                Interlocked.Increment(ref _completed);
                return true;
            }

            Interlocked.Increment(ref _failed);
            return false;
        }
        finally
        {
            _calls.TryRemove(callId, out _);
        }
    }

    private async Task<SipMessage?> TransactAsync(Channel<SipMessage> inbox, byte[] request, bool isInvite)
    {
        var interval = TimeSpan.FromMilliseconds(500);
        var provisional = false;
        var retransmits = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(32);
        await SendAsync(request).ConfigureAwait(false);
        while (DateTime.UtcNow < deadline)
        {
            using var wait = new CancellationTokenSource(provisional && isInvite ? TimeSpan.FromSeconds(30) : interval);
            try
            {
                var m = await inbox.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
                if (m.StatusCode >= 200 && m.CSeqMethod == (isInvite ? "INVITE" : "BYE"))
                {
                    return m;
                }

                provisional |= m.StatusCode is >= 100 and < 200; // any provisional, 100 included, stops INVITE retransmissions (RFC 3261 17.1.1.2)
            }
            catch (OperationCanceledException)
            {
                if (provisional && isInvite)
                {
                    return null;
                }

                if (retransmits++ >= 7)
                {
                    return null;
                }

                Interlocked.Increment(ref _retransmissions);
                await SendAsync(request).ConfigureAwait(false);
                interval = TimeSpan.FromMilliseconds(Math.Min(interval.TotalMilliseconds * 2, 4000));
            }
        }

        return null;
    }

    private byte[] Request(string method, string callId, int cseq, string from, string to, string branch, string body, IEnumerable<string> extra, string? cseqMethod = null)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{method} sip:service@{_target} SIP/2.0\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"Via: SIP/2.0/UDP {LocalEndPoint};branch={branch}\r\n");
        sb.Append("Max-Forwards: 70\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"From: {from}\r\nTo: {to}\r\nCall-ID: {callId}\r\nCSeq: {cseq} {cseqMethod ?? method}\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"Contact: <sip:sipp@{LocalEndPoint}>\r\n");
        foreach (var h in extra)
        {
            sb.Append(h).Append("\r\n");
        }

        if (body.Length > 0)
        {
            sb.Append("Content-Type: application/sdp\r\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private async Task SendAsync(byte[] bytes)
    {
        try
        {
            await _socket.SendToAsync(bytes, SocketFlags.None, _target, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[65_536];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        var limits = new SipLimits();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
                if (SipMessage.TryParse(buffer.AsSpan(0, r.ReceivedBytes), limits, out var m) == SipParseStatus.Ok && _calls.TryGetValue(m.CallId, out var inbox))
                {
                    if (m.IsRequest && m.Method == "BYE")
                    {
                        continue; // not part of this scenario
                    }

                    inbox.Writer.TryWrite(m);
                }
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        try
        {
            await _receiver.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
        }

        _stop.Dispose();
    }
}
