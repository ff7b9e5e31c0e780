using HaCore.Raft;
using HaCore.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HaCore.Fuzz.Targets;

/// <summary>The receiving node of the transport targets: production limits, accepts every snapshot.</summary>
internal sealed class RecordingReceiver : ISnapshotReceiver
{
    /// <summary>The transport's default snapshot limit (<see cref="TcpTransportOptions.MaxSnapshotBytes"/>).</summary>
    public static readonly long DefaultMaxSnapshotBytes = new TcpTransportOptions { NodeId = TransportSeeds.Receiver, ClusterId = "fuzz" }.MaxSnapshotBytes;

    public ulong LocalId => TransportSeeds.Receiver;

    public long MaxSnapshotBytes { get; init; } = DefaultMaxSnapshotBytes;

    public ILogger Logger => NullLogger.Instance;

    public List<Message> Delivered { get; } = [];

    public bool Deliver(in Message message)
    {
        Delivered.Add(message);
        return true;
    }

    public void CountDropped()
    {
    }
}
