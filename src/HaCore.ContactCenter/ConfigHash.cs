using System.Buffers;
using System.Security.Cryptography;
using MessagePack;

namespace HaCore.ContactCenter;

// Invariant 13 (config equality): the committed ConfigHash is the SHA-256 of the committed configuration, checked
// in Apply, so a node compares its own configuration with the committed one by hash (ConfigMatches).
public sealed partial class ContactCenterStateMachine
{
    /// <summary>
    /// The configuration hash of DOMAIN.md invariant 13: SHA-256 over the canonical MessagePack encoding of the
    /// login-conflict policy, the options sorted by key (ordinal) and the DN table sorted by (switch, number), each DN
    /// as its configured fields only (ID, type, place, register flag, peer DN, site; not its calls, agent or flags).
    /// The version is not part of it: two nodes with the same configuration have the same hash.
    /// </summary>
    /// <param name="dns">The whole DN table.</param>
    /// <param name="options">All options (keys unique).</param>
    /// <param name="loginConflictPolicy">The login-conflict policy.</param>
    /// <returns>32 bytes.</returns>
    public static byte[] ComputeConfigHash(IEnumerable<Dn> dns, IEnumerable<KvPair> options, LoginConflictPolicy loginConflictPolicy)
    {
        ArgumentNullException.ThrowIfNull(dns);
        ArgumentNullException.ThrowIfNull(options);
        Dn[] table = dns.ToArray();
        Array.Sort(table, (a, b) => DnKey.From(a.Id!).CompareTo(DnKey.From(b.Id!)));
        KvPair[] sorted = options.ToArray();
        Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(3);
        writer.Write((int)loginConflictPolicy);
        writer.WriteArrayHeader(sorted.Length);
        foreach (KvPair option in sorted)
        {
            MessagePackSerializer.Serialize(ref writer, option, Contract.Options);
        }

        writer.WriteArrayHeader(table.Length);
        foreach (Dn dn in table)
        {
            writer.WriteArrayHeader(6);
            MessagePackSerializer.Serialize(ref writer, dn.Id, Contract.Options);
            writer.Write((int)dn.Type);
            writer.Write(dn.Place);
            writer.Write((int)dn.Register);
            MessagePackSerializer.Serialize(ref writer, dn.PeerDn, Contract.Options);
            writer.Write(dn.Site);
        }

        writer.Flush();
        return SHA256.HashData(buffer.WrittenSpan);
    }

    /// <summary>The hash (<see cref="ComputeConfigHash"/>) of the configuration <paramref name="delta"/> would leave,
    /// applied to this state: what a proposer puts in <see cref="ConfigApplied.Hash"/>.</summary>
    /// <param name="delta">The change.</param>
    /// <returns>32 bytes.</returns>
    public byte[] ConfigHashAfter(ConfigApplied delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        var dns = new Dictionary<DnKey, Dn>(_dns);
        foreach (DnId removal in delta.DnRemovals)
        {
            dns.Remove(DnKey.From(removal));
        }

        foreach (Dn upsert in delta.DnUpserts)
        {
            if (upsert.Id is not null)
            {
                dns[DnKey.From(upsert.Id)] = upsert;
            }
        }

        var options = new Dictionary<string, KvPair>(StringComparer.Ordinal);
        foreach (KvPair option in _config.Options)
        {
            options[option.Key] = option;
        }

        foreach (KvPair option in delta.Options)
        {
            options[option.Key] = option;
        }

        foreach (string removed in delta.RemovedOptions)
        {
            options.Remove(removed);
        }

        return ComputeConfigHash(dns.Values, options.Values, delta.LoginConflictPolicy);
    }

    /// <summary>Whether <paramref name="localHash"/> (a node's own configuration, by <see cref="ComputeConfigHash"/>)
    /// is the committed configuration's hash. Invariant 13: a node for which this is false must not lead.</summary>
    /// <param name="localHash">The node's configuration hash.</param>
    /// <returns>True when they are equal.</returns>
    public bool ConfigMatches(ReadOnlySpan<byte> localHash) => localHash.SequenceEqual(_config.ConfigHash.Span);

    /// <summary>
    /// Invariant 13 for the runtime (<see cref="ILeadershipGate"/>): why this node must not lead, or
    /// <see langword="null"/>. A node refuses leadership while a configuration is committed whose hash differs from
    /// <see cref="ContactCenterOptions.LocalConfigHash"/>; with no local hash, or nothing committed yet, it may lead.
    /// </summary>
    public string? LeadershipRefusal
    {
        get
        {
            var local = _options.LocalConfigHash;
            if (local.IsEmpty || _config.ConfigHash.IsEmpty)
            {
                return null;
            }

            if (!ReferenceEquals(_refusalFor, _config) || _refusalVersion != _config.ConfigVersion)
            {
                (_refusalFor, _refusalVersion) = (_config, _config.ConfigVersion);
                _refusal = ConfigMatches(local.Span) ? null : string.Create(
                    System.Globalization.CultureInfo.InvariantCulture,
                    $"its configuration hash {Convert.ToHexString(local.Span)[..16]}... differs from the committed one {Convert.ToHexString(_config.ConfigHash.Span)[..16]}... (config version {_config.ConfigVersion}); invariant 13: make its configuration (DNs, options, login conflict policy) equal to the committed one, or commit a ConfigApplied");
            }

            return _refusal;
        }
    }
}
