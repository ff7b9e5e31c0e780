using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using HaCore.ContactCenter;
using HaCore.Raft;
using HaCore.TServer.Node;
using Microsoft.Extensions.Logging;

namespace HaCore.TServer.Sip;

/// <summary>Counters of the SIP front, for the status endpoint and the failover summary.</summary>
public sealed class SipFrontStats
{
    private long _received, _dropped, _badRequests, _unavailable, _retransmissions, _invites, _byes, _cancels, _options, _busy, _takenOver, _okSent, _queued, _treatmentsResumed;

    /// <summary>Datagrams received.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Datagrams dropped (unparseable, over the limits, or the queue full).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Requests answered 400.</summary>
    public long BadRequests => Interlocked.Read(ref _badRequests);

    /// <summary>Requests answered 503 (this node does not lead).</summary>
    public long Unavailable => Interlocked.Read(ref _unavailable);

    /// <summary>Retransmitted requests answered from the dialog state, without a new command.</summary>
    public long Retransmissions => Interlocked.Read(ref _retransmissions);

    /// <summary>New INVITEs taken.</summary>
    public long Invites => Interlocked.Read(ref _invites);

    /// <summary>BYEs applied.</summary>
    public long Byes => Interlocked.Read(ref _byes);

    /// <summary>CANCELs applied.</summary>
    public long Cancels => Interlocked.Read(ref _cancels);

    /// <summary>OPTIONS answered 200.</summary>
    public long Options => Interlocked.Read(ref _options);

    /// <summary>INVITEs answered 486 (unused: a call with no free agent is queued).</summary>
    public long Busy => Interlocked.Read(ref _busy);

    /// <summary>Calls queued with a treatment because no agent was free.</summary>
    public long Queued => Interlocked.Read(ref _queued);

    /// <summary>Treatments in progress that this node took over as the new leader (scenario 5).</summary>
    public long TreatmentsResumed => Interlocked.Read(ref _treatmentsResumed);

    /// <summary>Dialogs this node took over from the replicated state when it became leader.</summary>
    public long TakenOver => Interlocked.Read(ref _takenOver);

    /// <summary>200 OKs sent to INVITEs (retransmissions included).</summary>
    public long OkSent => Interlocked.Read(ref _okSent);

    internal void Count(ref long counter) => Interlocked.Increment(ref counter);

    internal ref long ReceivedRef => ref _received;

    internal ref long DroppedRef => ref _dropped;

    internal ref long BadRequestsRef => ref _badRequests;

    internal ref long UnavailableRef => ref _unavailable;

    internal ref long RetransmissionsRef => ref _retransmissions;

    internal ref long InvitesRef => ref _invites;

    internal ref long ByesRef => ref _byes;

    internal ref long CancelsRef => ref _cancels;

    internal ref long OptionsRef => ref _options;

    internal ref long BusyRef => ref _busy;

    internal ref long TakenOverRef => ref _takenOver;

    internal ref long OkSentRef => ref _okSent;

    internal ref long QueuedRef => ref _queued;

    internal ref long TreatmentsResumedRef => ref _treatmentsResumed;
}

/// <summary>
/// A minimal SIP user-agent server over UDP (RFC 3261 subset: INVITE, ACK, BYE, CANCEL, OPTIONS) that plays the
/// switch side of the contact center: every dialog becomes call commands. Only the leader's front answers; a
/// follower's answers 503 with Retry-After. Every command is proposed with a request id derived from the dialog
/// (its Call-ID: the source) and the request's CSeq and step (the source sequence), so a retransmission, or the
/// same request re-sent to the next leader, is applied once (DOMAIN.md §5 scenario 14).
/// </summary>
public sealed class SipFront : IAsyncDisposable
{
    private const string Sdp = "v=0\r\no=hacore 1 1 IN IP4 127.0.0.1\r\ns=HaCore.TServer\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    private const int MaxConcurrentRequests = 512;

