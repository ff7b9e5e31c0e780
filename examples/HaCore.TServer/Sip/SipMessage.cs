using System.Globalization;
using System.Text;

namespace HaCore.TServer.Sip;

/// <summary>Bounds on what the SIP front accepts. A datagram over any of them is answered 400 (when it can be
/// answered at all) or dropped; the parser never throws on input.</summary>
public sealed record SipLimits
{
    /// <summary>Largest datagram read (bytes); larger ones are dropped.</summary>
    public int MaxDatagramBytes { get; init; } = 8 * 1024;

    /// <summary>Most header lines in one message.</summary>
    public int MaxHeaders { get; init; } = 64;

    /// <summary>Longest start line or header line (bytes).</summary>
    public int MaxLineBytes { get; init; } = 1024;

    /// <summary>Most Via headers.</summary>
    public int MaxVias { get; init; } = 8;

    /// <summary>Validates the limits.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDatagramBytes, 512, nameof(MaxDatagramBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxDatagramBytes, 65_507, nameof(MaxDatagramBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHeaders, 8, nameof(MaxHeaders));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLineBytes, 128, nameof(MaxLineBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxVias, 1, nameof(MaxVias));
    }
}

/// <summary>What parsing a datagram gave.</summary>
public enum SipParseStatus
{
    /// <summary>A well-formed request or response.</summary>
    Ok,

    /// <summary>A request whose start line and transaction headers were read but that breaks a rule: answer 400.</summary>
    BadRequest,

    /// <summary>Nothing that can be answered (not SIP, no Via/Call-ID/CSeq, over the size limit): drop it.</summary>
    Drop,
}

/// <summary>A parsed SIP message (RFC 3261 §7), kept as text: the headers in order, with compact forms expanded.</summary>
public sealed class SipMessage
{
    private static readonly Dictionary<string, string> CompactForms = new(StringComparer.OrdinalIgnoreCase)
    {
        ["v"] = "Via", ["f"] = "From", ["t"] = "To", ["i"] = "Call-ID", ["m"] = "Contact",
        ["l"] = "Content-Length", ["c"] = "Content-Type", ["k"] = "Supported", ["s"] = "Subject",
    };

    private static readonly HashSet<string> TransactionHeaders = new(["Via", "From", "To", "Call-ID", "CSeq"], StringComparer.OrdinalIgnoreCase);

