using HaCore.Raft;
using HaCore.Testing.Simulation;
using HaCore.Transport;

namespace HaCore.Testing.WholeNode;

/// <summary>
/// A node's transport in the whole-node simulator: what it sends goes into the shared <see cref="SimNetwork"/>
/// (loss, duplication, delay, partitions), deep-copied, since the sender's memory is only valid until Advance.
/// </summary>
internal sealed class SimTransport(ulong localId, SimNetwork network, Func<long> now) : IRaftTransport
{
    public ulong LocalId => localId;

    public IReadOnlyCollection<PeerAddress> Peers { get; private set; } = [];

    public ValueTask StartAsync(IRaftMessageSink sink, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public void SetPeers(IReadOnlyCollection<PeerAddress> peers) => Peers = peers;

    public bool TrySend(in Message message)
    {
        var entries = new Entry[message.Entries.Length];
        var span = message.Entries.Span;
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = span[i] with { Data = span[i].Data.ToArray() };
        }

        var snapshot = message.Snapshot is { } s ? s with { Data = s.Data.ToArray() } : null;
        network.Send(message with { Entries = entries, Snapshot = snapshot }, now());
        return true;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