    private readonly ReplicatedStateMachine<ContactCenterStateMachine, Command, CommandResult> _node;
    private readonly DialogTable _dialogs;
    private readonly TServerOptions _options;
    private readonly SipLimits _limits;
    private readonly ILogger _logger;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _concurrency = new(MaxConcurrentRequests);
    private readonly ConcurrentDictionary<string, Task> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Dn, long At)> _reserved = new(StringComparer.Ordinal); // Call-ID -> agent DN
    private readonly ConcurrentDictionary<string, Retransmission> _unacked = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _dequeuing = new(StringComparer.Ordinal);
    private readonly Task _receiver;
    private readonly Task _timer;
    private int _roundRobin;
    private bool _wasLeader;

    /// <summary>Starts the front on 127.0.0.1:<paramref name="port"/>.</summary>
    /// <param name="node">The node it proposes to.</param>
    /// <param name="dialogs">The replicated dialogs.</param>
    /// <param name="options">The node's options.</param>
    /// <param name="port">The UDP port (0: any).</param>
    /// <param name="logger">The log.</param>
    /// <param name="limits">Parsing bounds.</param>
    public SipFront(ReplicatedStateMachine<ContactCenterStateMachine, Command, CommandResult> node, DialogTable dialogs, TServerOptions options, int port, ILogger logger, SipLimits? limits = null)
    {
        _node = node;
        _dialogs = dialogs;
        _options = options;
        _logger = logger;
        _limits = limits ?? new SipLimits();
        _limits.Validate();
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _dialogs.AgentAnswered += OnAgentAnswered;
        _dialogs.ReleasedByAgent += OnReleasedByAgent;
        _receiver = Task.Run(ReceiveLoopAsync);
        _timer = Task.Run(TimerLoopAsync);
    }

    /// <summary>Where the front listens.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The counters.</summary>
    public SipFrontStats Stats { get; } = new();

    /// <summary>When this node's front last started answering as leader (UTC), or null.</summary>
    public DateTimeOffset? LeaderSince { get; private set; }

    private bool IsLeader => _node.Status.Role == RaftRole.Leader;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _dialogs.AgentAnswered -= OnAgentAnswered;
        _dialogs.ReleasedByAgent -= OnReleasedByAgent;
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        try
        {
            await Task.WhenAll(_receiver, _timer).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or TimeoutException)
        {
        }

        _stop.Dispose();
        _concurrency.Dispose();
    }

    /// <summary>The runtime session of a dialog: the source of its commands.</summary>
    /// <param name="callId">The Call-ID.</param>
    /// <returns>A session id derived from it.</returns>
    public static Guid SessionOf(string callId) => new(SHA256.HashData(Encoding.UTF8.GetBytes("sip-dialog:" + callId)).AsSpan(0, 16));

    // Steps: 1 CallCreated, 2 PartyRinging, 3 the caller's PartyEstablished, 5 BYE's CallReleased, 6 CANCEL's Abandoned,
    // 7 the agent's release, 8 PartyQueued, 9 TreatmentRequested, 10 TreatmentApplied, 11 TreatmentEnded, 12 PartyDiverted,
    // 13 PartyRinging from the queue.
    internal static ClientRequestId RequestOf(string callId, uint cseq, int step) => new(SessionOf(callId), ((ulong)cseq * 16) + (ulong)step);

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[_limits.MaxDatagramBytes + 1];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                Stats.Count(ref Stats.DroppedRef);
                continue;
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Stats.Count(ref Stats.ReceivedRef);
            var remote = (IPEndPoint)received.RemoteEndPoint;
            if (received.ReceivedBytes > _limits.MaxDatagramBytes)
            {
                Stats.Count(ref Stats.DroppedRef);
                continue;
            }

            var status = SipMessage.TryParse(buffer.AsSpan(0, received.ReceivedBytes), _limits, out var message);
            if (status == SipParseStatus.Drop || !await _concurrency.WaitAsync(0, _stop.Token).ConfigureAwait(false))
            {
                Stats.Count(ref Stats.DroppedRef);
                continue;
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    await HandleAsync(status, message, remote).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    _logger.LogWarning(ex, "SIP {Method} {CallId} failed", message.Method, message.CallId);
                }
                finally
                {
                    _concurrency.Release();
                }
            });
        }
    }

    internal async Task HandleAsync(SipParseStatus status, SipMessage message, IPEndPoint remote)
    {
        if (!message.IsRequest)
        {
            return; // responses to our BYEs: nothing to do
        }

        if (status == SipParseStatus.BadRequest)
        {
            Stats.Count(ref Stats.BadRequestsRef);
            await SendAsync(message.BuildResponse(400, "Bad Request", null, [$"Warning: 399 hacore \"{message.Error.Replace('"', '\'')}\""]), remote).ConfigureAwait(false);
            return;
        }

        if (message.Method == "ACK")
        {
            _unacked.TryRemove(message.CallId, out _);
            return;
        }

        if (!IsLeader)
        {
            Stats.Count(ref Stats.UnavailableRef);
            var leader = _node.Status.Leader;
            var extra = new List<string> { "Retry-After: 1" };
            if (leader != 0)
            {
                extra.Add($"Warning: 399 hacore \"not the leader; node {leader} leads, SIP port {_options.SipPort(leader)}\"");
            }

            await SendAsync(message.BuildResponse(503, "Service Unavailable", null, extra), remote).ConfigureAwait(false);
            return;
        }

        switch (message.Method)
        {
            case "OPTIONS":
                Stats.Count(ref Stats.OptionsRef);
                await SendAsync(message.BuildResponse(200, "OK", Dialog.TagOf(message.CallId), ["Allow: INVITE, ACK, BYE, CANCEL, OPTIONS", "Accept: application/sdp"]), remote).ConfigureAwait(false);
                break;
            case "INVITE":
                await OnInviteAsync(message, remote).ConfigureAwait(false);
                break;
            case "BYE":
                await OnByeAsync(message, remote).ConfigureAwait(false);
                break;
            case "CANCEL":
                await OnCancelAsync(message, remote).ConfigureAwait(false);
                break;
            default:
                await SendAsync(message.BuildResponse(501, "Not Implemented", null, ["Allow: INVITE, ACK, BYE, CANCEL, OPTIONS"]), remote).ConfigureAwait(false);
                break;
        }
    }

    private async Task OnInviteAsync(SipMessage invite, IPEndPoint remote)
    {
        var callId = invite.CallId;
        if (SipMessage.Param(invite.To, "tag").Length != 0)
        {
            // A re-INVITE in a dialog: accepted with the same answer, no command (the model has no media change).
            var known = _dialogs.Find(callId);
            await SendAsync(known is null ? invite.BuildResponse(481, "Call/Transaction Does Not Exist", null) : invite.BuildResponse(200, "OK", known.ToTag, [Contact()], Sdp), remote).ConfigureAwait(false);
            return;
        }

        if (_dialogs.Find(callId) is { } dialog)
        {
            // A retransmission: answer from the replicated dialog, no new command.
            Stats.Count(ref Stats.RetransmissionsRef);
            await SendAsync(CurrentInviteResponse(dialog), remote).ConfigureAwait(false);
            return;
        }

        if (_inFlight.ContainsKey(callId))
        {
            // Not answered until the call is in the replicated state: a provisional answer stops the caller's
            // retransmissions, and only a committed call can be finished by the next leader if this one dies.
            Stats.Count(ref Stats.RetransmissionsRef);
            return;
        }

        // No free agent (or calls already waiting, first come first served): the call waits in queue 7000 with
        // music (a treatment) until one is.
        var agentDn = _dialogs.QueuedDialogs().Count == 0 || _reserved.ContainsKey(callId) ? PickAgent(callId) : null;

        var work = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_inFlight.TryAdd(callId, work.Task))
        {
            return;
        }

        Stats.Count(ref Stats.InvitesRef);
        try
        {
            var userData = new List<KvPair>
            {
                Kv(DialogTable.KeyCallId, callId),
                Kv(DialogTable.KeySource, remote.ToString()),
                Kv(DialogTable.KeyVia, string.Join('\n', invite.Vias)),
                Kv(DialogTable.KeyFrom, invite.From),
                Kv(DialogTable.KeyTo, invite.To),
                Kv(DialogTable.KeyCSeq, invite.CSeq.ToString(CultureInfo.InvariantCulture)),
            };
            foreach (var (name, value) in invite.Headers.Where(h => h.Key.StartsWith("X-", StringComparison.OrdinalIgnoreCase)).Take(16))
            {
                userData.Add(Kv(name, value.Length > 256 ? value[..256] : value));
            }

            userData.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            userData = userData.DistinctBy(p => p.Key).ToList();
            var ani = invite.Header("X-ANI") ?? SipMessage.UserOf(invite.From);
            var dnis = invite.Header("X-DNIS") ?? SipMessage.UserOf(invite.RequestUri.Contains('@', StringComparison.Ordinal) ? invite.RequestUri : invite.To);
            var created = await ProposeAsync(RequestOf(callId, invite.CSeq, 1), new Command
            {
                CallCreated = new CallCreated
                {
                    Dn = TServerOptions.Trunk, InitialState = PartyState.Dialing, OtherDn = agentDn is null ? TServerOptions.Queue : TServerOptions.Dn(agentDn),
                    CallType = CallType.Inbound, MediaType = MediaType.Voice, Ani = ani, Dnis = dnis, UserData = userData,
                },
            }).ConfigureAwait(false);
            if (created.RejectReason != RejectReason.None)
            {
                _logger.LogWarning("INVITE {CallId}: CallCreated refused: {Reason} {Message}", callId, created.RejectReason, created.Message);
                _reserved.TryRemove(callId, out _);
                await SendAsync(invite.BuildResponse(500, "Server Internal Error", Dialog.TagOf(callId), [$"Warning: 399 hacore \"{created.RejectReason}\""]), remote).ConfigureAwait(false);
                return;
            }

            // A re-sent INVITE whose CallCreated an earlier leader committed got that first result: ring the agent
            // that call was created for (the dialog table has it once this node has applied the entry).
            var deadline = Environment.TickCount64 + 1000;
            var known = _dialogs.Find(callId);
            while (known is null && Environment.TickCount64 < deadline)
            {
                await Task.Delay(10, _stop.Token).ConfigureAwait(false);
                known = _dialogs.Find(callId);
            }

            await SendAsync(invite.BuildResponse(100, "Trying", null), remote).ConfigureAwait(false);
            if (known is { Queued: true } || (known is null && agentDn is null))
            {
                Stats.Count(ref Stats.QueuedRef);
                await QueueAsync(callId, invite.CSeq, created.ConnId).ConfigureAwait(false);
            }
            else
            {
                await RingAsync(callId, invite.CSeq, created.ConnId, known?.AgentDn is { Length: > 0 } a ? a : agentDn!).ConfigureAwait(false);
            }

            await SendAsync(invite.BuildResponse(180, "Ringing", Dialog.TagOf(callId), [Contact()]), remote).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HaCoreException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            // Outcome unknown: the caller retransmits, and the retransmission (here or at the next leader) is
            // proposed with the same request id, so it is applied once.
            _logger.LogInformation("INVITE {CallId}: {Error}; waiting for a retransmission", callId, ex.GetType().Name);
        }
        finally
        {
            _inFlight.TryRemove(callId, out _);
            work.TrySetResult();
        }
    }

    private Task<CommandResult> RingAsync(string callId, uint cseq, ulong connId, string agentDn) =>
        ProposeAsync(RequestOf(callId, cseq, 2), new Command
        {
            PartyRinging = new PartyRinging
            {
                ConnId = connId, Dn = TServerOptions.Dn(agentDn), OtherDn = TServerOptions.Trunk, ThisQueue = TServerOptions.Queue, AgentId = "a" + agentDn,
            },
        });

    private async Task QueueAsync(string callId, uint cseq, ulong connId)
    {
        await ProposeAsync(RequestOf(callId, cseq, 8), new Command { PartyQueued = new PartyQueued { ConnId = connId, Queue = TServerOptions.Queue, OtherDn = TServerOptions.Trunk } }).ConfigureAwait(false);
        await ProposeAsync(RequestOf(callId, cseq, 9), new Command { TreatmentRequested = new TreatmentRequested { ConnId = connId, Dn = TServerOptions.Queue, Type = TreatmentType.Music, Parameters = [Kv("MUSIC", "music-on-hold")] } }).ConfigureAwait(false);
        await ProposeAsync(RequestOf(callId, cseq, 10), new Command { TreatmentApplied = new TreatmentApplied { ConnId = connId, Dn = TServerOptions.Queue, MediaResource = "moh-1" } }).ConfigureAwait(false);
    }

    // An agent is free and a call waits: end its treatment, divert it from the queue, ring the agent. Every step has
    // its request id, so a new leader that finds the call still queued repeats the steps and each applies once.
    private async Task DequeueAsync(Dialog d, string agentDn)
    {
        try
        {
            if (d.TreatmentActive)
            {
                await ProposeAsync(RequestOf(d.CallId, d.InviteCSeq, 11), new Command { TreatmentEnded = new TreatmentEnded { ConnId = d.ConnId, Dn = TServerOptions.Queue } }).ConfigureAwait(false);
            }

            await ProposeAsync(RequestOf(d.CallId, d.InviteCSeq, 12), new Command { PartyDiverted = new PartyDiverted { ConnId = d.ConnId, Dn = TServerOptions.Queue, Destination = TServerOptions.Dn(agentDn) } }).ConfigureAwait(false);
            await ProposeAsync(RequestOf(d.CallId, d.InviteCSeq, 13), new Command
            {
                PartyRinging = new PartyRinging { ConnId = d.ConnId, Dn = TServerOptions.Dn(agentDn), OtherDn = TServerOptions.Trunk, ThisQueue = TServerOptions.Queue, AgentId = "a" + agentDn },
            }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HaCoreException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            _logger.LogInformation("dequeuing {CallId}: {Error}", d.CallId, ex.GetType().Name);
        }
        finally
        {
            // The agent stays taken until the dialog table shows the call ringing there.
            var deadline = Environment.TickCount64 + 1000;
            while (d.Queued && !d.Ended && Environment.TickCount64 < deadline)
            {
                await Task.Delay(10).ConfigureAwait(false);
            }

            _dequeuing.TryRemove(d.CallId, out _);
        }
    }

    private void DequeueWaitingCalls()
    {
        foreach (var d in _dialogs.QueuedDialogs())
        {
            if (_dequeuing.ContainsKey(d.CallId) || _inFlight.ContainsKey(d.CallId))
            {
                continue;
            }

            if (PickAgent(d.CallId) is not { } agent)
            {
                return;
            }

            _reserved.TryRemove(d.CallId, out _);
            if (_dequeuing.TryAdd(d.CallId, agent))
            {
                _ = Task.Run(() => DequeueAsync(d, agent));
            }
        }
    }

    private string? PickAgent(string callId)
    {
        // A retransmission of an INVITE whose first attempt failed keeps its agent (and its request id).
        if (_reserved.TryGetValue(callId, out var mine))
        {
            return mine.Dn;
        }

        var free = _dialogs.FreeAgentDns();
        var now = Environment.TickCount64;
        foreach (var (reservedCall, reservation) in _reserved)
        {
            // A reservation ends when the dialog is in the table, or after 30 s (the caller gave up).
            if (_dialogs.Find(reservedCall) is not null || now - reservation.At > 30_000)
            {
                _reserved.TryRemove(reservedCall, out _);
            }
        }

        var taken = _reserved.Values.Select(r => r.Dn).Concat(_dequeuing.Values).ToHashSet(StringComparer.Ordinal);
        var candidates = free.Where(dn => !taken.Contains(dn)).ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        var pick = candidates[(int)((uint)Interlocked.Increment(ref _roundRobin) % (uint)candidates.Count)];
        return _reserved.TryAdd(callId, (pick, now)) ? pick : _reserved.TryGetValue(callId, out var other) ? other.Dn : null;
    }

    private byte[] CurrentInviteResponse(Dialog d)
    {
        var cseq = d.InviteCSeq.ToString(CultureInfo.InvariantCulture) + " INVITE";
        if (d.Ended)
        {
            return SipMessage.BuildResponse(487, "Request Terminated", d.Vias, d.From, d.To, d.CallId, cseq, d.ToTag);
        }

        if (d.AgentAnswered)
        {
            Stats.Count(ref Stats.OkSentRef);
            return SipMessage.BuildResponse(200, "OK", d.Vias, d.From, d.To, d.CallId, cseq, d.ToTag, [Contact()], Sdp);
        }

        return d.Ringing
            ? SipMessage.BuildResponse(180, "Ringing", d.Vias, d.From, d.To, d.CallId, cseq, d.ToTag, [Contact()])
            : SipMessage.BuildResponse(100, "Trying", d.Vias, d.From, d.To, d.CallId, cseq, null);
    }

    private void OnAgentAnswered(Dialog d)
    {
        if (IsLeader)
        {
            _ = Task.Run(() => AnswerAsync(d));
        }
    }

    private void OnReleasedByAgent(Dialog d)
    {
        if (IsLeader)
        {
            _ = Task.Run(() => HangUpAsync(d));
        }
    }

    private async Task AnswerAsync(Dialog d)
    {
        try
        {
            var ok = CurrentInviteResponse(d);
            _unacked[d.CallId] = new Retransmission(ok, d.Source, Environment.TickCount64 + 500, 500, 0);
            await SendAsync(ok, d.Source).ConfigureAwait(false);
            if (!d.TrunkConnected)
            {
                await ProposeAsync(RequestOf(d.CallId, d.InviteCSeq, 3), new Command { PartyEstablished = new PartyEstablished { ConnId = d.ConnId, Dn = TServerOptions.Trunk, OtherDn = TServerOptions.Dn(d.AgentDn) } }).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is HaCoreException or TimeoutException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            _logger.LogInformation("answering {CallId}: {Error}; the next leader takes it over", d.CallId, ex.GetType().Name);
        }
    }

    private async Task HangUpAsync(Dialog d)
    {
        // The agent released: BYE to the caller (UAS-originated, in the dialog), then release the caller's party.
        try
        {
            var branch = "z9hG4bK" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            var fromUser = SipMessage.UserOf(d.From);
            var target = string.IsNullOrEmpty(fromUser) ? "sip:" + d.Source : $"sip:{fromUser}@{d.Source}";
            var toWithTag = SipMessage.Param(d.To, "tag").Length == 0 ? d.To + ";tag=" + d.ToTag : d.To;
            var bye = $"BYE {target} SIP/2.0\r\nVia: SIP/2.0/UDP {LocalEndPoint};branch={branch}\r\nMax-Forwards: 70\r\nFrom: {toWithTag}\r\nTo: {d.From}\r\nCall-ID: {d.CallId}\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n";
            await SendAsync(Encoding.UTF8.GetBytes(bye), d.Source).ConfigureAwait(false);
            await ProposeAsync(RequestOf(d.CallId, d.InviteCSeq, 7), new Command { CallReleased = new CallReleased { ConnId = d.ConnId, Cause = "agent released" } }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HaCoreException or TimeoutException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            _logger.LogInformation("hanging up {CallId}: {Error}", d.CallId, ex.GetType().Name);
        }
    }

    private async Task OnByeAsync(SipMessage bye, IPEndPoint remote)
    {
        _unacked.TryRemove(bye.CallId, out _);
        var d = _dialogs.Find(bye.CallId);
        if (d is null)
        {
            await SendAsync(bye.BuildResponse(481, "Call/Transaction Does Not Exist", null), remote).ConfigureAwait(false);
            return;
        }

        if (!d.Ended)
        {
            var result = await TryProposeAsync(RequestOf(bye.CallId, bye.CSeq, 5), new Command { CallReleased = new CallReleased { ConnId = d.ConnId, Cause = "BYE" } }).ConfigureAwait(false);
            if (result is null)
            {
                return; // unknown outcome: the caller retransmits the BYE
            }

            Stats.Count(ref Stats.ByesRef);
        }
        else
        {
            Stats.Count(ref Stats.RetransmissionsRef);
        }

        await SendAsync(bye.BuildResponse(200, "OK", null), remote).ConfigureAwait(false);
    }

    private async Task OnCancelAsync(SipMessage cancel, IPEndPoint remote)
    {
        if (_inFlight.TryGetValue(cancel.CallId, out var pending))
        {
            await pending.WaitAsync(_options.RequestDeadline).ConfigureAwait(false);
        }

        var d = _dialogs.Find(cancel.CallId);
        if (d is null)
        {
            await SendAsync(cancel.BuildResponse(481, "Call/Transaction Does Not Exist", null), remote).ConfigureAwait(false);
            return;
        }

        if (!d.AgentAnswered && !d.Ended)
        {
            var result = await TryProposeAsync(RequestOf(cancel.CallId, cancel.CSeq, 6), new Command { Abandoned = new Abandoned { ConnId = d.ConnId, Dn = TServerOptions.Trunk } }).ConfigureAwait(false);
            if (result is null)
            {
                return;
            }

            Stats.Count(ref Stats.CancelsRef);
        }

        await SendAsync(cancel.BuildResponse(200, "OK", d.ToTag), remote).ConfigureAwait(false);
        if (!d.AgentAnswered)
        {
            var cseq = d.InviteCSeq.ToString(CultureInfo.InvariantCulture) + " INVITE";
            await SendAsync(SipMessage.BuildResponse(487, "Request Terminated", d.Vias, d.From, d.To, d.CallId, cseq, d.ToTag), d.Source).ConfigureAwait(false);
        }
    }

    private async Task TimerLoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                var leader = IsLeader;
                if (leader && !_wasLeader)
                {
                    LeaderSince = DateTimeOffset.UtcNow;
                    _logger.LogInformation("node {Node} leads: its SIP front answers on {EndPoint}", _options.NodeId, LocalEndPoint);
                    _ = Task.Run(TakeOverAsync);
                }

                _wasLeader = leader;
                if (!leader)
                {
                    _unacked.Clear();
                    continue;
                }

                DequeueWaitingCalls();
                var now = Environment.TickCount64;
                foreach (var (callId, r) in _unacked)
                {
                    if (now < r.NextAt)
                    {
                        continue;
                    }

                    if (r.Count >= 6 || _dialogs.Find(callId) is not { Ended: false })
                    {
                        _unacked.TryRemove(callId, out _);
                        continue;
                    }

                    _unacked[callId] = r with { NextAt = now + Math.Min(r.Interval * 2, 4000), Interval = Math.Min(r.Interval * 2, 4000), Count = r.Count + 1 };
                    Stats.Count(ref Stats.OkSentRef);
                    await SendAsync(r.Bytes, r.Target).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task TakeOverAsync()
    {
        // Wait until this node has applied what the previous leader committed (its own no-op entry comes after).
        var deadline = DateTime.UtcNow + _options.RequestDeadline;
        while (_dialogs.AppliedIndex < _node.Status.CommitIndex && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, _stop.Token).ConfigureAwait(false);
        }

        foreach (var d in _dialogs.Live())
        {
            if (!IsLeader)
            {
                return;
            }

            Stats.Count(ref Stats.TakenOverRef);
            try
            {
                if (d.Queued)
                {
                    // Scenario 5: the treatment in progress goes on under this leader (the queue takes it when an
                    // agent is free); a call created but not yet queued is queued with the same request ids.
                    if (d.TreatmentActive)
                    {
                        Stats.Count(ref Stats.TreatmentsResumedRef);
                    }
                    else
                    {
                        await QueueAsync(d.CallId, d.InviteCSeq, d.ConnId).ConfigureAwait(false);
                    }
                }
                else if (!d.Ringing)
                {
                    await RingAsync(d.CallId, d.InviteCSeq, d.ConnId, d.AgentDn).ConfigureAwait(false);
                    await SendAsync(CurrentInviteResponse(_dialogs.Find(d.CallId) ?? d), d.Source).ConfigureAwait(false);
                }
                else if (d.AgentAnswered && !d.TrunkConnected)
                {
                    await AnswerAsync(d).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is HaCoreException or TimeoutException or OperationCanceledException or SocketException)
            {
                _logger.LogInformation("taking over {CallId}: {Error}", d.CallId, ex.GetType().Name);
            }
        }
    }

    private async Task<CommandResult?> TryProposeAsync(ClientRequestId request, Command command)
    {
        try
        {
            return await ProposeAsync(request, command).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HaCoreException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            _logger.LogInformation("{Kind}: {Error}; waiting for a retransmission", command.KindCase, ex.GetType().Name);
            return null;
        }
    }

    private async Task<CommandResult> ProposeAsync(ClientRequestId request, Command command)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        cts.CancelAfter(_options.RequestDeadline);
        return await _node.ProposeAsync(request, command, cts.Token).ConfigureAwait(false);
    }

    private string Contact() => $"Contact: <sip:tserver@{LocalEndPoint}>";

    private Task SendAsync(byte[] bytes, string target) =>
        IPEndPoint.TryParse(target, out var endPoint) ? SendAsync(bytes, endPoint) : Task.CompletedTask;

    private async Task SendAsync(byte[] bytes, IPEndPoint target)
    {
        try
        {
            await _socket.SendToAsync(bytes, SocketFlags.None, target, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private static KvPair Kv(string key, string value) => new() { Key = key, Value = new KvValue { Str = value } };

    private sealed record Retransmission(byte[] Bytes, string Target, long NextAt, long Interval, int Count);
}
