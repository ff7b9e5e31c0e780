namespace HaCore.Raft.Protocol;

/// <summary>Single-server membership changes (thesis §4.1), taking effect when applied.</summary>
internal sealed partial class RaftCore
{
    private ProposeResult? CheckConfChange(ReadOnlyMemory<byte> data)
    {
        ConfChange change;
        try
        {
            change = ConfChange.Decode(data.Span);
        }
        catch (FormatException)
        {
            return new ProposeResult(ProposeStatus.InvalidConfChange, 0, 0, Id);
        }

        // One change at a time, and only once the leader has committed an entry of its own term:
        // without that, a change could commit under a stale configuration (the bug Ongaro found in
        // the single-server algorithm, fixed in the thesis errata).
        if (PendingConfIndex > Log.Applied || !CommittedEntryInCurrentTerm)
        {
            return new ProposeResult(ProposeStatus.ConfChangeInProgress, 0, 0, Id);
        }

        if (Tracker.Config.Validate(change) is not null)
        {
            return new ProposeResult(ProposeStatus.InvalidConfChange, 0, 0, Id);
        }

        return null;
    }

    private void ApplyConfChange(in Entry entry)
    {
        ConfChange change;
        try
        {
            change = ConfChange.Decode(entry.Data.Span);
        }
        catch (FormatException)
        {
            // Every replica decodes the same bytes the same way: skipping is deterministic.
            return;
        }

        if (Tracker.Config.Validate(change) is not null)
        {
            // An invalid change (for example proposed by an old leader against an older membership)
            // is a no-op on every replica alike.
            return;
        }

        var wasVoter = Tracker.IsVoter(Id);
        Tracker.SetConfig(Tracker.Config.Apply(change), Log.LastIndex + 1);

        if (Role != RaftRole.Leader)
        {
            return;
        }

        if (LeadTransferee != None && !Tracker.IsVoter(LeadTransferee))
        {
            LeadTransferee = None;
        }

        if (wasVoter && !Tracker.IsVoter(Id))
        {
            // A removed leader first tells the others that the change is committed, so that the
            // remaining voters apply it and elect among themselves, then steps down.
            BroadcastAppend();
            BecomeFollower(Term, None);
            return;
        }

        // The quorum may have shrunk: entries acknowledged by the new majority may now commit.
        if (MaybeCommit())
        {
            OnCommitAdvanced();
        }
        else
        {
            BroadcastAppend();
        }
    }
}
