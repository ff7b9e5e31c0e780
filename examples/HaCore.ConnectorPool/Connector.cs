using System.Globalization;
using HaCore.ContactCenter;
using Microsoft.Extensions.Logging;

namespace HaCore.ConnectorPool;

/// <summary>What a connector did, one line of its output (<c>@connector {json}</c>) for the failover run.</summary>
/// <param name="Connector">The connector.</param>
/// <param name="Epoch">Its epoch when it happened.</param>
/// <param name="Kind">up, recovered, claimed, ready, owns, lost, adopted, refused, fenced, final.</param>
/// <param name="Text">The same in words.</param>
/// <param name="Voice">Voice calls concerned.</param>
/// <param name="Im">IM calls concerned.</param>
/// <param name="Dns">DNs concerned.</param>
/// <param name="From">The other connector concerned.</param>
/// <param name="Index">The log index of the entry.</param>
/// <param name="Reason">The model's reject reason of a refusal.</param>
/// <param name="Keys">The record keys it owns (owns, final).</param>
public sealed record ConnectorReport(string Connector, ulong Epoch, string Kind, string Text, int Voice = 0, int Im = 0, int Dns = 0, string From = "", ulong Index = 0, string Reason = "", List<string>? Keys = null);

/// <summary>
/// One connector of the pool (the role of a UCMA connector of a connector pair in the product documents): it comes up
/// as a new incarnation (<c>ConnectorUp</c> epoch 0: the model gives it the next epoch), recovers the voice and IM call
/// records the replicated state says it owns, claims its unassigned DNs, reports one voice and one IM call on each of
/// its DNs with their HA records, renews its lease, and adopts the DNs and calls of a peer whose lease ran out, in one
/// <c>DnsReassigned</c> entry. Every write presents its epoch; a refusal of its renewal for a stale epoch means a newer
/// incarnation exists, and it stops writing (fenced).
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

    /// <summary>Comes up: a new incarnation, recovery of its records, its DNs, a voice and an IM call on each.</summary>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>When it is ready.</returns>
    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        var up = await ProposeAsync(new Command { ConnectorUp = new ConnectorUp { ConnectorId = Id, Endpoint = "pid " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture), Pool = "pool", LeaseMs = (long)_options.Lease.TotalMilliseconds } }, cancellationToken).ConfigureAwait(false);
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

        // A voice and an IM call on each of its DNs that has none (a call reported but not recorded, by an instance
        // that died in between, gets its record).
        state = await _client.ReadAsync(cancellationToken).ConfigureAwait(false);
        var dns = state.Connectors.Find(c => c.ConnectorId == Id)?.Dns ?? [];
        foreach (var dn in dns)
        {
            foreach (var im in new[] { false, true })
            {
                if (state.Records.Any(r => r.Dn == dn && r.Im == im))
                {
                    continue;
                }

                var connId = state.Calls.FirstOrDefault(c => c.Live && c.Dn == dn && c.Im == im && c.Source == Id)?.ConnId ?? 0;
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
                }
            }
        }

        state = await _client.ReadAsync(cancellationToken).ConfigureAwait(false);
        Sync(state);
        Report("ready", $"{Id} epoch {Epoch} ready: DNs {string.Join(',', state.Connectors.Find(c => c.ConnectorId == Id)?.Dns ?? [])}, {_owned.Count} call records", dns: dns.Count, keys: [.. _owned]);
    }

    /// <summary>One round: renew the lease, read the state, adopt a peer whose lease ran out.</summary>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>False once the connector is fenced (it must stop).</returns>
    public async ValueTask<bool> TickAsync(CancellationToken cancellationToken)
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

        return true;
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

        var renewal = await ProposeAsync(new Command { ConnectorUp = new ConnectorUp { ConnectorId = Id, Endpoint = "pid " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture), Pool = "pool", LeaseMs = (long)_options.Lease.TotalMilliseconds, Epoch = Epoch } }, cancellationToken).ConfigureAwait(false);
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

    private void Report(string kind, string text, int voice = 0, int im = 0, int dns = 0, string from = "", ulong index = 0, string reason = "", List<string>? keys = null)
    {
        LogReport(_logger, text);
        _report(new ConnectorReport(Id, Epoch, kind, text, voice, im, dns, from, index, reason, keys));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Text}")]
    private static partial void LogReport(ILogger logger, string text);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Connector}: {Message}")]
    private static partial void LogUnavailable(ILogger logger, string connector, string message);
}
