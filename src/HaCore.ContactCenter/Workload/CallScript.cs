using System.Globalization;

namespace HaCore.ContactCenter.Workload;

public sealed partial class WorkloadGenerator
{
    // One inbound call's life cycle, one command per step (about 26 entries, DOMAIN.md §4).
    private sealed class CallScript : Script
    {
        private readonly WorkloadGenerator _g;
        private readonly DnId _trunk;
        private readonly DnId _routePoint;
        private readonly DnId _queue;
        private readonly DnId _ivrPort;
        private readonly bool _hold;
        private readonly bool _conference;
        private readonly bool _monitor;
        private readonly bool _iscc;
        private uint _isccTransaction;
        private bool _transfer;
        private int _phase;
        private int _userDataLeft;
        private ulong _connId;
        private ulong _consultId;
        private int _agent = -1;
        private int _agent2 = -1;
        private string _recordKey = string.Empty;
        private string _connector = string.Empty;
        private DnId? _supervisor;

        public CallScript(WorkloadGenerator g, string source)
        {
            _g = g;
            Source = source;
            WorkloadProfile p = g._profile;
            _trunk = g._trunks[g.NextInt(g._trunks.Length)];
            _routePoint = g._routePoints[g.NextInt(g._routePoints.Length)];
            _queue = g._queues[g.NextInt(g._queues.Length)];
            _ivrPort = g._ivrPorts[g.NextInt(g._ivrPorts.Length)];
            _hold = g.Chance(p.HoldRatio);
            _transfer = g.Chance(p.TransferRatio);
            _conference = g.Chance(p.ConferenceRatio);
            _monitor = g.Chance(p.MonitorRatio);
            _iscc = g.Chance(p.IsccRatio);
            _userDataLeft = p.UserDataRequestsPerCall;
        }

        /// <summary>The connector that reports this call's switch events.</summary>
        public string Source { get; }

        /// <summary>Whether the call waits for a consult agent (transfer) rather than a first agent.</summary>
        public bool NeedsConsultAgent { get; private set; }

        public void AssignAgent(int agent)
        {
            if (NeedsConsultAgent)
            {
                _agent2 = agent;
                NeedsConsultAgent = false;
            }
            else
            {
                _agent = agent;
            }

            Waiting = false;
        }

        private DnId AgentDn => _g._agentDns[_agent];