    private static readonly string[] Methods = ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "INFO", "UPDATE", "PRACK", "NOTIFY", "SUBSCRIBE", "REFER", "MESSAGE"];

    private SipMessage()
    {
    }

    /// <summary>True for a request, false for a response.</summary>
    public bool IsRequest { get; private set; }

    /// <summary>The request's method (upper case), or the CSeq method of a response.</summary>
    public string Method { get; private set; } = "";

    /// <summary>The request URI.</summary>
    public string RequestUri { get; private set; } = "";

    /// <summary>The response's status code.</summary>
    public int StatusCode { get; private set; }

    /// <summary>The headers in order (canonical names for compact forms).</summary>
    public List<KeyValuePair<string, string>> Headers { get; } = [];

    /// <summary>The body.</summary>
    public string Body { get; private set; } = "";

    /// <summary>The Call-ID.</summary>
    public string CallId => Header("Call-ID") ?? "";

    /// <summary>The CSeq number.</summary>
    public uint CSeq { get; private set; }

    /// <summary>The CSeq method.</summary>
    public string CSeqMethod { get; private set; } = "";

    /// <summary>The Via headers, top first.</summary>
    public IEnumerable<string> Vias => Headers.Where(h => h.Key.Equals("Via", StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

    /// <summary>The top Via's branch parameter (empty when absent).</summary>
    public string Branch => Param(Vias.FirstOrDefault() ?? "", "branch");

    /// <summary>The From header.</summary>
    public string From => Header("From") ?? "";

    /// <summary>The To header.</summary>
    public string To => Header("To") ?? "";

    /// <summary>Why parsing failed (for a 400's reason and the log).</summary>
    public string Error { get; private set; } = "";

    /// <summary>The first header with this name.</summary>
    /// <param name="name">The header's name (case-insensitive).</param>
    /// <returns>Its value or null.</returns>
    public string? Header(string name)
    {
        foreach (var (key, value) in Headers)
        {
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>A parameter of a header value (<c>;name=value</c>).</summary>
    /// <param name="headerValue">The header's value.</param>
    /// <param name="name">The parameter's name.</param>
    /// <returns>The value, or empty.</returns>
    public static string Param(string headerValue, string name)
    {
        foreach (var part in headerValue.Split(';').Skip(1))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = (eq < 0 ? part : part[..eq]).Trim();
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return eq < 0 ? "" : part[(eq + 1)..].Trim();
            }
        }

        return "";
    }

    /// <summary>The user part of a name-address or URI (<c>"Bob" &lt;sip:bob@host&gt;;tag=1</c> gives <c>bob</c>).</summary>
    /// <param name="nameAddr">The header value or URI.</param>
    /// <returns>The user, or empty.</returns>
    public static string UserOf(string nameAddr)
    {
        var s = nameAddr;
        var lt = s.IndexOf('<', StringComparison.Ordinal);
        if (lt >= 0)
        {
            var gt = s.IndexOf('>', lt);
            s = gt > lt ? s[(lt + 1)..gt] : s[(lt + 1)..];
        }

        var colon = s.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            s = s[(colon + 1)..];
        }

        var at = s.IndexOf('@', StringComparison.Ordinal);
        return at > 0 ? s[..at] : "";
    }

    /// <summary>Parses one datagram within the limits. Never throws.</summary>
    /// <param name="datagram">The bytes received.</param>
    /// <param name="limits">The bounds.</param>
    /// <param name="message">The message (also for <see cref="SipParseStatus.BadRequest"/>, to answer it).</param>
    /// <returns>Whether the message is usable, answerable with 400, or to be dropped.</returns>
    public static SipParseStatus TryParse(ReadOnlySpan<byte> datagram, SipLimits limits, out SipMessage message)
    {
        message = new SipMessage();
        if (datagram.Length == 0 || datagram.Length > limits.MaxDatagramBytes)
        {
            message.Error = "size";
            return SipParseStatus.Drop;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(datagram);
        }
        catch (DecoderFallbackException)
        {
            message.Error = "not UTF-8";
            return SipParseStatus.Drop;
        }

        return message.Parse(text, limits);
    }

    private SipParseStatus Parse(string text, SipLimits limits)
    {
        var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var separator = 4;
        if (headerEnd < 0)
        {
            headerEnd = text.IndexOf("\n\n", StringComparison.Ordinal);
            separator = 2;
        }

        var head = headerEnd < 0 ? text : text[..headerEnd];
        var body = headerEnd < 0 ? "" : text[(headerEnd + separator)..];
        for (var i = 0; i < head.Length; i++)
        {
            // Only CRLF (or a bare LF) ends a line, and no control character is part of one (RFC 3261 25.1): a bare CR
            // inside a value made an answer whose headers a peer reads differently (sip-message fuzz target).
            var c = head[i];
            if ((c < ' ' && c != '\t' && c != '\n' && !(c == '\r' && i + 1 < head.Length && head[i + 1] == '\n')) || c == '\u007f')
            {
                Error = "control character in the header section";
                return SipParseStatus.Drop;
            }
        }

        var lines = head.Split('\n');
        if (lines.Length == 0 || lines[0].TrimEnd('\r').Length is 0)
        {
            Error = "empty start line";
            return SipParseStatus.Drop;
        }

        var start = lines[0].TrimEnd('\r');
        if (start.Length > limits.MaxLineBytes)
        {
            Error = "start line too long";
            return SipParseStatus.Drop;
        }

        var parts = start.Split(' ', 3);
        if (parts.Length == 3 && parts[0] == "SIP/2.0")
        {
            if (parts[1].Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code < 100 || code > 699)
            {
                Error = "bad status code";
                return SipParseStatus.Drop;
            }

            StatusCode = code;
        }
        else if (parts.Length == 3 && parts[2] == "SIP/2.0" && parts[0].Length is > 0 and <= 16 && parts[0].All(char.IsAsciiLetterUpper) && parts[1].Length > 0)
        {
            IsRequest = true;
            Method = parts[0];
            RequestUri = parts[1];
        }
        else
        {
            Error = "not a SIP start line";
            return SipParseStatus.Drop;
        }

        // Header lines, with folding (a line starting with white space continues the previous one).
        string? problem = null;
        var tooManyVias = false;
        if (lines.Length - 1 > limits.MaxHeaders * 2)
        {
            Error = "too many header lines";
            return SipParseStatus.Drop;
        }

        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length > limits.MaxLineBytes)
            {
                problem ??= "header line too long";
                continue;
            }

            if (line.Length == 0)
            {
                continue;
            }

            if (line[0] is ' ' or '\t')
            {
                if (Headers.Count == 0)
                {
                    problem ??= "continuation before any header";
                    continue;
                }

                var last = Headers[^1];
                // RFC 3261 7.3.1: the folding white space is one SP, and a value's leading white space is not part of
                // it (an empty first line gave a Call-ID of " probe-1", which the answer then lost: sip-message fuzz target).
                var more = line.Trim();
                if (more.Length == 0)
                {
                    continue; // a line of white space only adds nothing
                }

                var joined = last.Value.Length == 0 ? more : last.Value + " " + more;
                if (joined.Length > limits.MaxLineBytes)
                {
                    problem ??= "header line too long";
                    continue;
                }

                Headers[^1] = new(last.Key, joined);
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                problem ??= "header without a colon";
                continue;
            }

            var name = line[..colon].Trim();
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '!' or '%' or '*' or '_' or '+' or '`' or '\'' or '~'))
            {
                problem ??= "bad header name";
                continue;
            }

            if (CompactForms.TryGetValue(name, out var full))
            {
                name = full;
            }

            if (Headers.Count >= limits.MaxHeaders)
            {
                // Over the bound: the message is refused, but the transaction headers are still read (the
                // line count is bounded above) so that the refusal can be sent.
                problem ??= "too many headers";
                if (!TransactionHeaders.Contains(name) || Headers.Count >= limits.MaxHeaders + 16)
                {
                    continue;
                }
            }

            if (name.Equals("Via", StringComparison.OrdinalIgnoreCase) && Vias.Count() >= limits.MaxVias)
            {
                // Over the bound: refused, and only the first MaxVias are kept (the top one routes the refusal). Keeping
                // them all let a datagram hold 10 Vias past the limit of 8 (sip-message fuzz target, afl++).
                tooManyVias = true;
                continue;
            }

            Headers.Add(new(name, line[(colon + 1)..].Trim()));
        }

        // The transaction headers decide whether the message can be answered at all.
        var vias = Vias.Count();
        var cseq = Header("CSeq");
        if (vias == 0 || string.IsNullOrEmpty(Header("Call-ID")) || cseq is null || string.IsNullOrEmpty(Header("From")) || string.IsNullOrEmpty(Header("To")))
        {
            Error = "missing Via, From, To, Call-ID or CSeq";
            return SipParseStatus.Drop;
        }

        var cseqParts = cseq.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (cseqParts.Length != 2 || !uint.TryParse(cseqParts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > int.MaxValue)
        {
            Error = "bad CSeq";
            return IsRequest ? SipParseStatus.BadRequest : SipParseStatus.Drop;
        }

        CSeq = number;
        CSeqMethod = cseqParts[1];
        if (!IsRequest)
        {
            Method = CSeqMethod;
        }

        if (problem is null && tooManyVias)
        {
            problem = "too many Via headers";
        }

        if (problem is null && IsRequest && !CSeqMethod.Equals(Method, StringComparison.Ordinal) && !(Method == "ACK" && CSeqMethod == "ACK"))
        {
            problem = "CSeq method differs from the request's";
        }

        if (problem is null && IsRequest && !Methods.Contains(Method))
        {
            problem = "unknown method";
        }

        if (problem is null && Header("Content-Length") is { } lengthText)
        {
            if (!int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length < 0)
            {
                problem = "bad Content-Length";
            }
            else if (Encoding.UTF8.GetByteCount(body) < length)
            {
                problem = "body shorter than Content-Length";
            }
            else
            {
                var bytes = Encoding.UTF8.GetBytes(body);
                body = Encoding.UTF8.GetString(bytes, 0, length);
            }
        }

        Body = body;
        if (problem is not null)
        {
            Error = problem;
            return IsRequest ? SipParseStatus.BadRequest : SipParseStatus.Drop;
        }

        return SipParseStatus.Ok;
    }

    /// <summary>A response to a request: its Vias, From, To (with <paramref name="toTag"/> when it has none), Call-ID and CSeq.</summary>
    /// <param name="code">The status code.</param>
    /// <param name="reason">The reason phrase.</param>
    /// <param name="toTag">The tag the UAS gives the dialog, or null.</param>
    /// <param name="extraHeaders">More header lines.</param>
    /// <param name="body">A body (SDP), or empty.</param>
    /// <returns>The response's bytes.</returns>
    public byte[] BuildResponse(int code, string reason, string? toTag, IEnumerable<string>? extraHeaders = null, string body = "") =>
        BuildResponse(code, reason, Vias, From, To, CallId, Header("CSeq") ?? "", toTag, extraHeaders, body);

    /// <summary>A response built from stored transaction headers (a new leader answering a dialog it took over).</summary>
    /// <param name="code">The status code.</param>
    /// <param name="reason">The reason phrase.</param>
    /// <param name="vias">The request's Via headers.</param>
    /// <param name="from">Its From.</param>
    /// <param name="to">Its To.</param>
    /// <param name="callId">Its Call-ID.</param>
    /// <param name="cseq">Its CSeq header.</param>
    /// <param name="toTag">The UAS tag, or null.</param>
    /// <param name="extraHeaders">More header lines.</param>
    /// <param name="body">A body, or empty.</param>
    /// <returns>The response's bytes.</returns>
    public static byte[] BuildResponse(int code, string reason, IEnumerable<string> vias, string from, string to, string callId, string cseq, string? toTag, IEnumerable<string>? extraHeaders = null, string body = "")
    {
        var sb = new StringBuilder(512);
        sb.Append("SIP/2.0 ").Append(code.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(reason).Append("\r\n");
        foreach (var via in vias)
        {
            sb.Append("Via: ").Append(via).Append("\r\n");
        }

        sb.Append("From: ").Append(from).Append("\r\n");
        sb.Append("To: ").Append(to);
        if (toTag is not null && code > 100 && Param(to, "tag").Length == 0)
        {
            sb.Append(";tag=").Append(toTag);
        }

        sb.Append("\r\n");
        sb.Append("Call-ID: ").Append(callId).Append("\r\n");
        sb.Append("CSeq: ").Append(cseq).Append("\r\n");
        foreach (var header in extraHeaders ?? [])
        {
            sb.Append(header).Append("\r\n");
        }

        sb.Append("Server: HaCore.TServer\r\n");
        if (body.Length > 0)
        {
            sb.Append("Content-Type: application/sdp\r\n");
        }

        sb.Append("Content-Length: ").Append(Encoding.UTF8.GetByteCount(body).ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n");
        sb.Append(body);
        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
