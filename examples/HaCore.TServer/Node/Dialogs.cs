using System.Security.Cryptography;
using System.Text;
using HaCore.ContactCenter;

namespace HaCore.TServer.Node;

/// <summary>One SIP dialog as the replicated state knows it: everything a new leader needs to answer it.</summary>
public sealed class Dialog
{
    /// <summary>The SIP Call-ID.</summary>
    public required string CallId { get; init; }

    /// <summary>The call's ConnId.</summary>
    public required ulong ConnId { get; init; }

    /// <summary>The agent DN the call rings on; empty while the call waits in the queue.</summary>
    public required string AgentDn { get; set; }

    /// <summary>The call waits in queue 7000 (no agent was free).</summary>
    public bool Queued { get; set; }

    /// <summary>A treatment (music) is applied to the call in the queue.</summary>
    public bool TreatmentActive { get; set; }

    /// <summary>Where the INVITE came from (host:port): responses go there.</summary>
    public required string Source { get; init; }

    /// <summary>The INVITE's Via headers, top first.</summary>
    public required string[] Vias { get; init; }

    /// <summary>The INVITE's From.</summary>
    public required string From { get; init; }

    /// <summary>The INVITE's To (without the UAS tag).</summary>
    public required string To { get; init; }

    /// <summary>The INVITE's CSeq number.</summary>
    public required uint InviteCSeq { get; init; }

    /// <summary>The agent's party rings.</summary>
    public bool Ringing { get; set; }

    /// <summary>The agent answered (EventEstablished on the agent DN).</summary>
    public bool AgentAnswered { get; set; }

    /// <summary>The caller's party is connected.</summary>
    public bool TrunkConnected { get; set; }

    /// <summary>The call was released or abandoned.</summary>
    public bool Ended { get; set; }

    /// <summary>The log index that created it.</summary>
    public ulong CreatedAt { get; init; }

    /// <summary>The UAS tag of this dialog: derived from the Call-ID, so every node answers with the same one.</summary>
    public string ToTag => TagOf(CallId);

    /// <summary>The UAS tag for a Call-ID.</summary>
    /// <param name="callId">The Call-ID.</param>
    /// <returns>16 hex digits.</returns>
    public static string TagOf(string callId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("tag:" + callId)).AsSpan(0, 8));
}

/// <summary>
/// The dialogs of the replicated state, rebuilt on every node from the applied log (the SIP headers travel in the
/// call's attached data): after a failover the new leader's front has the same table and takes the dialogs over.
/// Also tracks which agents are ready. Thread-safe; fed by one reader of the applied stream.
/// </summary>
public sealed class DialogTable
{
    /// <summary>User-data keys the SIP front attaches to a call.</summary>
    public const string KeyCallId = "SIP_CALL_ID", KeySource = "SIP_SOURCE", KeyVia = "SIP_VIA", KeyFrom = "SIP_FROM", KeyTo = "SIP_TO", KeyCSeq = "SIP_CSEQ";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dialog> _byCallId = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, Dialog> _byConnId = [];
    private readonly Queue<Dialog> _ended = new();
    private readonly HashSet<string> _readyAgents = new(StringComparer.Ordinal);
    private readonly int _maxEnded;