        public override Command Step()
        {
            while (true)
            {
                switch (_phase++)
                {
                    case 0:
                        _connId = _g.AllocateConnId();
                        _recordKey = _connId.ToString("x16", CultureInfo.InvariantCulture);
                        return new Command
                        {
                            CallCreated = new CallCreated
                            {
                                Dn = _trunk, InitialState = PartyState.Dialing, OtherDn = _routePoint, CallType = CallType.Inbound,
                                Ani = "+1555" + _g.NextInt(10_000_000).ToString("D7", CultureInfo.InvariantCulture), Dnis = _routePoint.Number,
                            },
                        };
                    case 1:
                        return new Command { RouteRequested = new RouteRequested { ConnId = _connId, RoutePoint = _routePoint, TimeoutMs = 30_000 } };
                    case 2:
                        return new Command { TreatmentRequested = new TreatmentRequested { ConnId = _connId, Dn = _routePoint, Type = TreatmentType.Ivr, Parameters = { Kv("APP", "main-menu") } } };
                    case 3:
                        return new Command { TreatmentApplied = new TreatmentApplied { ConnId = _connId, Dn = _routePoint, MediaResource = _ivrPort.Number } };
                    case 4:
                        return new Command { TreatmentEnded = new TreatmentEnded { ConnId = _connId, Dn = _routePoint } };
                    case 5:
                        Waiting = true;
                        return new Command { PartyQueued = new PartyQueued { ConnId = _connId, Queue = _queue, OtherDn = _trunk } };
                    case 6:
                        return new Command { RouteUsed = new RouteUsed { ConnId = _connId, Destination = AgentDn } };
                    case 7:
                        return new Command { PartyDiverted = new PartyDiverted { ConnId = _connId, Dn = _queue, Destination = AgentDn } };
                    case 8:
                        return new Command { PartyRinging = new PartyRinging { ConnId = _connId, Dn = AgentDn, OtherDn = _trunk, ThisQueue = _queue, AgentId = _g._agentIds[_agent] } };
                    case 9:
                        return _g.Desk(_agent, new Command { PartyEstablished = new PartyEstablished { ConnId = _connId, Dn = AgentDn } });
                    case 10:
                        return new Command { PartyEstablished = new PartyEstablished { ConnId = _connId, Dn = _trunk } };
                    case 11:
                        _connector = _g.ConnectorOf(_agent);
                        return new Command { ConnConferenceUpserted = new ConnConferenceUpserted { Record = new ConnectorConference { ConferenceUri = "sip:conf-" + _recordKey, ConnId = _connId, ConnectorId = _connector, ScheduledAt = _g._startUnixMs }, Epoch = _g.EpochOf(_connector) } };
                    case 12:
                        return new Command { ConnConversationUpserted = new ConnConversationUpserted { Record = new ConnectorConversation { ConversationId = "conv-" + _recordKey, ConnId = _connId, ConferenceUri = "sip:conf-" + _recordKey, Modalities = 1, Participants = { "sip:" + _trunk.Number, "sip:" + AgentDn.Number }, ConnectorId = _connector }, Epoch = _g.EpochOf(_connector) } };
                    case 13:
                        _phase = _iscc ? 100 : 14;
                        return new Command { ConnCallUpserted = new ConnCallUpserted { Record = new ConnectorCall { CallId = "ucma-" + _recordKey, ConnId = _connId, ConversationId = "conv-" + _recordKey, ConnectorId = _connector, Parties = { new ConnectorParty { SipUri = "sip:" + AgentDn.Number, Dn = AgentDn, State = PartyState.Connected } } }, Epoch = _g.EpochOf(_connector) } };
                    case 14:
                        if (_userDataLeft <= 0) { continue; }
                        return UserData();
                    case 15:
                        if (!_hold) { _phase = 17; continue; }
                        return _g.Desk(_agent, new Command { PartyHeld = new PartyHeld { ConnId = _connId, Dn = AgentDn } });
                    case 16:
                        return _g.Desk(_agent, new Command { PartyRetrieved = new PartyRetrieved { ConnId = _connId, Dn = AgentDn } });
                    case 17:
                        if (!_conference) { _phase = 19; continue; }
                        _supervisor = _g._supervisors[_g.NextInt(_g._supervisors.Length)];
                        if (_g.Chance(0.5)) { _phase = 110; continue; }
                        return new Command { PartyAdded = new PartyAdded { ConnId = _connId, Dn = _supervisor, Role = PartyRole.ConferenceMember, OtherDn = AgentDn } };
                    case 18:
                        return new Command { PartyDeleted = new PartyDeleted { ConnId = _connId, Dn = _supervisor } };
                    case 19:
                        if (!_monitor) { _phase = 21; continue; }
                        _supervisor = _g._supervisors[_g.NextInt(_g._supervisors.Length)];
                        return new Command { PartyAdded = new PartyAdded { ConnId = _connId, Dn = _supervisor, Role = PartyRole.Observer, OtherDn = AgentDn } };
                    case 20:
                        return new Command { PartyDeleted = new PartyDeleted { ConnId = _connId, Dn = _supervisor } };
                    case 21:
                        if (!_transfer) { _phase = 28; continue; }
                        // A consult transfer to the queue: the call waits for a consult agent, who is
                        // served before new calls (the next agent to become free).
                        NeedsConsultAgent = true;
                        Waiting = true;
                        return _g.Desk(_agent, new Command { TransferStarted = new TransferStarted { ConnId = _connId, Controller = AgentDn, Kind = TransferKind.TwoStep, Target = _queue } });
                    case 22:
                        _consultId = _g.AllocateConnId();
                        return _g.Desk(_agent, new Command { CallCreated = new CallCreated { Dn = AgentDn, InitialState = PartyState.Dialing, OtherDn = _g._agentDns[_agent2], OrigConnId = _connId, CallType = CallType.Consult } });
                    case 23:
                        return new Command { PartyRinging = new PartyRinging { ConnId = _consultId, Dn = _g._agentDns[_agent2], OtherDn = AgentDn, AgentId = _g._agentIds[_agent2] } };
                    case 24:
                        return _g.Desk(_agent2, new Command { PartyEstablished = new PartyEstablished { ConnId = _consultId, Dn = _g._agentDns[_agent2] } });
                    case 25:
                    {
                        // Two-step completion in one entry: the consult joins the main call, which
                        // keeps its ConnId; the first agent leaves both legs and goes to wrap-up.
                        Command complete = _g.Desk(_agent, new Command { TransferCompleted = new TransferCompleted { ConnId = _connId } });
                        _g.StartWrapUp(_agent);
                        _agent = _agent2;
                        _phase = 28;
                        return complete;
                    }

                    case 28:
                        return new Command { ConnCallRemoved = new ConnCallRemoved { CallId = "ucma-" + _recordKey, ConnectorId = _connector, Epoch = _g.EpochOf(_connector) } };
                    case 29:
                        return _g.Desk(_agent, new Command { PartyReleased = new PartyReleased { ConnId = _connId, Dn = AgentDn, Cause = "normal" } });
                    case 110:
                        // A conference built from a consult call to the supervisor: hold, consult,
                        // then PartyChanged merges the consult into the main call (conference completion).
                        return _g.Desk(_agent, new Command { PartyHeld = new PartyHeld { ConnId = _connId, Dn = AgentDn } });
                    case 111:
                        _consultId = _g.AllocateConnId();
                        return _g.Desk(_agent, new Command { CallCreated = new CallCreated { Dn = AgentDn, InitialState = PartyState.Dialing, OtherDn = _supervisor, OrigConnId = _connId, CallType = CallType.Consult } });
                    case 112:
                        return new Command { PartyRinging = new PartyRinging { ConnId = _consultId, Dn = _supervisor, OtherDn = AgentDn } };
                    case 113:
                        return new Command { PartyEstablished = new PartyEstablished { ConnId = _consultId, Dn = _supervisor } };
                    case 114:
                        return _g.Desk(_agent, new Command { PartyEstablished = new PartyEstablished { ConnId = _consultId, Dn = AgentDn } });
                    case 115:
                        _phase = 18;
                        return new Command { PartyChanged = new PartyChanged { ConnId = _consultId, NewConnId = _connId } };
                    case 100:
                        // An ISCC leg to the other site (cast-type route, S3), opened and confirmed.
                        _isccTransaction = ++_g._isccTransactions;
                        return new Command { IsccRequested = new IsccRequested { ConnId = _connId, TransactionId = _isccTransaction, Direction = IsccDirection.Origination, RemoteLocation = "site-B", CastType = IsccCastType.Route, TimeoutMs = 10_000 } };
                    case 101:
                        _phase = 14;
                        return new Command { IsccSucceeded = new IsccSucceeded { TransactionId = _isccTransaction, RemoteConnId = (2UL << 48) | _isccTransaction } };
                    default:
                        Done = true;
                        _g.CallEnded();
                        _g.StartWrapUp(_agent);
                        return new Command { PartyReleased = new PartyReleased { ConnId = _connId, Dn = _trunk, Cause = "normal" } };
                }
            }
        }

