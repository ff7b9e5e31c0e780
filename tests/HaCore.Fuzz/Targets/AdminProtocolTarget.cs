using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HaCore.Raft;
using Microsoft.Extensions.Logging.Abstractions;

namespace HaCore.Fuzz.Targets;

/// <summary>
/// The admin endpoint's protocol (the <c>hacore</c> CLI's) as the node receives it, through the endpoint's own
/// connection code over an in-memory stream: the bounded line reader (8 KiB lines, UTF-8), the JSON hello and
/// its proof, then requests against a fake node. The input is a mode byte and the bytes the node receives; with
/// mode bit 0 the valid proof for the target's fixed nonce is sent first, so the fuzzer reaches the requests.
/// The contract: nothing is done for a connection that did not prove the secret; every answer is one JSON object
/// on one line; the connection never throws (bad input ends it quietly). No documented errors escape.
/// </summary>
public sealed class AdminProtocolTarget : FuzzTarget
{
    /// <summary>Mode bit: authenticate with the valid proof before the input.</summary>
    public const byte AuthenticateFlag = 1;

    private static readonly byte[] Secret = [.. Enumerable.Range(7, 32).Select(i => (byte)i)];
    private static readonly byte[] ServerNonce = [.. Enumerable.Repeat((byte)0x3C, AdminProtocol.NonceBytes)];
    private static readonly byte[] ClientNonce = [.. Enumerable.Repeat((byte)0xC3, AdminProtocol.NonceBytes)];
    private static readonly FakeNode Node = new();
    private static readonly Lazy<AdminServer> Server = new(() =>
        new AdminServer(new IPEndPoint(IPAddress.Loopback, 0), Secret, Node, 1_000, NullLogger.Instance, () => ServerNonce));

    /// <inheritdoc />
    public override string Name => "admin-protocol";

    /// <inheritdoc />
    public override string Description => "the admin endpoint's lines: bounded UTF-8 line reader, JSON hello and HMAC proof, requests (status, health, membership, transfer, snapshot)";

    /// <summary>The hello line that proves the secret for the target's fixed nonces.</summary>
    public static string ValidHello => new JsonObject
    {
        ["nonce"] = Convert.ToHexString(ClientNonce),
        ["proof"] = Convert.ToHexString(AdminProtocol.ClientProof(Secret, ServerNonce, ClientNonce, FakeNode.Id)),
    }.ToJsonString();

    /// <summary>Operations the last input made the fake node do.</summary>
    public static int LastOperations { get; private set; }

    /// <inheritdoc />
    public override IEnumerable<(string Name, byte[] Data)> GenerateSeeds()
    {
        static byte[] Seed(byte mode, params string[] lines) => [mode, .. Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")))];
        yield return ("status", Seed(AuthenticateFlag, """{"op":"status"}"""));
        yield return ("health", Seed(AuthenticateFlag, """{"op":"health"}"""));
        yield return ("membership", Seed(AuthenticateFlag, """{"op":"add-learner","id":4,"address":"127.0.0.1:7004"}""", """{"op":"promote","id":4}""", """{"op":"remove","id":4}"""));
        yield return ("transfer-snapshot", Seed(AuthenticateFlag, """{"op":"transfer","id":2}""", """{"op":"snapshot"}"""));
        yield return ("bad-requests", Seed(AuthenticateFlag, """{"op":"nope"}""", "[1,2]", "{\"op\":\"promote\"}", "not json"));
        yield return ("genuine-hello", Seed(0, ValidHello, """{"op":"status"}"""));
        yield return ("wrong-proof", Seed(0, """{"nonce":"00","proof":"11"}""", """{"op":"remove","id":1}"""));
    }

    /// <inheritdoc />
    protected override void Execute(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var authenticate = (input[0] & AuthenticateFlag) != 0;
        var received = new MemoryStream();
        if (authenticate)
        {
            received.Write(Encoding.UTF8.GetBytes(ValidHello + "\n"));
        }

        received.Write(input[1..]);
        received.Position = 0;
        var sent = new MemoryStream();
        Node.Operations = 0;
        Server.Value.ServeStreamAsync(new DuplexStream(received, sent), null, CancellationToken.None).GetAwaiter().GetResult();
        LastOperations = Node.Operations;

        var lines = Encoding.UTF8.GetString(sent.ToArray()).Split('\n');
        Check(lines[^1].Length == 0, "the last answer does not end its line");
        var answers = lines[..^1].Select(l =>
        {
            try
            {
                return JsonNode.Parse(l) as JsonObject;
            }
            catch (JsonException)
            {
                return null;
            }
        }).ToList();
        Check(answers.All(a => a is not null), "an answer is not one JSON object");
        Check(answers.Count >= 1 && (string?)answers[0]!["protocol"] == AdminProtocol.Name, "the node did not say hello");
        Check(!authenticate || answers.Count >= 2, "the valid proof got no answer");

        // An answer to the handshake, unless the hello line itself was unreadable (not UTF-8, too long): then the
        // connection ends without one.
        var accepted = answers.Count >= 2 && (bool?)answers[1]!["ok"] == true;
        if (!accepted)
        {
            Check(answers.Count <= 2 && Node.Operations == 0, "a connection that did not prove the secret got answers or changed something");
        }
        else
        {
            Check(CheckedProof(answers[1]!), "an accepted connection got no valid proof of the node's secret");
        }
    }

    /// <inheritdoc />
    protected override bool IsDocumentedError(Exception error) => false; // a connection ends quietly on bad input

    private static bool CheckedProof(JsonObject answer)
    {
        var expected = Convert.ToHexString(AdminProtocol.ServerProof(Secret, ServerNonce, ClientNonce, FakeNode.Id));
        return (string?)answer["proof"] == expected;
    }

    /// <summary>Reads what the node receives, collects what it sends.</summary>
    private sealed class DuplexStream(Stream received, Stream sent) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => received.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => sent.Write(buffer, offset, count);
    }

    /// <summary>A node that answers and counts what it is asked to do.</summary>
    private sealed class FakeNode : IAdminOperations
    {
        public const ulong Id = 2;

        public int Operations { get; set; }

        public ulong NodeId => Id;

        public NodeStatus Status => new(Id, RaftRole.Leader, 3, Id, 40, 40, new ConfState([1, 2, 3], []), false);

        public ulong SnapshotIndex => 30;

        public ValueTask AddLearnerAsync(ulong nodeId, EndPoint address, CancellationToken cancellationToken) => Count();

        public ValueTask PromoteAsync(ulong nodeId, CancellationToken cancellationToken) => Count();

        public ValueTask RemoveMemberAsync(ulong nodeId, CancellationToken cancellationToken) => Count();

        public ValueTask TransferLeadershipAsync(ulong target, CancellationToken cancellationToken) => Count();

        public ValueTask<ulong> TakeSnapshotAsync(CancellationToken cancellationToken)
        {
            Operations++;
            return ValueTask.FromResult(40UL);
        }

        private ValueTask Count()
        {
            Operations++;
            return ValueTask.CompletedTask;
        }
    }
}
