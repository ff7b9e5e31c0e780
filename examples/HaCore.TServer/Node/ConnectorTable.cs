using HaCore.ContactCenter;

namespace HaCore.TServer.Node;

/// <summary>A call a connector reported (<c>CallCreated</c> with <c>Command.Source</c> set).</summary>
/// <param name="ConnId">The call.</param>
/// <param name="Source">The connector that reported it.</param>
/// <param name="Media">Voice or chat (an IM conversation).</param>
/// <param name="Dn">The DN it was created on.</param>
/// <param name="Released">Whether the call was deleted since.</param>
public sealed record ConnectorCallInfo(ulong ConnId, string Source, MediaType Media, string Dn, bool Released);

/// <summary>
/// What the model has no query for, kept from the applied log on every node (like <see cref="DialogTable"/>): the
/// connectors that came up, the keys of the connector HA records (voice: <see cref="ConnectorCall"/>, IM:
/// <see cref="ConnectorConversation"/>) and the calls connectors reported. The records themselves (owner, ConnId)
/// are read from the state; this only says which keys to look up. Bounded: past <see cref="MaxEntries"/> new
/// entries are counted in <see cref="Overflow"/> and not kept.
/// </summary>
public sealed class ConnectorTable
{
    /// <summary>The most records, calls and connectors kept (each).</summary>
    public const int MaxEntries = 100_000;

    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, bool> _records = new(StringComparer.Ordinal); // key -> IM (else voice)
    private readonly SortedDictionary<ulong, ConnectorCallInfo> _calls = [];
    private readonly SortedSet<string> _connectors = new(StringComparer.Ordinal);

    /// <summary>Entries not kept because a bound was reached.</summary>
    public long Overflow { get; private set; }

    /// <summary>Follows one applied entry.</summary>
    /// <param name="applied">The entry.</param>
    public void Apply(AppliedCommand<Command, CommandResult> applied)
    {
        ArgumentNullException.ThrowIfNull(applied);
        var result = applied.Result;
        if (result.RejectReason != RejectReason.None || result.Duplicate)
        {
            return;
        }

        var command = applied.Command;
        lock (_gate)
        {
            if (command.CallCreated is { } created && command.Source.Length != 0)
            {
                Add(_calls, result.ConnId, new ConnectorCallInfo(result.ConnId, command.Source, created.MediaType, created.Dn?.Number ?? "", false));
            }
            else if (command.ConnCallUpserted?.Record is { } call)
            {
                Add(_records, call.CallId, false);
            }
            else if (command.ConnConversationUpserted?.Record is { } conversation)
            {
                Add(_records, conversation.ConversationId, true);
            }

            foreach (var e in result.Events)
            {
                switch (e.Kind)
                {
                    case EventKind.ConnectorUp when !_connectors.Contains(e.ConnectorId):
                        if (_connectors.Count < MaxEntries)
                        {
                            _connectors.Add(e.ConnectorId);
                        }
                        else
                        {
                            Overflow++;
                        }

                        break;
                    case EventKind.ConnectorRecordRemoved:
                        _records.Remove(e.Key);
                        break;
                    case EventKind.CallDeleted when _calls.TryGetValue(e.ConnId, out var info):
                        _calls[e.ConnId] = info with { Released = true };
                        break;
                }
            }
        }
    }

    /// <summary>A copy of what is kept.</summary>
    /// <returns>The connectors, the record keys (with whether each is an IM record) and the connectors' calls.</returns>
    public (List<string> Connectors, List<(string Key, bool Im)> Records, List<ConnectorCallInfo> Calls) Snapshot()
    {
        lock (_gate)
        {
            return ([.. _connectors], _records.Select(p => (p.Key, p.Value)).ToList(), [.. _calls.Values]);
        }
    }

    /// <summary>Whether a ConnId is a call a connector reported.</summary>
    /// <param name="connId">The call.</param>
    /// <returns>True for a connector's call.</returns>
    public bool IsConnectorCall(ulong connId)
    {
        lock (_gate)
        {
            return _calls.ContainsKey(connId);
        }
    }

    private void Add<TKey, TValue>(SortedDictionary<TKey, TValue> map, TKey key, TValue value)
        where TKey : notnull
    {
        if (map.Count < MaxEntries || map.ContainsKey(key))
        {
            map[key] = value;
        }
        else
        {
            Overflow++;
        }
    }
}