    /// <summary>Creates the table.</summary>
    /// <param name="maxEnded">How many ended dialogs are kept to answer late retransmissions.</param>
    public DialogTable(int maxEnded = 10_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEnded, 1);
        _maxEnded = maxEnded;
    }

    /// <summary>The last log index applied to the table.</summary>
    public ulong AppliedIndex { get; private set; }

    /// <summary>Raised (on the reader's thread) when an agent answers a dialog: the leader's front sends 200 OK.</summary>
    public event Action<Dialog>? AgentAnswered;

    /// <summary>Raised when a call whose dialog is not ended by the caller is released (the agent hung up).</summary>
    public event Action<Dialog>? ReleasedByAgent;

    /// <summary>Finds a dialog (live or recently ended).</summary>
    /// <param name="callId">The Call-ID.</param>
    /// <returns>The dialog or null.</returns>
    public Dialog? Find(string callId)
    {
        lock (_gate)
        {
            return _byCallId.GetValueOrDefault(callId);
        }
    }

    /// <summary>The live dialogs.</summary>
    /// <returns>A copy of the list.</returns>
    public List<Dialog> Live()
    {
        lock (_gate)
        {
            return _byCallId.Values.Where(d => !d.Ended).ToList();
        }
    }

    /// <summary>The live dialogs waiting in the queue, oldest first.</summary>
    /// <returns>A copy of the list.</returns>
    public List<Dialog> QueuedDialogs()
    {
        lock (_gate)
        {
            return _byCallId.Values.Where(d => !d.Ended && d.Queued).OrderBy(d => d.CreatedAt).ToList();
        }
    }

    /// <summary>The agent DNs that are ready and have no live dialog.</summary>
    /// <returns>The DN numbers, sorted.</returns>
    public List<string> FreeAgentDns()
    {
        lock (_gate)
        {
            var busy = _byCallId.Values.Where(d => !d.Ended).Select(d => d.AgentDn).ToHashSet(StringComparer.Ordinal);
            return _readyAgents.Where(dn => !busy.Contains(dn)).Order(StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Applies one committed command.</summary>
    /// <param name="applied">The command and its result.</param>
    public void Apply(AppliedCommand<Command, CommandResult> applied)
    {
        ArgumentNullException.ThrowIfNull(applied);
        var answered = new List<Dialog>();
        var releasedByAgent = new List<Dialog>();
        lock (_gate)
        {
            AppliedIndex = applied.Index;
            var result = applied.Result;
            if (applied.Command.CallCreated is { } created && result.RejectReason == RejectReason.None && !result.Duplicate)
            {
                var data = created.UserData.ToDictionary(p => p.Key, p => p.Value?.Str ?? "", StringComparer.Ordinal);
                if (data.TryGetValue(KeyCallId, out var callId) && !_byCallId.ContainsKey(callId))
                {
                    var queued = created.OtherDn?.Number == TServerOptions.Queue.Number;
                    var dialog = new Dialog
                    {
                        CallId = callId,
                        ConnId = result.ConnId,
                        AgentDn = queued ? "" : created.OtherDn?.Number ?? "",
                        Queued = queued,
                        Source = data.GetValueOrDefault(KeySource, ""),
                        Vias = data.GetValueOrDefault(KeyVia, "").Split('\n', StringSplitOptions.RemoveEmptyEntries),
                        From = data.GetValueOrDefault(KeyFrom, ""),
                        To = data.GetValueOrDefault(KeyTo, ""),
                        InviteCSeq = uint.TryParse(data.GetValueOrDefault(KeyCSeq, "1"), System.Globalization.CultureInfo.InvariantCulture, out var c) ? c : 1,
                        CreatedAt = applied.Index,
                    };
                    _byCallId[callId] = dialog;
                    _byConnId[dialog.ConnId] = dialog;
                }
            }

            foreach (var e in result.Events)
            {
                switch (e.Kind)
                {
                    case EventKind.AgentReady when e.ThisDn is { } dn:
                        _readyAgents.Add(dn.Number);
                        break;
                    case EventKind.AgentNotReady or EventKind.AgentLogout when e.ThisDn is { } dn:
                        _readyAgents.Remove(dn.Number);
                        break;
                }

                if (e.ConnId == 0 || !_byConnId.TryGetValue(e.ConnId, out var d))
                {
                    continue;
                }

                var number = e.ThisDn?.Number;
                if (e.Kind == EventKind.Ringing && number is not null && number != TServerOptions.Trunk.Number && number != TServerOptions.Queue.Number)
                {
                    // Rung from the queue: this is the dialog's agent from now on.
                    d.AgentDn = number;
                    d.Queued = false;
                }

                var onAgent = d.AgentDn.Length != 0 && number == d.AgentDn;
                switch (e.Kind)
                {
                    case EventKind.Ringing when onAgent:
                        d.Ringing = true;
                        break;
                    case EventKind.TreatmentApplied:
                        d.TreatmentActive = true;
                        break;
                    case EventKind.TreatmentEnd or EventKind.TreatmentNotApplied:
                        d.TreatmentActive = false;
                        break;
                    case EventKind.Established when onAgent:
                        d.Ringing = true;
                        if (!d.AgentAnswered)
                        {
                            d.AgentAnswered = true;
                            answered.Add(d);
                        }

                        break;
                    case EventKind.Established:
                        d.TrunkConnected = true;
                        break;
                    case EventKind.CallDeleted when !d.Ended:
                        End(d);
                        break;
                    case EventKind.Released or EventKind.Abandoned when !d.Ended && d.Queued && number == TServerOptions.Trunk.Number:
                        End(d);
                        break;
                    case EventKind.Released or EventKind.Abandoned when !d.Ended && onAgent:
                        // A release the caller did not ask for (no BYE, no CANCEL) is the agent's: the front sends BYE.
                        if (applied.Command.KindCase is not (Command.KindOneofCase.CallReleased or Command.KindOneofCase.Abandoned))
                        {
                            releasedByAgent.Add(d);
                        }

                        End(d);
                        break;
                }
            }
        }

        foreach (var d in answered)
        {
            AgentAnswered?.Invoke(d);
        }

        foreach (var d in releasedByAgent)
        {
            ReleasedByAgent?.Invoke(d);
        }
    }

    private void End(Dialog d)
    {
        d.Ended = true;
        _byConnId.Remove(d.ConnId);
        _ended.Enqueue(d);
        while (_ended.Count > _maxEnded)
        {
            var old = _ended.Dequeue();
            if (_byCallId.TryGetValue(old.CallId, out var current) && ReferenceEquals(current, old))
            {
                _byCallId.Remove(old.CallId);
            }
        }
    }
}
