using System.Text;
using HaCore.TServer.Sip;

namespace HaCore.Fuzz.Targets;

/// <summary>
/// A UDP datagram as the T-Server example's SIP front receives it (from a switch, a caller, or anyone who
/// reaches the port): <see cref="SipMessage.TryParse"/> with the front's default limits. The parser
/// documents that it never throws: every input is a message, a request to answer with 400, or one to
/// drop. A parsed message keeps within the limits; a request it can answer (Ok or BadRequest) gets a
/// response that parses again as that response, for the same Call-ID, CSeq and Via headers, so the front
/// never sends what a peer could not match to its transaction.
/// </summary>
public sealed class SipMessageTarget : FuzzTarget
{
    private static readonly SipLimits Limits = new();

    /// <inheritdoc />
    public override string Name => "sip-message";

    /// <inheritdoc />
    public override string Description => "a SIP datagram for the T-Server example's front: SipMessage.TryParse, limits, and the response it would send parsed back";

    /// <inheritdoc />
    public override IEnumerable<(string Name, byte[] Data)> GenerateSeeds()
    {
        const string Via = "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1-1-0\r\n";
        const string Dialog = "From: sipp <sip:sipp@127.0.0.1:5061>;tag=1SIPpTag001\r\nTo: <sip:7000@127.0.0.1:5060>\r\nCall-ID: 1-1@127.0.0.1\r\n";
        const string Sdp = "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
        yield return ("invite", Bytes($"INVITE sip:7000@127.0.0.1:5060 SIP/2.0\r\n{Via}{Dialog}CSeq: 1 INVITE\r\nContact: sip:sipp@127.0.0.1:5061\r\nMax-Forwards: 70\r\nSubject: Performance Test\r\nX-ANI: 5551000\r\nContent-Type: application/sdp\r\nContent-Length: {Sdp.Length}\r\n\r\n{Sdp}"));
        yield return ("ack", Bytes($"ACK sip:7000@127.0.0.1:5060 SIP/2.0\r\n{Via}{Dialog.Replace("To: <sip:7000@127.0.0.1:5060>", "To: <sip:7000@127.0.0.1:5060>;tag=ts1", StringComparison.Ordinal)}CSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"));
        yield return ("bye", Bytes($"BYE sip:7000@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1-1-2\r\n{Dialog}CSeq: 2 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"));
        yield return ("cancel", Bytes($"CANCEL sip:7000@127.0.0.1:5060 SIP/2.0\r\n{Via}{Dialog}CSeq: 1 CANCEL\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"));
        yield return ("options-compact", Bytes("OPTIONS sip:127.0.0.1:5060 SIP/2.0\r\nv: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-probe\r\nf: <sip:probe@127.0.0.1>;tag=p1\r\nt: <sip:127.0.0.1>\r\ni: probe-1\r\nCSeq: 7 OPTIONS\r\nl: 0\r\n\r\n"));
        yield return ("response-200", Bytes($"SIP/2.0 200 OK\r\n{Via}{Dialog}CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"));
        yield return ("invite-without-call-id", Bytes($"INVITE sip:7000@127.0.0.1 SIP/2.0\r\n{Via}CSeq: x INVITE\r\n\r\n"));
    }

    /// <inheritdoc />
    protected override void Execute(ReadOnlySpan<byte> input)
    {
        var status = SipMessage.TryParse(input, Limits, out var message);
        if (status == SipParseStatus.Drop)
        {
            return;
        }

        Check(message.Headers.Count <= Limits.MaxHeaders + 8, $"{message.Headers.Count} headers kept, over the limit of {Limits.MaxHeaders}");
        Check(message.Vias.Count() <= Limits.MaxVias, $"{message.Vias.Count()} Via headers kept, over the limit of {Limits.MaxVias}");
        if (!message.IsRequest)
        {
            Check(status == SipParseStatus.Ok, "a response parsed as a bad request");
            return;
        }

        var code = status == SipParseStatus.Ok ? 200 : 400;
        var response = message.BuildResponse(code, code == 200 ? "OK" : "Bad Request", "fz1");
        var again = SipMessage.TryParse(response, Limits, out var parsed);
        if (response.Length > Limits.MaxDatagramBytes)
        {
            return; // a response to a request near the size limit may not fit a datagram of ours: not sent whole
        }

        if (status == SipParseStatus.BadRequest && again != SipParseStatus.Ok)
        {
            // A 400 copies the request's transaction headers as they came (RFC 3261 8.2.6.2); when one of them is
            // what was wrong (a CSeq of "V 1"), the answer is as unmatchable as the request. Nothing else to check.
            return;
        }

        Check(again == SipParseStatus.Ok, $"the {code} response to a parsed request does not parse: {parsed.Error}");
        Check(!parsed.IsRequest && parsed.StatusCode == code, $"the response parsed as {(parsed.IsRequest ? "a request" : parsed.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture))}");
        Check(parsed.CallId == message.CallId, "the response lost the Call-ID");
        Check(parsed.Vias.SequenceEqual(message.Vias), "the response's Via headers are not the request's");
        Check(parsed.CSeq == message.CSeq && parsed.CSeqMethod == message.CSeqMethod, "the response's CSeq is not the request's");
    }

    /// <inheritdoc />
    protected override bool IsDocumentedError(Exception error) => false;

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
