using System.Globalization;
using HaCore.ContactCenter;
using Microsoft.Extensions.Logging;

namespace HaCore.ConnectorPool;

/// <summary>What a connector did, one line of its output (<c>@connector {json}</c>) for the failover run.</summary>
/// <param name="Connector">The connector.</param>
/// <param name="Epoch">Its epoch when it happened.</param>
/// <param name="Kind">up, recovered, claimed, ready, owns, lost, adopted, refused, fenced, created, released, stale-term,
/// duplicate, final.</param>
/// <param name="Text">The same in words.</param>
/// <param name="Voice">Voice calls concerned.</param>
/// <param name="Im">IM calls concerned.</param>
/// <param name="Dns">DNs concerned.</param>
/// <param name="From">The other connector concerned.</param>
/// <param name="Index">The log index of the entry.</param>
/// <param name="Reason">The model's reject reason of a refusal.</param>
/// <param name="Keys">The record keys it owns (owns, ready, created, released, final).</param>
/// <param name="Term">The Raft term of the leader's command concerned (released by a command, stale-term, duplicate).</param>
/// <param name="Node">The node that sent that command.</param>
public sealed record ConnectorReport(string Connector, ulong Epoch, string Kind, string Text, int Voice = 0, int Im = 0, int Dns = 0, string From = "", ulong Index = 0, string Reason = "", List<string>? Keys = null, ulong Term = 0, ulong Node = 0);

