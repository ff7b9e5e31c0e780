using HaCore.TServer.Web;
using Xunit;

namespace HaCore.Examples.Tests;

/// <summary>The example's HTTP clients authenticate with tokens keyed by the cluster secret (issue 14, item 1).</summary>
public sealed class ClientTokensTests
{
    private static readonly byte[] Secret = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    [Fact]
    public void A_token_names_its_subject_on_any_node_of_the_cluster()
    {
        var token = new ClientTokens(Secret).Issue("desk-1001", TimeSpan.FromMinutes(5));
        Assert.Equal("desk-1001", new ClientTokens([.. Secret]).Verify(token));
    }

    [Fact]
    public void Tokens_of_another_secret_tampered_expired_or_malformed_are_refused()
    {
        var clock = new ManualClock();
        var tokens = new ClientTokens(Secret, clock);
        var token = tokens.Issue("desk-1001", TimeSpan.FromMinutes(5));
        Assert.Null(new ClientTokens([.. Secret.Reverse()]).Verify(token));
        Assert.Null(tokens.Verify("desk-1002" + token["desk-1001".Length..]));
        var parts = token.Split('.');
        Assert.Null(tokens.Verify($"{parts[0]}.{long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) + 3600}.{parts[2]}"));
        Assert.Null(tokens.Verify(token + "x"));
        Assert.Null(tokens.Verify(""));
        Assert.Null(tokens.Verify(null));
        Assert.Null(tokens.Verify(new string('a', 10_000)));
        Assert.Equal("desk-1001", tokens.Verify(token));
        clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Null(tokens.Verify(token));
    }

    [Fact]
    public void Subjects_lifetimes_and_secrets_are_validated()
    {
        var tokens = new ClientTokens(Secret);
        Assert.Throws<ArgumentException>(() => tokens.Issue("a.b", TimeSpan.FromMinutes(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokens.Issue("a", TimeSpan.FromDays(2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokens.Issue("a", TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClientTokens(new byte[15]));
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
