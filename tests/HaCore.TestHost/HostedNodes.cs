using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using HaCore;
using HaCore.ContactCenter;
using HaCore.Testing.Runtime;
using HaCore.Transport;
using Microsoft.Extensions.Logging;

/// <summary>A running node behind the client port, whatever its state machine.</summary>
internal interface IHostedNode : IAsyncDisposable
{
    /// <summary>Answers one request line (split on spaces); throws for an unknown request.</summary>
    Task<string> HandleAsync(string[] p);

    /// <summary>Whether <paramref name="p"/> asks for a stream (answered by <see cref="StreamAsync"/> until it ends).</summary>
    bool IsStream(string[] p);

    /// <summary>Writes the stream's lines until it ends, then an ERR line naming why.</summary>
    Task StreamAsync(StreamWriter writer, string[] p, CancellationToken stop);
}

/// <summary>The requests every model answers: leadership, membership and status.</summary>
internal abstract class HostedNode<TStateMachine, TCommand, TResult>(ReplicatedStateMachine<TStateMachine, TCommand, TResult> node) : IHostedNode
    where TStateMachine : IStateMachine<TCommand, TResult>
{
    protected ReplicatedStateMachine<TStateMachine, TCommand, TResult> Node { get; } = node;

    public async Task<string> HandleAsync(string[] p)
    {
        if (await HandleModelAsync(p) is { } answer)
        {
            return answer;
        }

        switch (p[0])
        {
            case "TRANSFER":
                using (var transferTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(3)))
                {
                    await Node.TransferLeadershipAsync(ulong.Parse(p[1], CultureInfo.InvariantCulture), transferTimeout.Token);
                }

                return p[1];
            case "ADDLEARNER":
            case "PROMOTE":
            case "REMOVE":
                using (var changeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
                {
                    var member = ulong.Parse(p[1], CultureInfo.InvariantCulture);
                    await (p[0] switch
                    {
                        "ADDLEARNER" => Node.AddLearnerAsync(member, IPEndPoint.Parse(p[2]), changeTimeout.Token),
                        "PROMOTE" => Node.PromoteAsync(member, changeTimeout.Token),
                        _ => Node.RemoveMemberAsync(member, changeTimeout.Token),
                    });
                }

                return p[1];
            case "MEMBERS":
                var members = Node.Status.Members;
                return $"voters {Ids(members.Voters)} learners {Ids(members.Learners)}";
            case "STATUS":
                var st = Node.Status;
                return $"{st.Role} {st.Term} {st.Leader} {st.CommitIndex} {st.AppliedIndex}";
            default:
                throw new ArgumentException($"unknown request {p[0]}");
        }
    }

    public abstract bool IsStream(string[] p);

    public async Task StreamAsync(StreamWriter writer, string[] p, CancellationToken stop)
    {
        string end;
        try
        {
            await StreamModelAsync(writer, p, stop);
            end = "ERR EndOfStream the subscription ended";
        }
        catch (Exception ex) when (ex is not IOException and not SocketException and not ObjectDisposedException)
        {
            end = $"ERR {ex.GetType().Name} {ex.Message.ReplaceLineEndings(" ")}";
        }

        await writer.WriteLineAsync(end);
    }

    public ValueTask DisposeAsync() => Node.DisposeAsync();

    /// <summary>The model's own requests; null when <paramref name="p"/> is not one of them.</summary>
    protected abstract Task<string?> HandleModelAsync(string[] p);

    protected abstract Task StreamModelAsync(StreamWriter writer, string[] p, CancellationToken stop);

    protected static ClientRequestId Request(string[] p) => new(Guid.Parse(p[1]), ulong.Parse(p[2], CultureInfo.InvariantCulture));

    protected static string Dash(string? value) => string.IsNullOrEmpty(value) ? "-" : value;

    private static string Ids(IEnumerable<ulong> ids) => ids.Any() ? string.Join(",", ids) : "-";
}