        private Command UserData()
        {
            WorkloadProfile p = _g._profile;
            bool first = _userDataLeft == p.UserDataRequestsPerCall;
            if (--_userDataLeft > 0)
            {
                _phase = 14;
            }

            if (first)
            {
                bool tail = p.UserDataTailBytes > 0 && _g.Chance(p.UserDataTailRatio);
                ReadOnlyMemory<byte>[] blobs = tail ? _g._tailBlobs : _g._blobs;
                var attach = new UserDataAttached { ConnId = _connId };
                attach.Pairs.Add(new KvPair { Key = "CustomerData", Value = new KvValue { Binary = blobs[_g.NextInt(blobs.Length)] } });
                attach.Pairs.Add(Kv("CustomerSegment", "gold"));
                return _g.Desk(_agent, new Command { UserDataAttached = attach });
            }

            var update = new UserDataUpdated { ConnId = _connId };
            update.Pairs.Add(Kv("Disposition" + _userDataLeft.ToString(CultureInfo.InvariantCulture), "step-" + _g.NextInt(100).ToString(CultureInfo.InvariantCulture)));
            update.Pairs.Add(new KvPair { Key = "LastStep", Value = new KvValue { Int = _userDataLeft } });
            return _g.Desk(_agent, new Command { UserDataUpdated = update });
        }
    }
}
