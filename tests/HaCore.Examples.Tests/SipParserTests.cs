using System.Text;
using HaCore.TServer.Sip;

namespace HaCore.Examples.Tests;

public sealed class SipParserTests
{
    private const string Invite =
        "INVITE sip:800@127.0.0.1:5060 SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: sipp <sip:sipp@127.0.0.1:5061>;tag=abc\r\n" +
        "To: service <sip:800@127.0.0.1:5060>\r\n" +
        "Call-ID: 1-1@127.0.0.1\r\n" +
        "CSeq: 1 INVITE\r\n" +
        "X-ANI: 5551234\r\n" +
        "Content-Type: application/sdp\r\n" +
        "Content-Length: 4\r\n" +
        "\r\n" +
        "v=0\n";

    private static readonly SipLimits Limits = new();

    private static SipParseStatus Parse(string text, out SipMessage message) => SipMessage.TryParse(Encoding.UTF8.GetBytes(text), Limits, out message);

    [Fact]
    public void A_bare_CR_or_another_control_character_in_the_headers_is_dropped()
    {
        // Found by the sip-message fuzz target: "i:\r\n probe-1\ri:" kept a CR inside the Call-ID, and the answer
        // carried it into a header line that a peer splits in two.
        foreach (var bad in new[] { "Call-ID: a\rb", "Call-ID: a\u0000b", "Subject: x\u007f" })
        {
            var text = Invite.Replace("Call-ID: 1-1@127.0.0.1", bad, StringComparison.Ordinal).Replace("Subject: x", bad, StringComparison.Ordinal);
            Assert.Equal(SipParseStatus.Drop, SipMessage.TryParse(Encoding.UTF8.GetBytes(text), new SipLimits(), out var message));
            Assert.Equal("control character in the header section", message.Error);
        }

        Assert.Equal(SipParseStatus.Ok, SipMessage.TryParse(Encoding.UTF8.GetBytes(Invite.Replace("CSeq: 1", "CSeq:\t1", StringComparison.Ordinal)), new SipLimits(), out _));
    }

    [Fact]
    public void A_folded_header_whose_first_line_is_empty_has_no_leading_space()
    {
        // Found by the sip-message fuzz target: "i:\r\n probe-1" gave the Call-ID " probe-1", so the 200 OK
        // carried "Call-ID:  probe-1", which a peer reads as "probe-1", and a retransmission folded otherwise
        // would have had another dedupe key.
        var text = "OPTIONS sip:127.0.0.1:5060 SIP/2.0\r\nv: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-probe\r\nf: <sip:probe@127.0.0.1>;tag=p1\r\n" +
            "t: <sip:127.0.0.1>\r\ni:\r\n probe-1\r\nCSeq: 7 OPTIONS\r\nl: 0\r\n\r\n";
        Assert.Equal(SipParseStatus.Ok, SipMessage.TryParse(Encoding.UTF8.GetBytes(text), new SipLimits(), out var message));
        Assert.Equal("probe-1", message.CallId);
        Assert.Equal(SipParseStatus.Ok, SipMessage.TryParse(message.BuildResponse(200, "OK", "t1"), new SipLimits(), out var response));
        Assert.Equal("probe-1", response.CallId);
    }

    [Fact]
    public void A_well_formed_INVITE_is_read()
    {
        Assert.Equal(SipParseStatus.Ok, Parse(Invite, out var m));
        Assert.True(m.IsRequest);
        Assert.Equal("INVITE", m.Method);
        Assert.Equal("1-1@127.0.0.1", m.CallId);
        Assert.Equal(1u, m.CSeq);
        Assert.Equal("z9hG4bK-1", m.Branch);
        Assert.Equal("5551234", m.Header("x-ani"));
        Assert.Equal("sipp", SipMessage.UserOf(m.From));
        Assert.Equal("abc", SipMessage.Param(m.From, "tag"));
        Assert.Equal("v=0\n", m.Body);
    }

    [Fact]
    public void Compact_forms_and_folded_headers_are_read()
    {
        var text = "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nv: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bK2\r\nf: <sip:a@b>;tag=1\r\nt: <sip:x@127.0.0.1>\r\ni: c1\r\nCSeq: 7\r\n OPTIONS\r\nl: 0\r\n\r\n";
        Assert.Equal(SipParseStatus.Ok, Parse(text, out var m));
        Assert.Equal("c1", m.CallId);
        Assert.Equal(7u, m.CSeq);
        Assert.Equal("OPTIONS", m.CSeqMethod);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("INVITE sip:x SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n")] // no Via, From, To, Call-ID: nothing to answer to
    [InlineData("SIP/2.0 2000 OK\r\nVia: x\r\nFrom: a\r\nTo: b\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n")]
    [InlineData("invite sip:x SIP/2.0\r\nVia: x\r\nFrom: a\r\nTo: b\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n")]
    public void Unanswerable_input_is_dropped(string text) => Assert.Equal(SipParseStatus.Drop, Parse(text, out _));

