using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace HaCore;

/// <summary>
/// The admin endpoint's wire protocol, shared by <see cref="AdminServer"/> and <see cref="AdminClient"/>: JSON, one
/// object per line (UTF-8, at most <see cref="MaxLineBytes"/>), after a challenge-response on a shared secret.
/// <list type="number">
/// <item>server: <c>{"protocol":"hacore-admin/1","node":N,"nonce":"&lt;32 hex bytes&gt;"}</c></item>
/// <item>client: <c>{"nonce":"&lt;32 hex bytes&gt;","proof":"&lt;hex&gt;"}</c>, the proof being
/// HMAC-SHA256(secret, client label | server nonce | client nonce | node id)</item>
/// <item>server: <c>{"ok":true,"proof":"&lt;hex&gt;"}</c> with the server label, so the client knows it talks to a
/// holder of the secret too; or <c>{"ok":false,...}</c> and the connection closes.</item>
/// </list>
/// Then requests (<c>{"op":"status"}</c>, ...) and answers (<c>{"ok":true,...}</c> or
/// <c>{"ok":false,"error":"&lt;exception type&gt;","message":"...","leader":N}</c>). The secret never crosses the
/// wire, and a fresh nonce on each side makes a recorded handshake useless.
/// </summary>
internal static class AdminProtocol
{
    public const string Name = "hacore-admin/1";
    public const int MaxLineBytes = 8 << 10;
    public const int NonceBytes = 32;
    private static readonly byte[] ClientLabel = Encoding.ASCII.GetBytes("HaCore admin v1 client proof\0");
    private static readonly byte[] ServerLabel = Encoding.ASCII.GetBytes("HaCore admin v1 server proof\0");

    private static readonly System.Text.Json.JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = 8 };

    public static byte[] NewNonce() => RandomNumberGenerator.GetBytes(NonceBytes);

    /// <summary>One line as a JSON object, or null when it is JSON of another kind.</summary>
    /// <exception cref="System.Text.Json.JsonException">Not JSON, a property twice (the fuzzer found that a repeated
    /// key made reading the object throw <see cref="ArgumentException"/>), or nested deeper than 8.</exception>
    public static System.Text.Json.Nodes.JsonObject? Parse(string line) =>
        System.Text.Json.Nodes.JsonNode.Parse(line, documentOptions: Strict) as System.Text.Json.Nodes.JsonObject;

    public static byte[] ClientProof(byte[] secret, ReadOnlySpan<byte> serverNonce, ReadOnlySpan<byte> clientNonce, ulong nodeId) =>
        Proof(secret, ClientLabel, serverNonce, clientNonce, nodeId);

    public static byte[] ServerProof(byte[] secret, ReadOnlySpan<byte> serverNonce, ReadOnlySpan<byte> clientNonce, ulong nodeId) =>
        Proof(secret, ServerLabel, serverNonce, clientNonce, nodeId);

    private static byte[] Proof(byte[] secret, byte[] label, ReadOnlySpan<byte> serverNonce, ReadOnlySpan<byte> clientNonce, ulong nodeId)
    {
        var input = new byte[label.Length + serverNonce.Length + clientNonce.Length + 8];
        label.CopyTo(input, 0);
        serverNonce.CopyTo(input.AsSpan(label.Length));
        clientNonce.CopyTo(input.AsSpan(label.Length + serverNonce.Length));
        BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(input.Length - 8), nodeId);
        return HMACSHA256.HashData(secret, input);
    }
}

/// <summary>Reads lines of at most <see cref="AdminProtocol.MaxLineBytes"/> from a stream, without buffering more.</summary>
internal sealed class BoundedLineReader(Stream stream)
{
    private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);
    private readonly byte[] _buffer = new byte[AdminProtocol.MaxLineBytes + 1];
    private int _start;
    private int _end;

    /// <summary>The next line without its end, or null at the end of the stream.</summary>
    /// <exception cref="InvalidDataException">The line is longer than the limit, or not UTF-8.</exception>
    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var from = _start;
                _start = newline + 1;
                try
                {
                    return Strict.GetString(_buffer, from, newline - from).TrimEnd('\r');
                }
                catch (DecoderFallbackException ex)
                {
                    throw new InvalidDataException("A line is not UTF-8.", ex);
                }
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end >= AdminProtocol.MaxLineBytes)
            {
                throw new InvalidDataException($"A line is longer than {AdminProtocol.MaxLineBytes} bytes.");
            }

            var read = await stream.ReadAsync(_buffer.AsMemory(_end, _buffer.Length - 1 - _end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }

            _end += read;
        }
    }
}
