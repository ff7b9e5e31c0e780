using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HaCore.Testing.Chaos;

/// <summary>A reused connection to a node's client port: one request line, one answer line. A request that gets
/// no answer in time drops the connection (a late answer must not be read as the next one's).</summary>
public sealed class LineConnection(Func<int> port, ulong node) : IDisposable
{
    private TcpClient? _client;
    private StreamReader? _reader;
    private NetworkStream? _stream;

    public ulong Node { get; } = node;

    /// <exception cref="IOException">No answer in time, or the connection failed.</exception>
    public async Task<string> SendAsync(string request, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            if (_client is null)
            {
                _client = new TcpClient { NoDelay = true };
                await _client.ConnectAsync(IPAddress.Loopback, port(), cts.Token);
                _stream = _client.GetStream();
                _reader = new StreamReader(_stream, Encoding.UTF8);
            }

            await _stream!.WriteAsync(Encoding.UTF8.GetBytes(request + "\n"), cts.Token);
            return await _reader!.ReadLineAsync(cts.Token) ?? throw new IOException($"node {Node} closed the connection");
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            Dispose();
            throw new IOException($"node {Node}: {ex.Message}", ex);
        }
    }

    public void Dispose()
    {
        _reader?.Dispose();
        _stream?.Dispose();
        _client?.Dispose();
        (_client, _reader, _stream) = (null, null, null);
    }
}
