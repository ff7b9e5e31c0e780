using System.Globalization;

namespace HaCore.ContactCenter;

// The bounds of ContactCenterOptions: every check runs before the command changes anything, so a
// command over a limit is rejected with LimitExceeded and leaves the state as it was.
public sealed partial class ContactCenterStateMachine
{
    // Derived (rebuilt on restore): the number of subscriptions of all sessions.
    private int _subscriptionTotal;

    private RejectReason Limit(long wouldBe, int max, string what) =>
        wouldBe <= max
            ? RejectReason.None
            : Fail(RejectReason.LimitExceeded, string.Create(CultureInfo.InvariantCulture, $"{what}: {wouldBe} would exceed the limit of {max}"));

    private static long SizeOf(List<KvPair> pairs)
    {
        long size = 0;
        for (int i = 0; i < pairs.Count; i++)
        {
            size += Contract.SizeOf(pairs[i]);
        }

        return size;
    }

    private RejectReason CheckKeyValueList(List<KvPair> pairs, string what) =>
        Limit(SizeOf(pairs), _options.MaxKeyValueListBytes, what + " bytes");

    // The user data of the call after upserting the pairs: keys and bytes.
    private RejectReason CheckUserData(Call? call, List<KvPair> pairs)
    {
        long bytes = call is null ? 0 : SizeOf(call.UserData);
        long keys = call?.UserData.Count ?? 0;
        for (int i = 0; i < pairs.Count; i++)
        {
            int existing = call is null ? -1 : FindUserData(call, pairs[i].Key);
            if (existing >= 0)
            {
                bytes -= Contract.SizeOf(call!.UserData[existing]);
            }
            else
            {
                keys++;
            }

            bytes += Contract.SizeOf(pairs[i]);
        }

        RejectReason r = Limit(keys, _options.MaxUserDataKeys, "user-data keys of the call");
        return r != RejectReason.None ? r : Limit(bytes, _options.MaxUserDataBytes, "user-data bytes of the call");
    }

    private RejectReason CheckNewParty(Call call) =>
        Limit(call.Parties.Count + 1L, _options.MaxPartiesPerCall, "parties of the call");

    // What the main call would hold after the consult merges into it.
    private RejectReason CheckMerge(Call main, Call consult, bool transfer)
    {
        long parties = main.Parties.Count;
        for (int i = 0; i < consult.Parties.Count; i++)
        {
            if (FindParty(main, consult.Parties[i].Dn) < 0)
            {
                parties++;
            }
        }

        if (transfer && main.TransferInProgress is { } t && FindParty(main, t.Controller) >= 0)
        {
            parties--;
        }

        RejectReason r = Limit(parties, _options.MaxPartiesPerCall, "parties of the merged call");
        if (r != RejectReason.None)
        {
            return r;
        }

        long treatments = main.Treatments.Count;
        for (int i = 0; i < consult.Treatments.Count; i++)
        {
            if (FindTreatment(main, consult.Treatments[i].Dn) < 0)
            {
                treatments++;
            }
        }

        r = Limit(treatments, _options.MaxTreatmentsPerCall, "treatments of the merged call");
        if (r != RejectReason.None)
        {
            return r;
        }

        r = Limit((long)main.IsccLinks.Count + consult.IsccLinks.Count, _options.MaxIsccLinksPerCall, "ISCC links of the merged call");
        if (r != RejectReason.None || main.EscalationMode != EscalationMode.Inherited)
        {
            return r;
        }

        // Inherited escalation: only the consult's keys the main call lacks are added.
        var added = new List<KvPair>();
        for (int i = 0; i < consult.UserData.Count; i++)
        {
            if (FindUserData(main, consult.UserData[i].Key) < 0)
            {
                added.Add(consult.UserData[i]);
            }
        }

        return CheckUserData(main, added);
    }

    private RejectReason CheckConfig(ConfigApplied c)
    {
        long dns = _dns.Count;
        var removed = new HashSet<DnKey>();
        foreach (DnId removal in c.DnRemovals)
        {
            var key = DnKey.From(removal);
            if (_dns.ContainsKey(key) && removed.Add(key))
            {
                dns--;
            }
        }

        var added = new HashSet<DnKey>();
        foreach (Dn upsert in c.DnUpserts)
        {
            var key = DnKey.From(upsert.Id!);
            if ((!_dns.ContainsKey(key) || removed.Contains(key)) && added.Add(key))
            {
                dns++;
            }
        }

        RejectReason r = Limit(dns, _options.MaxDns, "configured DNs");
        if (r != RejectReason.None)
        {
            return r;
        }

        r = CheckKeyValueList(c.Options, "configuration options");
        if (r != RejectReason.None)
        {
            return r;
        }

        long options = _config.Options.Count;
        var newKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (KvPair option in c.Options)
        {
            if (FindOption(option.Key) < 0 && newKeys.Add(option.Key))
            {
                options++;
            }
        }

        return Limit(options, _options.MaxConfigOptions, "configuration options");
    }
}