/// <summary>
/// The register store (<see cref="KvStateMachine"/>):
///   SET|INC|CAS|APPEND &lt;session&gt; &lt;seq&gt; ..., GET &lt;key&gt; linearizable|lease|stale, HASH, DUMP,
///   SUBSCRIBE &lt;from index&gt; -> EV &lt;index&gt; &lt;session&gt;:&lt;sequence&gt; &lt;command&gt; per applied command.
/// </summary>
internal sealed class KvNode(ReplicatedStateMachine<KvStateMachine, string, string> node)
    : HostedNode<KvStateMachine, string, string>(node)
{
    public static async Task<IHostedNode> StartAsync(HaCoreNodeOptions options, IRaftTransport transport, ILoggerFactory log, TimeProvider clock) =>
        new KvNode(await ReplicatedStateMachine<KvStateMachine, string, string>.StartAsync(
            options, new KvStateMachine(), StringCodec.Instance, StringCodec.Instance, transport, log, clock));

    public override bool IsStream(string[] p) => p[0] == "SUBSCRIBE";

    protected override async Task<string?> HandleModelAsync(string[] p)
    {
        switch (p[0])
        {
            case "SET":
                return Dash(await Node.ProposeAsync(Request(p), $"set {p[3]} {p[4]}"));
            case "INC":
                return await Node.ProposeAsync(Request(p), $"inc {p[3]}");
            case "CAS":
                return await Node.ProposeAsync(Request(p), $"cas {p[3]} {p[4]} {p[5]}");
            case "APPEND":
                return Dash(await Node.ProposeAsync(Request(p), $"append {p[3]} {p[4]}"));
            case "GET":
                var consistency = p.Length <= 2 ? ReadConsistency.Linearizable : p[2] switch
                {
                    "stale" => ReadConsistency.Stale,
                    "lease" => ReadConsistency.Lease,
                    "linearizable" => ReadConsistency.Linearizable,
                    _ => throw new ArgumentException($"unknown consistency {p[2]}"),
                };
                return Dash((await Node.ReadAsync(s => s.Get(p[1]), consistency)).Value);
            case "HASH":
                var state = await Node.ReadAsync(s => string.Join(";", s.Values.Select(kv => $"{kv.Key}={kv.Value}")), ReadConsistency.Stale);
                return $"{state.AppliedIndex} {Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(state.Value)))}";
            case "DUMP":
                return (await Node.ReadAsync(s => string.Join(";", s.Values.Select(kv => $"{kv.Key}={kv.Value}")), ReadConsistency.Stale)).Value;
            default:
                return null;
        }
    }

    protected override async Task StreamModelAsync(StreamWriter writer, string[] p, CancellationToken stop)
    {
        await foreach (var applied in Node.SubscribeAsync(ulong.Parse(p[1], CultureInfo.InvariantCulture), stop))
        {
            await writer.WriteLineAsync($"EV {applied.Index} {applied.Request.Session}:{applied.Request.Sequence} {applied.Command}");
        }
    }
}

/// <summary>
/// The contact-center model (<see cref="ContactCenterStateMachine"/>):
///   CC &lt;session&gt; &lt;seq&gt; &lt;base64 Command&gt; -> OK &lt;base64 CommandResult&gt;;
///   HASH -> OK &lt;applied index&gt; &lt;state hash&gt;;
///   SUBSCRIBE &lt;from index&gt; -> EV &lt;index&gt; &lt;session&gt;:&lt;sequence&gt; &lt;command kind&gt; &lt;reject reason&gt; per applied command;
///   DNSUB &lt;switch&gt; &lt;number&gt; &lt;after index&gt; &lt;after ordinal&gt; -> EV &lt;index&gt; &lt;ordinal&gt; &lt;kind&gt; &lt;conn id&gt; per event
///   of that DN (<see cref="DnSubscriptions"/>).
/// </summary>
internal sealed class ContactCenterNode(ReplicatedStateMachine<ContactCenterStateMachine, HaCore.ContactCenter.Command, CommandResult> node)
    : HostedNode<ContactCenterStateMachine, HaCore.ContactCenter.Command, CommandResult>(node)
{
    public static async Task<IHostedNode> StartAsync(HaCoreNodeOptions options, IRaftTransport transport, ILoggerFactory log, TimeProvider clock) =>
        new ContactCenterNode(await ReplicatedStateMachine<ContactCenterStateMachine, HaCore.ContactCenter.Command, CommandResult>.StartAsync(
            options, new ContactCenterStateMachine(), Contract.CommandCodec, Contract.ResultCodec, transport, log, clock));

    public override bool IsStream(string[] p) => p[0] is "DNSUB" or "SUBSCRIBE";

    protected override async Task<string?> HandleModelAsync(string[] p)
    {
        switch (p[0])
        {
            case "CC":
                var command = Contract.Deserialize<HaCore.ContactCenter.Command>(Convert.FromBase64String(p[3]));
                var result = await Node.ProposeAsync(Request(p), command);
                return Convert.ToBase64String(Contract.Serialize(result));
            case "HASH":
                var state = await Node.ReadAsync(s => s.ComputeStateHashHex(), ReadConsistency.Stale);
                return $"{state.AppliedIndex} {state.Value}";
            default:
                return null;
        }
    }

    protected override async Task StreamModelAsync(StreamWriter writer, string[] p, CancellationToken stop)
    {
        if (p[0] == "SUBSCRIBE")
        {
            await foreach (var applied in Node.SubscribeAsync(ulong.Parse(p[1], CultureInfo.InvariantCulture), stop))
            {
                await writer.WriteLineAsync($"EV {applied.Index} {applied.Request.Session}:{applied.Request.Sequence} {applied.Command.KindCase} {applied.Result.RejectReason}");
            }

            return;
        }

        var dn = new DnId { SwitchName = p[1], Number = p[2] };
        var after = new DnEventPosition(ulong.Parse(p[3], CultureInfo.InvariantCulture), int.Parse(p[4], CultureInfo.InvariantCulture));
        await foreach (var e in Node.SubscribeDnAsync(dn, after, stop))
        {
            await writer.WriteLineAsync($"EV {e.Position.Index} {e.Position.Ordinal} {e.Event.Kind} {e.Event.ConnId}");
        }
    }
}
