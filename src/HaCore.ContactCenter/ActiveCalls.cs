namespace HaCore.ContactCenter;

/// <summary>
/// <c>Dn.active_calls</c> is kept sorted by ConnId: a lookup is a binary search (O(log n)), adding a new call is an
/// append (ConnIds only grow), and the snapshot order is the ConnId order, deterministic on every replica.
/// </summary>
internal static class ActiveCalls
{
    public static bool Has(List<ulong> calls, ulong connId) => calls.BinarySearch(connId) >= 0;

    public static void Add(List<ulong> calls, ulong connId)
    {
        if (calls.Count == 0 || calls[^1] < connId)
        {
            calls.Add(connId);
            return;
        }

        int i = calls.BinarySearch(connId);
        if (i < 0)
        {
            calls.Insert(~i, connId);
        }
    }

    public static void Remove(List<ulong> calls, ulong connId)
    {
        int i = calls.BinarySearch(connId);
        if (i >= 0)
        {
            calls.RemoveAt(i);
        }
    }

    /// <summary>Sorts a list read from a snapshot of format 2 or older (insertion order), dropping repeats.</summary>
    public static void Normalize(List<ulong> calls)
    {
        calls.Sort();
        int w = 0;
        for (int r = 0; r < calls.Count; r++)
        {
            if (w == 0 || calls[w - 1] != calls[r])
            {
                calls[w++] = calls[r];
            }
        }

        calls.RemoveRange(w, calls.Count - w);
    }
}
