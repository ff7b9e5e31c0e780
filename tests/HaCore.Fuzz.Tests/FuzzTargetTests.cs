using System.Diagnostics;
using Xunit;

namespace HaCore.Fuzz.Tests;

/// <summary>
/// Every committed corpus and crash-regression input, and a short deterministic mutation run, through
/// each fuzz target in-process: each input is accepted or refused with a documented error, within the
/// allocation limit and quickly. <c>HACORE_FUZZ_MINUTES=N</c> makes the mutation run last N minutes per target.
/// </summary>
public sealed class FuzzTargetTests
{
    private const int MutationsPerTarget = 2000;
    private static readonly TimeSpan SlowInput = TimeSpan.FromSeconds(2);

    public static TheoryData<string> Targets() => [.. FuzzTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_seed_the_encoders_write_is_in_the_corpus_and_accepted(string name)
    {
        var target = FuzzTargets.Find(name)!;
        foreach (var (seed, data) in target.GenerateSeeds())
        {
            Assert.Null(target.Run(data));
            var committed = Path.Combine(AppContext.BaseDirectory, "corpus", name, seed);
            Assert.True(File.Exists(committed), $"{committed} is missing: run `dotnet run --project tests/HaCore.Fuzz -- --generate tests/HaCore.Fuzz/corpus`");
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Corpus_and_regression_files_keep_the_contract(string name)
    {
        var target = FuzzTargets.Find(name)!;
        var files = Inputs(name).ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            RunTimed(target, File.ReadAllBytes(file), file);
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Mutated_corpus_inputs_keep_the_contract(string name)
    {
        var target = FuzzTargets.Find(name)!;
        var corpus = Inputs(name).Select(File.ReadAllBytes).ToList();
        var mutator = new Mutator(seed: 14);
        var minutes = double.TryParse(Environment.GetEnvironmentVariable("HACORE_FUZZ_MINUTES"), System.Globalization.CultureInfo.InvariantCulture, out var m) ? m : 0;
        var deadline = Stopwatch.StartNew();
        for (int i = 0; minutes > 0 ? deadline.Elapsed.TotalMinutes < minutes : i < MutationsPerTarget; i++)
        {
            var input = mutator.Next(corpus);
            RunTimed(target, input, $"mutation {i}: {Convert.ToHexString(input)}");
        }
    }

    [Fact]
    public void The_tls_seeds_get_the_servers_flight_and_a_plaintext_hello_does_not()
    {
        var target = new HaCore.Fuzz.Targets.TlsHandshakeTarget();
        var seeds = target.GenerateSeeds().ToDictionary(s => s.Name, s => s.Data);
        long Written(string seed)
        {
            Assert.Null(target.Run(seeds[seed]));
            return target.LastWritten;
        }

        // A fixed ClientHello reaches the key exchange: the server answers with its hello and certificate.
        Assert.True(Written("client-hello-tls13") > 1000, "the TLS 1.3 seed did not get the server's flight");
        Assert.True(Written("client-hello-tls12") > 1000, "the TLS 1.2 seed did not get the server's flight");
        Assert.True(Written("client-hello-in-two-records") > 1000, "the fragmented seed did not get the server's flight");
        Assert.True(Written("plaintext-hacore-hello") < 100, "a plaintext hello got a server flight");
    }

    [Fact]
    public void The_tls_session_seeds_reach_the_node_only_from_the_node_their_certificate_names()
    {
        var target = new HaCore.Fuzz.Targets.TlsSessionTarget();
        var seeds = target.GenerateSeeds().ToDictionary(s => s.Name, s => s.Data);
        int Delivered(string seed)
        {
            Assert.Null(target.Run(seeds[seed]));
            return target.LastDelivered;
        }

        // After a complete mutual-TLS handshake the hello, the proof and the frames get through to the node.
        Assert.Equal(7, Delivered("node-1-messages")); // the seven messages of the transport seeds
        Assert.Equal(2, Delivered("node-1-raw"));
        Assert.Equal(1, Delivered("node-1-snapshot-chunks")); // one snapshot, whole
        Assert.Equal(0, Delivered("node-1-unexpected-ack"));

        // A node id its certificate does not name is refused at the hello, so none of its frames arrive.
        Assert.Equal(0, Delivered("node-3-certificate-claims-node-1"));
        Assert.Equal(0, Delivered("node-1-claims-node-3"));
    }

    [Fact]
    public void The_desktop_seeds_build_their_commands_and_reach_the_state_machine()
    {
        var target = new HaCore.Fuzz.Targets.DesktopRequestTarget();
        var built = target.GenerateSeeds().Where(s => s.Name != "position").ToDictionary(s => s.Name, s =>
        {
            Assert.Null(target.Run(s.Data));
            return target.LastCommand;
        });

        Assert.Equal(HaCore.ContactCenter.Command.KindOneofCase.SessionOpened, built["open"]);
        Assert.Equal(HaCore.ContactCenter.Command.KindOneofCase.AgentLoggedIn, built["login"]);
        Assert.Equal(HaCore.ContactCenter.Command.KindOneofCase.PartyEstablished, built["answer"]);
        Assert.Equal(HaCore.ContactCenter.Command.KindOneofCase.UserDataAttached, built["attach"]);
        Assert.All(built, b => Assert.NotNull(b.Value));

        // A body without a ReferenceID is answered 400 before any command is built.
        Assert.Null(target.Run([3, .. "{\"agentId\":\"a1001\"}"u8.ToArray()]));
        Assert.Null(target.LastCommand);
    }

    [Fact]
    public void The_certificate_seeds_reach_trust_and_identity_and_their_refusals()
    {
        var target = new HaCore.Fuzz.Targets.PeerCertificateTarget();
        var seeds = target.GenerateSeeds().ToDictionary(s => s.Name, s => s.Data);
        string Outcome(string seed) => OutcomeOf(seeds[seed]);
        string OutcomeOf(byte[] input)
        {
            Assert.Null(target.Run(input));
            return target.LastOutcome;
        }

        Assert.Equal("trusted 2", Outcome("node-2"));
        Assert.Equal("trusted 2", Outcome("node-2-resigned"));
        Assert.Equal("trusted 1 2", Outcome("node-1-and-2"));
        Assert.Equal("trusted 3", Outcome("node-3-pinned"));
        Assert.Equal("trusted", Outcome("other-cluster"));
        Assert.Equal("untrusted 2", Outcome("expired"));
        Assert.Equal("trusted", Outcome("leading-zero-node"));
        Assert.Equal("trusted 1", Outcome("trusted-thumbprint"));

        // Signed again by the CA's key, the self-signed certificate loses its listed thumbprint, and its issuer
        // name is still its own subject, not the CA's: no chain, so nobody trusts it.
        Assert.Equal("untrusted 1", Outcome("trusted-thumbprint-resigned"));

        // One changed byte breaks the CA's signature unless the mode signs it again.
        var forged = seeds["node-2"].ToArray();
        forged[^10] ^= 1;
        Assert.Equal("untrusted 2", OutcomeOf(forged));
    }

    [Fact]
    public void The_handshake_seeds_reach_acceptance_on_both_sides_and_refusals()
    {
        var target = new HaCore.Fuzz.Targets.HandshakeTarget();
        var seeds = target.GenerateSeeds().ToDictionary(s => s.Name, s => s.Data);
        ulong Outcome(string seed)
        {
            Assert.Null(target.Run(seeds[seed]));
            return target.LastAccepted;
        }

        Assert.Equal(1ul, Outcome("acceptor-accepted"));
        Assert.Equal(1ul, Outcome("acceptor-accepted-raw"));
        Assert.Equal(0ul, Outcome("acceptor-wrong-proof"));
        Assert.Equal(0ul, Outcome("acceptor-unknown-peer"));
        Assert.Equal(0ul, Outcome("acceptor-other-cluster"));
        Assert.Equal(0ul, Outcome("acceptor-version-1"));
        Assert.Equal(1ul, Outcome("dialer-accepted"));
        Assert.Equal(0ul, Outcome("dialer-refused-after-challenge"));
        Assert.Equal(0ul, Outcome("dialer-refused"));

        // Without the proof fix-up, the dialer's seed carries a zero proof: refused.
        var unfixed = seeds["dialer-accepted"].ToArray();
        unfixed[0] &= unchecked((byte)~HaCore.Fuzz.Targets.HandshakeTarget.FixProofFlag);
        Assert.Null(target.Run(unfixed));
        Assert.Equal(0ul, target.LastAccepted);
    }

    private static IEnumerable<string> Inputs(string name)
    {
        foreach (var kind in new[] { "corpus", "regressions" })
        {
            var dir = Path.Combine(AppContext.BaseDirectory, kind, name);
            if (Directory.Exists(dir))
            {
                foreach (var file in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
                {
                    yield return file;
                }
            }
        }
    }

    private static void RunTimed(FuzzTarget target, byte[] input, string what)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            target.Run(input);
        }
        catch (FuzzContractException ex)
        {
            Assert.Fail($"{what}: {ex.Message}\n{ex.InnerException}");
        }

        Assert.True(watch.Elapsed < SlowInput, $"{what}: took {watch.Elapsed.TotalMilliseconds} ms");
    }
}
