namespace HaCore.ContactCenter;

// ConfigApplied: configuration (options, DN table, policies) goes through the log (S0, invariant 13).
public sealed partial class ContactCenterStateMachine
{
    private RejectReason HandleConfigApplied(ConfigApplied c)
    {
        if (c.Version <= _config.ConfigVersion)
        {
            return Fail(RejectReason.StaleConfigVersion, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"config version {c.Version} is not newer than {_config.ConfigVersion}"));
        }

        RejectReason r = ValidateDnDelta(c, out _);
        if (r == RejectReason.None)
        {
            r = CheckConfig(c);
        }

        // Invariant 13: the committed hash is the hash of the committed configuration, so nodes compare
        // configurations by it. O(DNs) per change; configuration changes are rare.
        if (r == RejectReason.None && !c.Hash.Span.SequenceEqual(ConfigHashAfter(c)))
        {
            r = Fail(RejectReason.ConfigHashMismatch, "the hash is not the SHA-256 of the configuration after this change (ComputeConfigHash)");
        }

        if (r != RejectReason.None)
        {
            return r;
        }

        foreach (DnId removal in c.DnRemovals)
        {
            var key = DnKey.From(removal);
            Assign(key, string.Empty);
            _dns.Remove(key);
        }

        foreach (Dn upsert in c.DnUpserts)
        {
            var key = DnKey.From(upsert.Id!);
            if (!_dns.TryGetValue(key, out Dn? dn))
            {
                dn = new Dn { Id = upsert.Id!.Clone() };
                _dns.Add(key, dn);
            }

            dn.Type = upsert.Type;
            dn.Place = upsert.Place;
            dn.Register = upsert.Register;
            dn.PeerDn = upsert.PeerDn?.Clone();
            dn.Site = upsert.Site;
        }

        foreach (KvPair option in c.Options)
        {
            int i = FindOption(option.Key);
            if (i >= 0)
            {
                _config.Options[i] = option.Clone();
            }
            else
            {
                _config.Options.Insert(~i, option.Clone());
            }
        }

        foreach (string removed in c.RemovedOptions)
        {
            int i = FindOption(removed);
            if (i >= 0)
            {
                _config.Options.RemoveAt(i);
            }
        }

        _config.ConfigVersion = c.Version;
        _config.ConfigHash = c.Hash;
        _config.LoginConflictPolicy = c.LoginConflictPolicy;
        Emit(EventKind.ConfigApplied).Key = c.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return RejectReason.None;
    }

    private int FindOption(string key)
    {
        var options = _config.Options;
        int lo = 0, hi = options.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int cmp = string.CompareOrdinal(options[mid].Key, key);
            if (cmp == 0)
            {
                return mid;
            }

            if (cmp < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return ~lo;
    }

    private RejectReason ValidateDnDelta(ConfigApplied c, out Dictionary<DnKey, Dn> upserts)
    {
        upserts = new Dictionary<DnKey, Dn>();
        foreach (KvPair option in c.Options)
        {
            if (option.Key.Length == 0)
            {
                return Fail(RejectReason.InvalidArgument, "an option needs a name");
            }
        }

        foreach (Dn upsert in c.DnUpserts)
        {
            if (upsert.Id is null || upsert.Id.Number.Length == 0)
            {
                return Fail(RejectReason.InvalidArgument, "a DN needs a number");
            }

            var key = DnKey.From(upsert.Id);
            if (!upserts.TryAdd(key, upsert))
            {
                return Fail(RejectReason.InvalidArgument, "a DN appears twice in one configuration delta");
            }

            // A DN with a logged-in agent keeps its place (invariant 2).
            if (_dns.TryGetValue(key, out Dn? current) && current.LoggedInAgent.Length != 0
                && !string.Equals(current.Place, upsert.Place, StringComparison.Ordinal))
            {
                return Fail(RejectReason.DnInUse, "the place of a DN with a logged-in agent cannot change");
            }
        }

        var removals = new HashSet<DnKey>();
        foreach (DnId removal in c.DnRemovals)
        {
            var key = DnKey.From(removal);
            if (!_dns.TryGetValue(key, out Dn? dn))
            {
                return Fail(RejectReason.UnknownDn, "cannot remove unknown DN " + removal.Number);
            }

            if (upserts.ContainsKey(key) || !removals.Add(key))
            {
                return Fail(RejectReason.InvalidArgument, "a DN is both removed and upserted, or removed twice");
            }

            if (dn.ActiveCalls.Count != 0 || dn.LoggedInAgent.Length != 0 || _subscriberCounts.ContainsKey(key)
                || _isccResourceHolders.ContainsKey(key))
            {
                return Fail(RejectReason.DnInUse, "the DN has calls, an agent, subscribers or an ISCC hold");
            }
        }

        if (removals.Count != 0)
        {
            // Configuration changes are rare: a scan keeps peer DNs and agent queues from dangling.
            foreach (Dn other in _dns.Values)
            {
                if (other.PeerDn is { Number.Length: > 0 } peer && removals.Contains(DnKey.From(peer))
                    && !removals.Contains(DnKey.From(other.Id!)) && !upserts.ContainsKey(DnKey.From(other.Id!)))
                {
                    return Fail(RejectReason.DnInUse, "the DN is the peer of another DN");
                }
            }

            foreach (Agent agent in _agents.Values)
            {
                if (agent.Queue is { Number.Length: > 0 } queue && removals.Contains(DnKey.From(queue)))
                {
                    return Fail(RejectReason.DnInUse, "the DN is the queue of a logged-in agent");
                }
            }
        }

        // SIP BC: the preferred and the peer extension DN share a place (S4, invariant 2).
        foreach (Dn upsert in c.DnUpserts)
        {
            if (upsert.PeerDn is null || upsert.PeerDn.Number.Length == 0)
            {
                continue;
            }

            var peerKey = DnKey.From(upsert.PeerDn);
            Dn? peer = upserts.GetValueOrDefault(peerKey)
                ?? (removals.Contains(peerKey) ? null : _dns.GetValueOrDefault(peerKey));
            if (peer is null)
            {
                return Fail(RejectReason.UnknownDn, "unknown peer DN " + upsert.PeerDn.Number);
            }

            if (!string.Equals(peer.Place, upsert.Place, StringComparison.Ordinal))
            {
                return Fail(RejectReason.PlaceMismatch, "a DN and its peer DN must share a place");
            }
        }

        return RejectReason.None;
    }
}