/// <summary>
/// One connector of the pool (the role of a UCMA connector of a connector pair in the product documents): it comes up
/// as a new incarnation (<c>ConnectorUp</c> epoch 0: the model gives it the next epoch), recovers the voice and IM call
/// records the replicated state says it owns, claims its unassigned DNs, reports one voice and one IM call on each of
/// its DNs with their HA records, renews its lease, and adopts the DNs and calls of a peer whose lease ran out, in one
/// <c>DnsReassigned</c> entry. Every write presents its epoch; a refusal of its renewal for a stale epoch means a newer
/// incarnation exists, and it stops writing (fenced).
/// <para>The leader sends it commands (<see cref="HandleCommandAsync"/>: release an idle IM interaction), stamped with
/// the leader's Raft term: a command whose term is lower than the highest term this connector has seen, from any node's
/// answers or an earlier command, comes from a deposed leader and is refused (<c>STALE_RAFT_TERM</c>, scenario 11); a
/// decision already acted on is not acted on again. With <see cref="ConnectorOptions.VoiceCallLength"/> set, its voice
/// calls end (the caller hangs up) and every DN gets a new call once its call is released (churn).</para>
/// </summary>
public sealed partial class Connector
{
    private readonly ConnectorOptions _options;
    private readonly NodeClient _client;
    private readonly Action<ConnectorReport> _report;
    private readonly ILogger _logger;
    private readonly Guid _session = Guid.NewGuid(); // this process's requests; a retry reuses (session, sequence)
    private ulong _sequence;
    private ulong _reports;
    private SortedSet<string> _owned = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1); // one operation at a time: the run loop, the leader's commands, the end
    private readonly HashSet<string> _decisions = new(StringComparer.Ordinal); // the leader's decisions acted on
    private readonly Queue<string> _decisionOrder = new();
    private readonly Dictionary<ulong, DateTimeOffset> _voiceEnds = []; // when each voice call's caller hangs up
    private ulong _commandTerm;

    /// <summary>Creates a connector (nothing is sent until <see cref="StartAsync"/>).</summary>
    /// <param name="options">Its settings.</param>
    /// <param name="client">Talks to the nodes.</param>
    /// <param name="report">Receives what it did.</param>
    /// <param name="logger">Logs it too.</param>
    public Connector(ConnectorOptions options, NodeClient client, Action<ConnectorReport> report, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _options = options;
        _client = client;
        _report = report;
        _logger = logger;
    }

    /// <summary>The switch of the DNs.</summary>
    public const string SwitchName = "SIP_Switch";

    /// <summary>The IM modality bit of a conversation record.</summary>
    public const uint ImModality = 2;

    /// <summary>The connector's ID.</summary>
    public string Id => _options.ConnectorId;

    /// <summary>Its incarnation's epoch (0 before it came up).</summary>
    public ulong Epoch { get; private set; }

    /// <summary>Whether a newer incarnation fenced it off.</summary>
    public bool Fenced { get; private set; }

    /// <summary>The record keys it owns as of its last read of the state.</summary>
    public IReadOnlyCollection<string> Owned => _owned;

    /// <summary>The most decisions remembered (the oldest are forgotten first).</summary>
    public const int MaxDecisions = 10_000;

    /// <summary>Its command endpoint (<see cref="ConnectorProtocol.Endpoint"/>), announced in every <c>ConnectorUp</c>;
    /// empty: no leader can send it commands.</summary>
    public string CommandEndpoint { get; set; } = "";

    /// <summary>The highest Raft term it has seen: in a node's answer or a leader's command it accepted.</summary>
    public ulong HighestTerm => Math.Max(_client.HighestTerm, _commandTerm);

    /// <summary>Comes up: a new incarnation, recovery of its records, its DNs, a voice and an IM call on each.</summary>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>When it is ready.</returns>
    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StartCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private string AnnouncedEndpoint => CommandEndpoint.Length > 0 ? CommandEndpoint : "pid " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    private async ValueTask StartCoreAsync(CancellationToken cancellationToken)
    {
        var up = await ProposeAsync(new Command { ConnectorUp = new ConnectorUp { ConnectorId = Id, Endpoint = AnnouncedEndpoint, Pool = "pool", LeaseMs = (long)_options.Lease.TotalMilliseconds } }, cancellationToken).ConfigureAwait(false);
        if (up.RejectReason != RejectReason.None)
        {
            throw new InvalidOperationException($"ConnectorUp of {Id} refused: {up.RejectReason} {up.Message}");
        }

        Epoch = up.Events.First(e => e.Kind == EventKind.ConnectorUp).Epoch;
        Report("up", $"{Id} up: a new incarnation, epoch {Epoch} (index {up.AppliedIndex})", index: up.AppliedIndex);

        // (a) Recovery: the records the replicated state says this connector owns are its calls; the new incarnation
        // writes each once with its epoch (from now on the previous incarnation's writes are refused).
        var state = await _client.ReadAsync(cancellationToken).ConfigureAwait(false);
        var mine = state.Records.Where(r => r.Owner == Id).ToList();
        if (mine.Count > 0)
        {
            int voice = 0, im = 0;
            foreach (var record in mine)
            {
                var result = await ProposeAsync(Upsert(record.Key, record.Im, record.ConnId, record.Dn), cancellationToken).ConfigureAwait(false);
                if (result.RejectReason == RejectReason.None)
                {
                    _ = record.Im ? im++ : voice++;
                }
                else
                {
                    Report("refused", $"{Id} epoch {Epoch}: recovery of {record.Key} refused: {result.RejectReason} ({result.Message})", reason: result.RejectReason.ToString());
                }
            }

            Report("recovered", $"{Id} epoch {Epoch} recovered {voice} voice and {im} IM calls from the replicated state", voice, im);
        }

        var me = state.Connectors.Find(c => c.ConnectorId == Id);
        if (me is null || me.Dns.Count == 0)
        {
            var taken = state.Connectors.SelectMany(c => c.Dns).ToHashSet(StringComparer.Ordinal);
            var claim = _options.Dns.Where(d => !taken.Contains(d)).ToList();
            if (claim.Count > 0)
            {
                var command = new Command { DnsReassigned = new DnsReassigned() };
                command.DnsReassigned.Assignments.AddRange(claim.Select(d => new DnAssignment { Dn = Dn(d), ConnectorId = Id }));
                var result = await ProposeAsync(command, cancellationToken).ConfigureAwait(false);
                Report(result.RejectReason == RejectReason.None ? "claimed" : "refused",
                    result.RejectReason == RejectReason.None ? $"{Id} owns DNs {string.Join(',', claim)} (index {result.AppliedIndex})" : $"{Id}: claim of DNs {string.Join(',', claim)} refused: {result.RejectReason}",
                    dns: claim.Count, index: result.AppliedIndex, reason: result.RejectReason == RejectReason.None ? "" : result.RejectReason.ToString());
            }
        }

        // A voice and an IM call on each of its DNs that has none.
        state = await _client.ReadAsync(cancellationToken).ConfigureAwait(false);
        var dns = state.Connectors.Find(c => c.ConnectorId == Id)?.Dns ?? [];
        await FillAsync(state, report: false, cancellationToken).ConfigureAwait(false);
        state = await _client.ReadAsync(cancellationToken).ConfigureAwait(false);
        Sync(state);
        Report("ready", $"{Id} epoch {Epoch} ready: DNs {string.Join(',', state.Connectors.Find(c => c.ConnectorId == Id)?.Dns ?? [])}, {_owned.Count} call records", dns: dns.Count, keys: [.. _owned]);
    }

    /// <summary>One round: renew the lease, read the state, adopt a peer whose lease ran out.</summary>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>False once the connector is fenced (it must stop).</returns>
    public async ValueTask<bool> TickAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await TickCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask<bool> TickCoreAsync(CancellationToken cancellationToken)
    {
        if (!await RenewAsync(cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var state = await _client.ReadAsync(cancellationToken).ConfigureAwait(false);
        Sync(state);
        var grace = (long)_options.AdoptAfter.TotalMilliseconds;
        foreach (var peer in state.Connectors)
        {
            var records = state.Records.Where(r => r.Owner == peer.ConnectorId).ToList();
            if (peer.ConnectorId == Id || (peer.Dns.Count == 0 && records.Count == 0) || (peer.Alive && peer.LeaseExpiresAt + grace >= state.NowMs))
            {
                continue;
            }

            await AdoptAsync(peer, records, cancellationToken).ConfigureAwait(false);
        }

        if (_options.VoiceCallLength > TimeSpan.Zero)
        {
            await ChurnAsync(cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Handles a leader's command (scenario 11): refused when its Raft term is lower than the highest term
    /// this connector has seen (a deposed leader's), answered without acting when its decision was acted on already,
    /// else acted on (<see cref="ConnectorProtocol.ReleaseIm"/>: the IM call is released with its record, and the DN
    /// gets a new IM call).</summary>
    /// <param name="command">The command.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The answer.</returns>
    public async ValueTask<ConnectorCommandAnswer> HandleCommandAsync(ConnectorCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var highest = HighestTerm;
            var what = $"{command.Kind} of call {command.ConnId} on {command.Dn} from node {command.Node} (term {command.Term})";
            if (Fenced)
            {
                return new ConnectorCommandAnswer("fenced", highest, $"{Id} epoch {Epoch} is fenced: {what} not acted on");
            }

            if (command.Term < highest)
            {
                // Scenario 11: a deposed leader still believes it leads and sends a command with its old term; this
                // connector has seen the newer term (from a node's answer or the new leader's commands) and refuses it.
                var text = $"{Id} epoch {Epoch}: {what} refused: {ConnectorProtocol.StaleTerm} (term {command.Term} is below {highest}, the highest this connector has seen)";
                Report("stale-term", text, reason: ConnectorProtocol.StaleTerm, term: command.Term, node: command.Node);
                return new ConnectorCommandAnswer("stale-term", highest, text);
            }

            _commandTerm = Math.Max(_commandTerm, command.Term);
            if (_decisions.Contains(command.Decision))
            {
                var text = $"{Id} epoch {Epoch}: {what}: decision {command.Decision} already acted on, not again";
                Report("duplicate", text, term: command.Term, node: command.Node);
                return new ConnectorCommandAnswer("duplicate", HighestTerm, text);
            }

            if (command.Kind != ConnectorProtocol.ReleaseIm)
            {
                return new ConnectorCommandAnswer("failed", HighestTerm, $"{Id}: unknown command {command.Kind}");
            }

            var state = await _client.ReadAsync(cancellationToken).ConfigureAwait(false);
            var record = state.Records.Find(r => r.Im && r.ConnId == command.ConnId);
            if (record is null || record.Owner != Id)
            {
                return new ConnectorCommandAnswer("not-mine", HighestTerm, $"{Id}: {what}: {(record is null ? "no such IM record" : "the record is " + record.Owner + "'s")}");
            }

            if (!await ReleaseAsync(record, "command", "idle IM interaction released by the leader", command.Term, command.Node, cancellationToken).ConfigureAwait(false))
            {
                return new ConnectorCommandAnswer("failed", HighestTerm, $"{Id}: {what}: the release was refused");
            }

            _decisions.Add(command.Decision);
            _decisionOrder.Enqueue(command.Decision);
            if (_decisionOrder.Count > MaxDecisions)
            {
                _decisions.Remove(_decisionOrder.Dequeue());
            }

            if (_options.VoiceCallLength > TimeSpan.Zero)
            {
                await FillAsync(await _client.ReadAsync(cancellationToken).ConfigureAwait(false), report: true, cancellationToken).ConfigureAwait(false);
            }

            return new ConnectorCommandAnswer("acted", HighestTerm, $"{Id} epoch {Epoch}: {what}: released");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>At the end: reports what it owns (final), then releases those calls with their records.</summary>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>When done.</returns>
    public async ValueTask FinishAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ReportFinalAsync(cancellationToken).ConfigureAwait(false);
            if (Fenced)
            {
                return;
            }

            var state = await _client.ReadAsync(cancellationToken).ConfigureAwait(false);
            foreach (var record in state.Records.Where(r => r.Owner == Id).ToList())
            {
                await ReleaseAsync(record, "end", "released at the end of the run", 0, 0, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    // Churn: a voice call whose caller hung up is released (with its record), and every DN without a call gets one.
    private async ValueTask ChurnAsync(CancellationToken cancellationToken)
    {
        var state = await _client.ReadAsync(cancellationToken).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        foreach (var record in state.Records.Where(r => r.Owner == Id && !r.Im))
        {
            if (!_voiceEnds.TryGetValue(record.ConnId, out var end))
            {
                _voiceEnds[record.ConnId] = now + VoiceLength();
            }
            else if (end <= now)
            {
                await ReleaseAsync(record, "churn", "the caller hung up", 0, 0, cancellationToken).ConfigureAwait(false);
            }
        }

        await FillAsync(await _client.ReadAsync(cancellationToken).ConfigureAwait(false), report: true, cancellationToken).ConfigureAwait(false);
    }

    private TimeSpan VoiceLength() => _options.VoiceCallLength * (0.5 + Random.Shared.NextDouble());

    // Releases one of its calls (CallReleased as its source; the model removes the call's HA record with it).
    private async ValueTask<bool> ReleaseAsync(ConnectorRecordView record, string reason, string cause, ulong term, ulong node, CancellationToken cancellationToken)
    {
        var released = await ProposeAsync(new Command
        {
            CallReleased = new CallReleased { ConnId = record.ConnId, Cause = cause },
            Source = Id,
            SourceSequence = (Epoch << 32) | ++_reports,
            SourceEpoch = Epoch,
        }, cancellationToken).ConfigureAwait(false);
        if (released.RejectReason != RejectReason.None)
        {
            Report("refused", $"{Id} epoch {Epoch}: release of {record.Key} refused: {ContactCenterText(released.RejectReason)} ({released.Message})", reason: ContactCenterText(released.RejectReason));
            return false;
        }

        _owned.Remove(record.Key);
        _voiceEnds.Remove(record.ConnId);
        Report("released", $"{Id} epoch {Epoch} released {(record.Im ? "IM" : "voice")} call {record.ConnId} on {record.Dn} ({cause}{(term != 0 ? $", node {node}'s command of term {term}" : "")}; index {released.AppliedIndex})",
            record.Im ? 0 : 1, record.Im ? 1 : 0, index: released.AppliedIndex, reason: reason, keys: [.. _owned], term: term, node: node);
        return true;
    }

    // A voice and an IM call on each of its DNs that has none. A live call on the DN without a record (reported by an
    // instance or a peer that died before writing its record) gets the record instead of a new call.
    private async ValueTask FillAsync(ConnectorsView state, bool report, CancellationToken cancellationToken)
    {
        var dns = state.Connectors.Find(c => c.ConnectorId == Id)?.Dns ?? [];
        foreach (var dn in dns)
        {
            foreach (var im in new[] { false, true })
            {
                if (state.Records.Any(r => r.Dn == dn && r.Im == im))
                {
                    continue;
                }

                var connId = state.Calls.FirstOrDefault(c => c.Live && c.Dn == dn && c.Im == im && !state.Records.Any(r => r.ConnId == c.ConnId))?.ConnId ?? 0;
                var orphan = connId != 0;
                if (connId == 0)
                {
                    var created = await ProposeAsync(CallReport(dn, im), cancellationToken).ConfigureAwait(false);
                    if (created.RejectReason != RejectReason.None)
                    {
                        Report("refused", $"{Id}: call on {dn} refused: {created.RejectReason} ({created.Message})", reason: created.RejectReason.ToString());
                        continue;
                    }

                    connId = created.ConnId;
                }

                var key = (im ? "im-" : "v-") + dn + "-" + connId.ToString(CultureInfo.InvariantCulture);
                var upserted = await ProposeAsync(Upsert(key, im, connId, dn), cancellationToken).ConfigureAwait(false);
                if (upserted.RejectReason != RejectReason.None)
                {
                    Report("refused", $"{Id}: record {key} refused: {upserted.RejectReason} ({upserted.Message})", reason: upserted.RejectReason.ToString());
                    continue;
                }

                _owned.Add(key);
                if (report)
                {
                    Report("created", $"{Id} epoch {Epoch} {(orphan ? "recorded the unrecorded" : "has a new")} {(im ? "IM" : "voice")} call {connId} on {dn} (index {upserted.AppliedIndex})",
                        im ? 0 : 1, im ? 1 : 0, index: upserted.AppliedIndex, reason: orphan ? "orphan" : "", keys: [.. _owned]);
                }
            }
        }
    }

    /// <summary>Renews the lease of this incarnation (<c>ConnectorUp</c> with its epoch).</summary>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>False once the connector is fenced (it must stop).</returns>
    public async ValueTask<bool> RenewAsync(CancellationToken cancellationToken)
    {
        if (Fenced)
        {
            return false;
        }

        var renewal = await ProposeAsync(new Command { ConnectorUp = new ConnectorUp { ConnectorId = Id, Endpoint = AnnouncedEndpoint, Pool = "pool", LeaseMs = (long)_options.Lease.TotalMilliseconds, Epoch = Epoch } }, cancellationToken).ConfigureAwait(false);
        if (renewal.RejectReason is RejectReason.StaleConnectorEpoch or RejectReason.ConnectorNotAlive or RejectReason.UnknownConnector)
        {
            // Invariant 12 from the connector's side: a newer incarnation exists (or this one was taken down), so
            // nothing this instance owned is its any more.
            Fenced = true;
            _owned.Clear();
            Report("fenced", $"{Id} epoch {Epoch}: lease renewal refused with {ContactCenterText(renewal.RejectReason)} ({renewal.Message}); this instance stops writing", index: renewal.AppliedIndex, reason: ContactCenterText(renewal.RejectReason));
            return false;
        }

        if (renewal.RejectReason != RejectReason.None)
        {
            Report("refused", $"{Id} epoch {Epoch}: lease renewal refused: {renewal.RejectReason} ({renewal.Message})", reason: renewal.RejectReason.ToString());
        }

        return true;
    }

    /// <summary>Claims a peer's DNs and every call record it owns, in one entry (scenario 4b); the model refuses the
    /// claim while the peer is alive within its lease, or when another connector's claim was applied first (4c).</summary>
    /// <param name="peer">The peer as the last read saw it.</param>
    /// <param name="records">Its records as the last read saw them.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>Whether the claim was applied.</returns>
    public async ValueTask<bool> AdoptAsync(ConnectorView peer, IReadOnlyList<ConnectorRecordView> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(records);
        var command = new Command
        {
            DnsReassigned = new DnsReassigned { FromConnectorId = peer.ConnectorId, FromEpoch = peer.Epoch, AdoptingConnectorId = Id, AdoptingEpoch = Epoch },
        };
        command.DnsReassigned.Assignments.AddRange(peer.Dns.Select(d => new DnAssignment { Dn = Dn(d), ConnectorId = Id }));
        var result = await ProposeAsync(command, cancellationToken).ConfigureAwait(false);
        if (result.RejectReason != RejectReason.None)
        {
            Report("refused", $"{Id} epoch {Epoch}: claim of {peer.ConnectorId}'s DNs and calls (its epoch {peer.Epoch}) refused: {ContactCenterText(result.RejectReason)} ({result.Message})", from: peer.ConnectorId, reason: ContactCenterText(result.RejectReason));
            return false;
        }

        var im = records.Where(r => r.Im).Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        var adopted = result.Events.Where(e => e.Kind == EventKind.ConnectorRecordUpserted && e.ConnectorId == Id).Select(e => e.Key).ToList();
        var dns = result.Events.Count(e => e.Kind == EventKind.DnAssigned && e.ConnectorId == Id);
        var imCount = adopted.Count(im.Contains);
        Report("adopted", $"{Id} epoch {Epoch} took {peer.ConnectorId}'s {dns} DNs and adopted {adopted.Count - imCount} voice and {imCount} IM calls in one entry (index {result.AppliedIndex})",
            adopted.Count - imCount, imCount, dns, peer.ConnectorId, result.AppliedIndex);
        foreach (var key in adopted)
        {
            _owned.Add(key);
        }

        return true;
    }

    /// <summary>Renews and adopts every <see cref="ConnectorOptions.RenewEvery"/> until cancelled or fenced, after <see cref="StartAsync"/>.</summary>
    /// <param name="cancellationToken">Stops it.</param>
    /// <returns>When it stopped: false when it was fenced.</returns>
    public async ValueTask<bool> RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.RenewEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    if (!await TickAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return false;
                    }
                }
                catch (TimeoutException ex)
                {
                    // No node answered within the deadline: the lease may run out, and a peer may adopt; the next
                    // read says so.
                    LogUnavailable(_logger, Id, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        return true;
    }

    /// <summary>Reads the state once more and reports what this connector owns (at its end).</summary>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>When reported.</returns>
    public async ValueTask ReportFinalAsync(CancellationToken cancellationToken)
    {
        if (!Fenced)
        {
            Sync(await _client.ReadAsync(cancellationToken).ConfigureAwait(false));
        }

        Report("final", $"{Id} epoch {Epoch}{(Fenced ? " (fenced)" : "")} ends owning {_owned.Count} call records", keys: [.. _owned]);
    }

    /// <summary>Sends a command as this connector (a new request id; retried with it until the deadline).</summary>
    /// <param name="command">The command.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The result.</returns>
    public ValueTask<CommandResult> ProposeAsync(Command command, CancellationToken cancellationToken) =>
        _client.ProposeAsync(new ClientRequestId(_session, ++_sequence), command, cancellationToken);

    /// <summary>The HA record command of one of its calls, with its epoch.</summary>
    /// <param name="key">The record's key.</param>
    /// <param name="im">An IM conversation (else a voice call).</param>
    /// <param name="connId">The call.</param>
    /// <param name="dn">The call's DN.</param>
    /// <returns>The command.</returns>
    public Command Upsert(string key, bool im, ulong connId, string dn)
    {
        var uri = $"sip:{dn}@pool.example";
        return im
            ? new Command { ConnConversationUpserted = new ConnConversationUpserted { Epoch = Epoch, Record = new ConnectorConversation { ConversationId = key, ConnId = connId, Modalities = ImModality, Participants = [uri], ConnectorId = Id } } }
            : new Command { ConnCallUpserted = new ConnCallUpserted { Epoch = Epoch, Record = new ConnectorCall { CallId = key, ConnId = connId, Parties = [new ConnectorParty { SipUri = uri, Dn = Dn(dn), State = PartyState.Connected }], ConnectorId = Id } } };
    }

    private Command CallReport(string dn, bool im) => new()
    {
        CallCreated = new CallCreated
        {
            Dn = Dn(dn),
            InitialState = PartyState.Connected,
            CallType = CallType.Internal,
            MediaType = im ? MediaType.Chat : MediaType.Voice,
            Ani = dn,
            Dnis = im ? "im" : "voice",
            UserData = [new KvPair { Key = "CONNECTOR", Value = new KvValue { Str = Id } }],
        },
        // A connector's call report (scenario 14): its source sequence grows across incarnations (epoch in the high bits).
        Source = Id,
        SourceSequence = (Epoch << 32) | ++_reports,
        SourceEpoch = Epoch,
    };

    private void Sync(ConnectorsView state)
    {
        var now = new SortedSet<string>(state.Records.Where(r => r.Owner == Id).Select(r => r.Key), StringComparer.Ordinal);
        var lost = _owned.Where(k => !now.Contains(k)).ToList();
        if (lost.Count > 0)
        {
            var owners = state.Records.Where(r => lost.Contains(r.Key)).Select(r => r.Owner).Distinct().ToList();
            Report("lost", $"{Id} epoch {Epoch}: {lost.Count} records are no longer its own (now {(owners.Count == 0 ? "gone" : string.Join(',', owners))}'s)", keys: lost);
        }

        if (!now.SetEquals(_owned))
        {
            _owned = now;
            Report("owns", $"{Id} epoch {Epoch} owns {now.Count} call records", keys: [.. now]);
        }
    }

    private static DnId Dn(string number) => new() { SwitchName = SwitchName, Number = number };

    private static string ContactCenterText(RejectReason reason) => reason switch
    {
        RejectReason.StaleConnectorEpoch => "STALE_CONNECTOR_EPOCH",
        RejectReason.ConnectorNotAlive => "CONNECTOR_NOT_ALIVE",
        RejectReason.ConnectorLeaseExpired => "CONNECTOR_LEASE_EXPIRED",
        RejectReason.RecordOwnedByOtherConnector => "RECORD_OWNED_BY_OTHER_CONNECTOR",
        RejectReason.UnknownConnector => "UNKNOWN_CONNECTOR",
        RejectReason.InvalidArgument => "INVALID_ARGUMENT",
        _ => reason.ToString(),
    };

    private void Report(string kind, string text, int voice = 0, int im = 0, int dns = 0, string from = "", ulong index = 0, string reason = "", List<string>? keys = null, ulong term = 0, ulong node = 0)
    {
        LogReport(_logger, text);
        _report(new ConnectorReport(Id, Epoch, kind, text, voice, im, dns, from, index, reason, keys, term, node));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Text}")]
    private static partial void LogReport(ILogger logger, string text);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Connector}: {Message}")]
    private static partial void LogUnavailable(ILogger logger, string connector, string message);
}