    [Theory]
    [InlineData("CSeq: one INVITE", "bad CSeq")]
    [InlineData("CSeq: 99999999999 INVITE", "bad CSeq")]
    [InlineData("CSeq: 1 BYE", "CSeq method differs")]
    [InlineData("Content-Length: 500", "body shorter than Content-Length")]
    [InlineData("Content-Length: -1", "bad Content-Length")]
    [InlineData("NoColonHere", "header without a colon")]
    [InlineData("Bad Name: x", "bad header name")]
    public void Malformed_requests_get_400(string replacement, string error)
    {
        var lines = Invite.Split("\r\n").ToList();
        var key = replacement.Split(':')[0];
        var i = lines.FindIndex(l => l.StartsWith(key + ":", StringComparison.Ordinal));
        if (i >= 0 && replacement.Contains(':', StringComparison.Ordinal))
        {
            lines[i] = replacement;
        }
        else
        {
            lines.Insert(2, replacement);
        }

        Assert.Equal(SipParseStatus.BadRequest, Parse(string.Join("\r\n", lines), out var m));
        Assert.StartsWith(error, m.Error, StringComparison.Ordinal);
        var response = Encoding.UTF8.GetString(m.BuildResponse(400, "Bad Request", null));
        Assert.StartsWith("SIP/2.0 400 Bad Request\r\n", response, StringComparison.Ordinal);
        Assert.Contains("Call-ID: 1-1@127.0.0.1\r\n", response, StringComparison.Ordinal);
    }

    [Fact]
    public void Bounds_are_enforced()
    {
        var many = Invite.Replace("Max-Forwards: 70\r\n", string.Concat(Enumerable.Range(0, 70).Select(i => $"X-H{i}: v\r\n")), StringComparison.Ordinal);
        Assert.Equal(SipParseStatus.BadRequest, Parse(many, out var m));
        Assert.Equal("too many headers", m.Error);

        var longLine = Invite.Replace("X-ANI: 5551234", "X-ANI: " + new string('9', 2000), StringComparison.Ordinal);
        Assert.Equal(SipParseStatus.BadRequest, Parse(longLine, out m));
        Assert.Equal("header line too long", m.Error);

        var vias = Invite.Replace("Max-Forwards: 70\r\n", string.Concat(Enumerable.Range(0, 9).Select(i => $"Via: SIP/2.0/UDP 10.0.0.{i}:5060;branch=z9hG4bK{i}\r\n")), StringComparison.Ordinal);
        Assert.Equal(SipParseStatus.BadRequest, Parse(vias, out m));
        Assert.Equal("too many Via headers", m.Error);

        // Found by afl++ on the sip-message target: the refused request kept all its Vias (10 of a limit of 8), and so
        // did its 400. Only the first MaxVias are kept, the top one first, so the refusal still reaches the sender.
        Assert.Equal(Limits.MaxVias, m.Vias.Count());
        Assert.Equal("SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1", m.Vias.First());
        Assert.Equal(SipParseStatus.Ok, SipMessage.TryParse(m.BuildResponse(400, "Bad Request", "t1"), Limits, out var refusal));
        Assert.Equal(Limits.MaxVias, refusal.Vias.Count());

        var huge = new byte[Limits.MaxDatagramBytes + 1];
        Encoding.UTF8.GetBytes(Invite).CopyTo(huge, 0);
        Assert.Equal(SipParseStatus.Drop, SipMessage.TryParse(huge, Limits, out _));
        Assert.Equal(SipParseStatus.Drop, SipMessage.TryParse(new byte[] { 0xC3, 0x28, 0xFF }, Limits, out _));
        Assert.Equal(SipParseStatus.Drop, Parse(new string('\n', 5000), out _));
    }

    [Fact]
    public void Random_mutations_never_throw()
    {
        var random = new Random(12);
        var seed = Encoding.UTF8.GetBytes(Invite);
        var counts = new Dictionary<SipParseStatus, int>();
        for (var n = 0; n < 20_000; n++)
        {
            var bytes = seed.ToList();
            for (var k = random.Next(1, 8); k > 0; k--)
            {
                var at = random.Next(bytes.Count);
                switch (random.Next(4))
                {
                    case 0: bytes[at] = (byte)random.Next(256); break;
                    case 1: bytes.RemoveAt(at); break;
                    case 2: bytes.Insert(at, (byte)"\r\n:; \t"[random.Next(6)]); break;
                    default: bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 40))); break;
                }

                if (bytes.Count == 0)
                {
                    break;
                }
            }

            var status = SipMessage.TryParse(bytes.ToArray(), Limits, out var m);
            counts[status] = counts.GetValueOrDefault(status) + 1;
            if (status == SipParseStatus.BadRequest)
            {
                Assert.NotEmpty(m.BuildResponse(400, "Bad Request", null)); // answerable without throwing
            }
        }

        Assert.All(Enum.GetValues<SipParseStatus>(), s => Assert.True(counts.GetValueOrDefault(s) > 0, $"no {s} among the mutations"));
    }
}
