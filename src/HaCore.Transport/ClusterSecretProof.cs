using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace HaCore.Transport;

/// <summary>Which side of a handshake a proof comes from; each has its own label, so a proof cannot be reflected.</summary>
internal enum ProofDirection
{
    /// <summary>The acceptor proves the secret to the dialer.</summary>
    Acceptor,

    /// <summary>The dialer proves the secret to the acceptor.</summary>
    Dialer,
}

/// <summary>
/// The challenge-response of the handshake: HMAC-SHA256, keyed by the cluster secret, over a
/// direction label, both nonces, the dialer's instance id, the cluster id and both node ids. The secret
/// never crosses the wire; a proof is only valid for the two fresh nonces of one connection.
/// </summary>
internal sealed class ClusterSecretProof
{
    private static readonly byte[] AcceptorLabel = Encoding.ASCII.GetBytes("HaCore transport v2 acceptor proof\0");
    private static readonly byte[] DialerLabel = Encoding.ASCII.GetBytes("HaCore transport v2 dialer proof\0");
    private readonly byte[] _secret;
    private readonly byte[][] _accepted;

    /// <param name="secret">The secret this node proves with.</param>
    /// <param name="accepted">Further secrets this node accepts from peers (rotation).</param>
    public ClusterSecretProof(ReadOnlySpan<byte> secret, IEnumerable<byte[]> accepted)
    {
        _secret = secret.ToArray();
        _accepted = [_secret, .. accepted.Where(a => a is not null).Select(a => a.ToArray())];
    }

    /// <summary>This node's proof, with its own secret.</summary>
    public byte[] Compute(ProofDirection direction, in ProofContext context) => Compute(_secret, direction, context);

    /// <summary>True when <paramref name="proof"/> was made with this node's secret or one it accepts.
    /// Every accepted secret is tried, in constant time per secret.</summary>
    public bool Verify(ProofDirection direction, in ProofContext context, ReadOnlySpan<byte> proof)
    {
        var ok = false;
        foreach (var secret in _accepted)
        {
            ok |= CryptographicOperations.FixedTimeEquals(Compute(secret, direction, context), proof);
        }

        return ok;
    }

    /// <summary>The proof over <paramref name="context"/> with <paramref name="secret"/>.</summary>
    public static byte[] Compute(ReadOnlySpan<byte> secret, ProofDirection direction, in ProofContext context)
    {
        var label = direction == ProofDirection.Acceptor ? AcceptorLabel : DialerLabel;
        var cluster = Encoding.UTF8.GetBytes(context.ClusterId);
        var input = new byte[label.Length + (2 * ControlFrames.NonceBytes) + 8 + 2 + cluster.Length + 8 + 8];
        var p = 0;
        label.CopyTo(input, p);
        p += label.Length;
        context.DialerNonce.Span.CopyTo(input.AsSpan(p, ControlFrames.NonceBytes));
        p += ControlFrames.NonceBytes;
        context.AcceptorNonce.Span.CopyTo(input.AsSpan(p, ControlFrames.NonceBytes));
        p += ControlFrames.NonceBytes;
        BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(p), context.DialerInstance);
        p += 8;
        BinaryPrimitives.WriteUInt16LittleEndian(input.AsSpan(p), (ushort)cluster.Length);
        p += 2;
        cluster.CopyTo(input, p);
        p += cluster.Length;
        BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(p), context.DialerId);
        p += 8;
        BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(p), context.AcceptorId);
        return HMACSHA256.HashData(secret, input);
    }

    /// <summary>A fresh random nonce.</summary>
    public static byte[] NewNonce() => RandomNumberGenerator.GetBytes(ControlFrames.NonceBytes);
}

/// <summary>What a handshake proof covers.</summary>
internal readonly record struct ProofContext(
    ReadOnlyMemory<byte> DialerNonce,
    ReadOnlyMemory<byte> AcceptorNonce,
    ulong DialerInstance,
    string ClusterId,
    ulong DialerId,
    ulong AcceptorId);
