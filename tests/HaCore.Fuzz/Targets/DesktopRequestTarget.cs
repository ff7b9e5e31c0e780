using System.Text;
using System.Text.Json;
using HaCore.ContactCenter;
using HaCore.TServer.Web;

namespace HaCore.Fuzz.Targets;

/// <summary>
/// The T-Server example's agent-desktop protocol as a node receives it (<c>POST /api/desktop/{session}/{action}</c>
/// with a JSON body, and the <c>after</c> position of a DN's event stream): the input is a mode byte and the bytes of the
/// body or the position. Mode bit 7 clear: the low bits pick the action, and the body is bound to
/// <see cref="DesktopRequest"/> with ASP.NET Core's web defaults (what the minimal API does), turned into a command by the
/// endpoint's own <c>WebEndpoints.BuildCommand</c>, encoded for the log, and applied to a populated contact-center state
/// machine, which must answer with a result (accepted or rejected), never throw. Bit 7 set: the bytes are an
/// <c>after</c> position, which <c>TryParsePosition</c> either refuses or reads to a position whose formatted text reads
/// back the same. Documented errors: <see cref="JsonException"/> (the endpoint answers 400).
/// </summary>
public sealed class DesktopRequestTarget : FuzzTarget
{
    /// <summary>Mode bit: the input is an event-stream position, not a request body.</summary>
    public const byte PositionFlag = 0x80;

    private const string Session = "fuzz-desktop";

    private static readonly string[] Actions = ["open", "register", "login", "ready", "notready", "logout", "answer", "release", "attach", "unknown"];
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>The command kind the last input built, or null when the endpoint would have answered 400 (tests: every
    /// seed reaches the command builder and the state machine).</summary>
    public Command.KindOneofCase? LastCommand { get; private set; }

    /// <inheritdoc />
    public override string Name => "desktop-request";

    /// <inheritdoc />
    public override string Description => "the T-Server example's desktop requests (JSON bodies bound as ASP.NET Core does, WebEndpoints.BuildCommand, Apply) and event-stream positions";

    /// <inheritdoc />
    public override IEnumerable<(string Name, byte[] Data)> GenerateSeeds()
    {
        // What the example's desktops send (Driver/Desktop.cs), for the agent and DN of the fuzz workload.
        var requests = new (string Action, DesktopRequest Request)[]
        {
            ("open", new DesktopRequest(1)),
            ("register", new DesktopRequest(2, Dn: "1001")),
            ("login", new DesktopRequest(3, AgentId: "a1001", Dn: "1001")),
            ("ready", new DesktopRequest(4, AgentId: "a1001")),
            ("notready", new DesktopRequest(5, AgentId: "a1001", Reason: "break")),
            ("answer", new DesktopRequest(6, Dn: "1001", ConnId: 0x1000000000000001)),
            ("attach", new DesktopRequest(7, ConnId: 0x1000000000000001, Key: "Segment", Value: "gold")),
            ("release", new DesktopRequest(8, Dn: "1001", ConnId: 0x1000000000000001)),
            ("logout", new DesktopRequest(9, AgentId: "a1001")),
        };
        foreach (var (action, request) in requests)
        {
            yield return (action, [(byte)Array.IndexOf(Actions, action), .. JsonSerializer.SerializeToUtf8Bytes(request, Web)]);
        }

        yield return ("position", [PositionFlag, .. "1042.3"u8.ToArray()]);
    }

    /// <inheritdoc />
    protected override void Execute(ReadOnlySpan<byte> input)
    {
        LastCommand = null;
        var mode = input.IsEmpty ? (byte)0 : input[0];
        var data = input.IsEmpty ? [] : input[1..];
        if ((mode & PositionFlag) != 0)
        {
            var text = Encoding.UTF8.GetString(data);
            if (WebEndpoints.TryParsePosition(text, out var position))
            {
                var formatted = WebEndpoints.Format(position);
                Check(WebEndpoints.TryParsePosition(formatted, out var again) && again == position, $"the position '{text}' reads as {formatted}, which does not read back the same");
            }

            return;
        }

        var action = Actions[mode % Actions.Length];
        var request = JsonSerializer.Deserialize<DesktopRequest>(data, Web);
        if (request is null || request.ReferenceId == 0 || WebEndpoints.BuildCommand(Session, action, request) is not { } command)
        {
            return; // the endpoint answers 400
        }

        Check(action != "unknown", "an unknown action built a command");
        Check(action == "open" || (command.SessionId == Session && command.ReferenceId == request.ReferenceId), "a desktop command does not carry the request's session and ReferenceID");
        var logged = Contract.CommandCodec.Decode(Contract.Serialize(command));
        Check(logged.Equals(command), "a desktop command does not survive the log's encoding");
        ContactCenterCommandTarget.ApplyToBaseline(logged, Check);
        LastCommand = command.KindCase;
    }

    /// <inheritdoc />
    protected override bool IsDocumentedError(Exception error) => error is JsonException;
}
