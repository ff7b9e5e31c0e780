namespace HaCore.Raft.Tracker;

/// <summary>The membership in force and, on a leader, the progress of every member; votes on a candidate.</summary>
internal sealed class ProgressTracker
{
    private readonly int _maxInflight;
    private readonly long _maxInflightBytes;
    private readonly Dictionary<ulong, bool> _votes = [];
    private ulong[] _voterIds = [];

    public ProgressTracker(int maxInflight, long maxInflightBytes)
    {
        _maxInflight = maxInflight;
        _maxInflightBytes = maxInflightBytes;
    }

    public ConfState Config { get; private set; } = ConfState.Empty;

    /// <summary>Progress of every voter and learner, by id.</summary>
    public Dictionary<ulong, Progress> Progress { get; } = [];

    public ReadOnlySpan<ulong> VoterIds => _voterIds;

    public bool IsVoter(ulong id) => Array.IndexOf(_voterIds, id) >= 0;

    /// <summary>Switches to <paramref name="config"/>, keeping the progress of members that stay and
    /// creating progress for new ones with <c>Next = nextIndex</c>.</summary>
    public void SetConfig(ConfState config, ulong nextIndex)
    {
        Config = config;
        _voterIds = [.. config.Voters];
        foreach (var id in Progress.Keys.ToArray())
        {
            if (!config.Contains(id))
            {
                Progress.Remove(id);
            }
        }

        foreach (var id in config.Voters)
        {
            AddOrUpdate(id, isLearner: false, nextIndex);
        }

        foreach (var id in config.Learners)
        {
            AddOrUpdate(id, isLearner: true, nextIndex);
        }
    }

    private void AddOrUpdate(ulong id, bool isLearner, ulong nextIndex)
    {
        if (Progress.TryGetValue(id, out var pr))
        {
            pr.IsLearner = isLearner;
            return;
        }

        // A new member starts in probe at the leader's last index, and counts as active so that
        // check-quorum does not step the leader down before it has had a chance to answer.
        Progress[id] = new Progress(_maxInflight, _maxInflightBytes, isLearner)
        {
            Next = Math.Max(nextIndex, 1),
            RecentActive = true,
        };
    }

    /// <summary>The highest index acknowledged by a majority of voters.</summary>
    public ulong Committed()
    {
        Span<ulong> matches = _voterIds.Length <= 16 ? stackalloc ulong[16] : new ulong[_voterIds.Length];
        matches = matches[.._voterIds.Length];
        for (var i = 0; i < _voterIds.Length; i++)
        {
            matches[i] = Progress[_voterIds[i]].Match;
        }

        return MajorityQuorum.CommittedIndex(matches);
    }

    /// <summary>True when a majority of voters (counting <paramref name="self"/>) were recently active.</summary>
    public bool QuorumActive(ulong self)
    {
        var active = 0;
        foreach (var id in _voterIds)
        {
            if (id == self || Progress[id].RecentActive)
            {
                active++;
            }
        }

        return _voterIds.Length == 0 || active >= MajorityQuorum.Size(_voterIds.Length);
    }

    public void ResetVotes() => _votes.Clear();

    /// <summary>Records a vote (the first one from a voter counts) and returns the tally.</summary>
    public VoteResult RecordVote(ulong id, bool granted, out int grants, out int rejects)
    {
        if (IsVoter(id))
        {
            _votes.TryAdd(id, granted);
        }

        grants = 0;
        rejects = 0;
        foreach (var (voter, vote) in _votes)
        {
            if (!IsVoter(voter))
            {
                continue;
            }

            if (vote)
            {
                grants++;
            }
            else
            {
                rejects++;
            }
        }

        return MajorityQuorum.Tally(_voterIds.Length, grants, rejects);
    }
}
