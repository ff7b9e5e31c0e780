using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace HaCore.TServer.Web;

/// <summary>
/// Authentication of the example's HTTP clients (desktops, the supervisor page, the run's driver and the
/// nodes' calls to each other). A client presents a bearer token <c>subject.expiry.mac</c>: the MAC is
/// HMAC-SHA256 over the subject and the expiry (Unix seconds), keyed by a key derived from the cluster
/// secret (HKDF-SHA256, its own purpose label, so the Raft handshake's key is never used for it). Any node
/// verifies any token without state, so a desktop keeps its token across a failover; the secret never
/// crosses the wire. A token is a bearer token: anyone who sees it can use it until it expires, so in a
/// real deployment it goes over HTTPS (Kestrel's TLS), as etcd's and Kubernetes' tokens do.
/// </summary>
public sealed class ClientTokens
{
    /// <summary>The longest lifetime a token may have.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(1);

    /// <summary>The query parameter that carries a token where a header cannot (a browser's EventSource).</summary>
    public const string QueryParameter = "access_token";

    private const int MaxTokenChars = 256;
    private static readonly byte[] Purpose = "hacore tserver client tokens v1"u8.ToArray();
    private readonly byte[] _key;
    private readonly TimeProvider _time;

    /// <summary>Tokens keyed by <paramref name="clusterSecret"/>.</summary>
    /// <param name="clusterSecret">The cluster secret (at least 16 bytes).</param>
    /// <param name="time">The clock for expiry.</param>
    public ClientTokens(byte[] clusterSecret, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(clusterSecret);
        ArgumentOutOfRangeException.ThrowIfLessThan(clusterSecret.Length, 16, nameof(clusterSecret));
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, clusterSecret, 32, info: Purpose);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>A token for <paramref name="subject"/> (letters, digits, '-' and '_'), valid for <paramref name="lifetime"/>.</summary>
    /// <param name="subject">Who holds it: a desktop id, "supervisor", "driver", "node-2".</param>
    /// <param name="lifetime">At most <see cref="MaxLifetime"/>.</param>
    /// <returns>The token.</returns>
    public string Issue(string subject, TimeSpan lifetime)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        if (subject.Length > 64 || !subject.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException("A token subject is 1-64 letters, digits, '-' or '_'.", nameof(subject));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero, nameof(lifetime));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lifetime, MaxLifetime, nameof(lifetime));
        var expiry = (_time.GetUtcNow() + lifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"{subject}.{expiry}.{Base64Url(Mac(subject, expiry))}";
    }

    /// <summary>The token's subject when it is genuine and not expired; otherwise null.</summary>
    /// <param name="token">What the client presented.</param>
    /// <returns>The subject, or null.</returns>
    public string? Verify(string? token)
    {
        if (token is null || token.Length > MaxTokenChars)
        {
            return null;
        }

        var parts = token.Split('.');
        if (parts.Length != 3 || parts[0].Length == 0
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var expiry))
        {
            return null;
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        if (expiry < now || expiry > now + (long)MaxLifetime.TotalSeconds)
        {
            return null;
        }

        var expected = Base64Url(Mac(parts[0], parts[1]));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts[2])) ? parts[0] : null;
    }

    /// <summary>The token of a request: the bearer Authorization header, or the <see cref="QueryParameter"/>.</summary>
    /// <param name="request">The request.</param>
    /// <returns>The token, or null.</returns>
    public static string? Of(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return header["Bearer ".Length..].Trim();
        }

        return request.Query.TryGetValue(QueryParameter, out var values) ? values.ToString() : null;
    }

    /// <summary>A handler that puts a fresh token for <paramref name="subject"/> (valid an hour) in every request of an
    /// <see cref="HttpClient"/>, so a long-lived client never presents an expired one.</summary>
    /// <param name="subject">Who the client is.</param>
    /// <returns>The handler (owns a new <see cref="SocketsHttpHandler"/>).</returns>
    public DelegatingHandler Handler(string subject)
    {
        Issue(subject, TimeSpan.FromHours(1)); // validates the subject now rather than at the first request
        return new BearerHandler(() => Issue(subject, TimeSpan.FromHours(1))) { InnerHandler = new SocketsHttpHandler() };
    }

    /// <summary>Refuses, with 401, every request that does not carry a genuine, unexpired token.</summary>
    /// <param name="context">The request.</param>
    /// <param name="next">The rest of the pipeline.</param>
    /// <returns>When the request is handled.</returns>
    public async Task RequireAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (Verify(Of(context.Request)) is null)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return;
        }

        await next(context).ConfigureAwait(false);
    }

    private byte[] Mac(string subject, string expiry) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(subject + "|" + expiry));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed class BearerHandler(Func<string> token) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token());
            return base.SendAsync(request, cancellationToken);
        }
    }
}
