using System.Globalization;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using HaCore.LoadTest.Etcd;

namespace HaCore.LoadTest;

/// <summary>
/// etcd's client for the driver: KV.Put and KV.Range over gRPC (Grpc.Net.Client, HTTP/2 without TLS), a few
/// channels (one HTTP/2 connection each) to one member, the leader at first. Linearizable reads are Range with
/// serializable = false, lease reads serializable = true (etcd serves those from the member, without a quorum).
/// Unavailable (the member died, or "leader changed") moves it to the next member; it retries until the token ends.
/// </summary>
internal sealed class EtcdKvClient : IKvClient
{
    private readonly string[] _endpoints;
    private readonly int _channelsPerEndpoint;
    private readonly Lock _lock = new();
    private GrpcChannel[] _channels = [];
    private KV.KVClient[] _clients = [];
    private int _current;
    private Task? _moving;
    private long _next;
    private long _retries;

    public EtcdKvClient(IReadOnlyList<string> endpoints, int first, int channelsPerEndpoint)
    {
        _endpoints = [.. endpoints];
        _channelsPerEndpoint = channelsPerEndpoint;
        Open(first);
    }

    public long Retries => Interlocked.Read(ref _retries);

    public static byte[] Key(int key) => Encoding.ASCII.GetBytes("k" + key.ToString("D5", CultureInfo.InvariantCulture));

    public static GrpcChannel NewChannel(string endpoint) => GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        },
        MaxRetryAttempts = 0,
    });

    private void Open(int endpoint)
    {
        var channels = Enumerable.Range(0, _channelsPerEndpoint).Select(_ => NewChannel(_endpoints[endpoint])).ToArray();
        GrpcChannel[] old;
        lock (_lock)
        {
            old = _channels;
            _channels = channels;
            _clients = [.. channels.Select(c => new KV.KVClient(c))];
            _current = endpoint;
        }

        foreach (var c in old)
        {
            c.Dispose();
        }
    }

    private (KV.KVClient Client, int Endpoint) Pick()
    {
        lock (_lock)
        {
            return (_clients[(int)((ulong)Interlocked.Increment(ref _next) % (ulong)_clients.Length)], _current);
        }
    }

    /// <summary>
    /// After <paramref name="failed"/> broke: asks the other members (Maintenance.Status, 200 ms each) which one
    /// leads, for up to 2 s, and moves there, as hacore-network's client follows NOT_LEADER hints; the next member
    /// when none says it leads. One caller looks; the others wait for its answer.
    /// </summary>
    private Task MoveOnAsync(int failed)
    {
        Interlocked.Increment(ref _retries);
        lock (_lock)
        {
            if (_current != failed)
            {
                return Task.CompletedTask; // another caller moved already
            }

            if (_moving is { IsCompleted: false } moving)
            {
                return moving;
            }

            _moving = Task.Run(async () =>
            {
                var until = DateTime.UtcNow + TimeSpan.FromSeconds(2);
                while (DateTime.UtcNow < until)
                {
                    for (var i = 0; i < _endpoints.Length; i++)
                    {
                        if (i == failed)
                        {
                            continue;
                        }

                        try
                        {
                            using var channel = NewChannel(_endpoints[i]);
                            var status = await new Maintenance.MaintenanceClient(channel)
                                .StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddMilliseconds(200)).ResponseAsync.ConfigureAwait(false);
                            if (status.Leader != 0 && status.Leader == status.Header.MemberId)
                            {
                                Open(i);
                                return;
                            }
                        }
                        catch (RpcException)
                        {
                        }
                    }

                    await Task.Delay(10).ConfigureAwait(false);
                }

                Open((failed + 1) % _endpoints.Length);
            });
            return _moving;
        }
    }

    private static bool Retryable(RpcException ex) =>
        ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown
        || (ex.StatusCode == StatusCode.DeadlineExceeded)
        || ex.Status.Detail.Contains("leader changed", StringComparison.Ordinal)
        || ex.Status.Detail.Contains("no leader", StringComparison.Ordinal);

    private async Task<T> CallAsync<T>(Func<KV.KVClient, CallOptions, AsyncUnaryCall<T>> call, CancellationToken ct)
    {
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var (client, endpoint) = Pick();
            try
            {
                return await call(client, new CallOptions(cancellationToken: ct)).ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException ex) when (!ct.IsCancellationRequested && Retryable(ex))
            {
                // A dead member answers Unavailable; an election answers "leader changed" or "request timed out".
                if (ex.StatusCode == StatusCode.Unavailable && !ex.Status.Detail.Contains("leader changed", StringComparison.Ordinal))
                {
                    await MoveOnAsync(endpoint).WaitAsync(ct).ConfigureAwait(false);
                }
                else
                {
                    Interlocked.Increment(ref _retries);
                }

                await Task.Delay(10, ct).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
            {
                throw new OperationCanceledException(ct);
            }
        }
    }

    public async ValueTask PutAsync(int key, byte[] value, CancellationToken ct)
    {
        var request = new PutRequest { Key = Key(key), Value = value };
        await CallAsync((c, o) => c.PutAsync(request, o), ct).ConfigureAwait(false);
    }

    public async ValueTask<int> GetAsync(int key, ReadMode mode, CancellationToken ct)
    {
        var request = new RangeRequest { Key = Key(key), Serializable = mode == ReadMode.Lease };
        var response = await CallAsync((c, o) => c.RangeAsync(request, o), ct).ConfigureAwait(false);
        return response.Kvs.Count > 0 ? response.Kvs[0].Value.Length : -1;
    }

    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            foreach (var c in _channels)
            {
                c.Dispose();
            }

            _channels = [];
        }

        return ValueTask.CompletedTask;
    }
}
