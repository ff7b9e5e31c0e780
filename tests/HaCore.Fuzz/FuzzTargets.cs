using HaCore.Fuzz.Targets;

namespace HaCore.Fuzz;

/// <summary>Every fuzz target, by name.</summary>
public static class FuzzTargets
{
    /// <summary>All targets, in the order the docs list them.</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new TransportFramesTarget(),
        new HandshakeTarget(),
        new TlsHandshakeTarget(),
        new TlsSessionTarget(),
        new PeerCertificateTarget(),
        new RaftMessageTarget(),
        new SnapshotChunksTarget(),
        new WalSegmentTarget(),
        new SnapshotFileTarget(),
        new ContactCenterCommandTarget(),
        new ContactCenterSnapshotTarget(),
        new AdminProtocolTarget(),
        new SipMessageTarget(),
        new DesktopRequestTarget(),
    ];

    /// <summary>The target called <paramref name="name"/>, or null.</summary>
    /// <param name="name">A target name.</param>
    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
