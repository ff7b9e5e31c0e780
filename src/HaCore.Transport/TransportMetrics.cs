using System.Diagnostics.Metrics;

namespace HaCore.Transport;

/// <summary>The instruments of one transport, on a meter named <see cref="MeterName"/>.</summary>
internal sealed class TransportMetrics : IDisposable
{
    public const string MeterName = "HaCore.Transport";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public TransportMetrics(IMeterFactory? meterFactory, ulong nodeId, Func<long> queueBytes, Func<long> queueFrames)
    {
        var tags = new KeyValuePair<string, object?>[] { new("hacore.node_id", nodeId) };
        if (meterFactory is null)
        {
            _meter = new Meter(MeterName, version: null, tags);
            _ownsMeter = true;
        }
        else
        {
            _meter = meterFactory.Create(new MeterOptions(MeterName) { Tags = tags });
        }

        BytesSent = _meter.CreateCounter<long>("hacore.transport.bytes_sent", "By", "Bytes written to peer connections.");
        BytesReceived = _meter.CreateCounter<long>("hacore.transport.bytes_received", "By", "Bytes of frames read from peer connections.");
        FramesSent = _meter.CreateCounter<long>("hacore.transport.frames_sent", "{frame}", "Frames written to peer connections.");
        FramesReceived = _meter.CreateCounter<long>("hacore.transport.frames_received", "{frame}", "Frames read from peer connections.");
        Reconnects = _meter.CreateCounter<long>("hacore.transport.reconnects", "{connection}", "Outbound connections lost or failed, followed by a reconnect attempt.");
        Dropped = _meter.CreateCounter<long>("hacore.transport.messages_dropped", "{message}", "Messages dropped: queue full, unknown peer, oversized, inbound queue full, lost with a connection.");
        MalformedFrames = _meter.CreateCounter<long>("hacore.transport.malformed_frames", "{frame}", "Malformed or oversized inbound frames (each closes its connection).");
        ConnectionsRefused = _meter.CreateCounter<long>("hacore.transport.connections_refused", "{connection}", "Inbound connections closed before or at their handshake, tagged with the reason (inbound_limit, pending_evicted, handshake_timeout, closed_before_handshake, handshake_refused, tls, malformed).");
        Throttled = _meter.CreateCounter<long>("hacore.transport.throttled", "{wait}", "Waits imposed by a rate limit, tagged with the limit (inbound_frames: MaxInboundFramesPerSecond, per connection).");
        _meter.CreateObservableGauge("hacore.transport.queue_bytes", queueBytes, "By", "Bytes held by the frames waiting in the outbound peer queues (their lengths and a fixed per-frame overhead).");
        _meter.CreateObservableGauge("hacore.transport.queue_frames", queueFrames, "{frame}", "Frames waiting in the outbound peer queues.");
    }

    public Counter<long> BytesSent { get; }

    public Counter<long> BytesReceived { get; }

    public Counter<long> FramesSent { get; }

    public Counter<long> FramesReceived { get; }

    public Counter<long> Reconnects { get; }

    public Counter<long> Dropped { get; }

    public Counter<long> MalformedFrames { get; }

    public Counter<long> ConnectionsRefused { get; }

    public Counter<long> Throttled { get; }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
