using System.Buffers;
using System.Buffers.Binary;

namespace HaCore;

/// <summary>
/// The runtime's own replicated state, beside the user's state machine: client sessions with their recent
/// results (exactly-once), the address book of members, and the log's clock. It changes only by applying
/// entries, so it is identical on every node, and it travels in snapshots.
/// </summary>
/// <remarks>
/// Exactly-once (Raft dissertation §6.3, with implicit registration). Invariants:
/// <list type="bullet">
/// <item>A request id is applied at most once. Its result is kept while it is among the
/// <c>resultsPerSession</c> highest sequences applied in its session; a retry is answered from there.</item>
/// <item>Sequences of one session may reach the log in any order (concurrent proposals, re-proposals after a
/// leader change): a sequence that was never applied is applied, whatever higher ones came first, as long as
/// it is above the session's discard mark (the highest sequence whose result was dropped). A client that keeps
/// at most <c>resultsPerSession</c> requests of a session outstanding is never refused a new one.</item>
/// <item>What cannot be decided is refused, never guessed: a sequence at or below the discard mark without a
/// result, and an unknown session whose sequence lies past its first window (its session expired, or it was
/// never opened here) get <see cref="RequestExpiredException"/>.</item>
/// <item>Expiry runs on the leaders' clock only: the highest timestamp of the clock entries that leaders propose
/// (<see cref="EnvelopeKind.Clock"/>), which never goes back across leader changes. A session is idle since the
/// leader clock's value when its last request was applied; the proposing node's clock plays no part, so a node
/// whose clock runs fast cannot expire sessions. Only a leader whose clock runs ahead by more than the session
/// timeout can.</item>
/// </list>
/// </remarks>
internal sealed class RuntimeState
{
    private const uint Magic = 0x33434F48; // "HOC3"
    private const uint PreviousMagic = 0x32434F48; // "HOC2": no leader clock; read for upgrades
    private readonly int _resultsPerSession;
    private readonly long _sessionTimeoutMs;

    public RuntimeState(int resultsPerSession, TimeSpan sessionTimeout)
    {
        _resultsPerSession = resultsPerSession;
        _sessionTimeoutMs = (long)sessionTimeout.TotalMilliseconds;
    }

    public SortedDictionary<Guid, Session> Sessions { get; } = [];

    /// <summary>Tests only (<see cref="HaCoreNodeOptions.UnsafeApplyRetriesTwice"/>): every request is new.</summary>
    public bool UnsafeApplyRetriesTwice { get; init; }

    public SortedDictionary<ulong, string> Addresses { get; } = [];

    public long LastTimestamp { get; private set; }

    /// <summary>The leaders' clock: the highest timestamp of any applied clock entry (0 before the first).</summary>
    public long LeaderClock { get; private set; }

    /// <summary>
    /// Applies a leader's clock entry: the clock moves forward (never back), and sessions idle for longer than the
    /// session timeout by this clock expire.
    /// </summary>
    public void AdvanceLeaderClock(long leaderTime)
    {
        if (leaderTime <= LeaderClock)
        {
            return;
        }

        if (LeaderClock == 0)
        {
            // The first clock entry: sessions recorded before it were active now.
            foreach (var session in Sessions.Values)
            {
                session.LastActive = leaderTime;
            }
        }

        LeaderClock = leaderTime;
        foreach (var id in Sessions.Where(s => LeaderClock - s.Value.LastActive > _sessionTimeoutMs).Select(s => s.Key).ToList())
        {
            Sessions.Remove(id);
        }
    }

    /// <summary>Returns the monotonic timestamp for an entry stamped <paramref name="stamped"/>.</summary>
    public long Stamp(long stamped)
    {
        LastTimestamp = Math.Max(LastTimestamp, stamped);
        return LastTimestamp;
    }

    /// <summary>The result bytes of an already applied request, or null when it is new and must be applied.</summary>
    /// <exception cref="RequestExpiredException">Whether it was applied can no longer be told.</exception>
    public byte[]? Duplicate(ClientRequestId request)
    {
        if (UnsafeApplyRetriesTwice)
        {
            return null;
        }

        if (!Sessions.TryGetValue(request.Session, out var session))
        {
            return request.Sequence <= (ulong)_resultsPerSession
                ? null
                : throw new RequestExpiredException(
                    $"Session {request.Session} is unknown (it expired, or never began with its first {_resultsPerSession} requests), so request {request.Sequence} may have been applied already. Start a new session.");
        }

        if (session.Results.TryGetValue(request.Sequence, out var result))
        {
            return result;
        }

        return request.Sequence > session.DiscardedThrough
            ? null
            : throw new RequestExpiredException(
                $"Request {request.Sequence} of session {request.Session} is older than the session's window (results up to {session.DiscardedThrough} were dropped); whether it was applied can no longer be told. Keep at most ResultsPerSession requests of a session outstanding.");
    }

    public void Record(ClientRequestId request, byte[] result)
    {
        if (!Sessions.TryGetValue(request.Session, out var session))
        {
            session = new Session();
            Sessions[request.Session] = session;
        }

        session.LastActive = Math.Max(session.LastActive, LeaderClock);
        session.Results[request.Sequence] = result;
        while (session.Results.Count > _resultsPerSession)
        {
            var oldest = session.Results.Keys[0];
            session.Results.RemoveAt(0);
            session.DiscardedThrough = Math.Max(session.DiscardedThrough, oldest);
        }
    }

    public void Write(IBufferWriter<byte> writer)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(LastTimestamp);
            w.Write(LeaderClock);
            w.Write(Sessions.Count);
            foreach (var (id, s) in Sessions)
            {
                w.Write(id.ToByteArray());
                w.Write(s.DiscardedThrough);
                w.Write(s.LastActive);
                w.Write(s.Results.Count);
                foreach (var (seq, result) in s.Results)
                {
                    w.Write(seq);
                    w.Write(result.Length);
                    w.Write(result);
                }
            }

            w.Write(Addresses.Count);
            foreach (var (id, address) in Addresses)
            {
                w.Write(id);
                w.Write(address);
            }
        }

        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, (int)buffer.Length);
        writer.Write(length);
        writer.Write(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>Reads the runtime state from the front of a snapshot; returns how many bytes it took.</summary>
    /// <exception cref="FormatException">The snapshot was not written by this runtime version, or is truncated.</exception>
    public int Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4)
        {
            throw new FormatException("The snapshot is too short to hold HaCore's runtime state.");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (length < 0 || length > data.Length - 4)
        {
            throw new FormatException($"The snapshot's runtime state claims {length} bytes; only {data.Length - 4} follow.");
        }

        try
        {
            using var r = new BinaryReader(new MemoryStream(data.Slice(4, length).ToArray()), System.Text.Encoding.UTF8);
            var magic = r.ReadUInt32();
            if (magic != Magic && magic != PreviousMagic)
            {
                throw new FormatException("The snapshot does not start with this version of HaCore's runtime state.");
            }

            Sessions.Clear();
            Addresses.Clear();
            LastTimestamp = r.ReadInt64();
            if (magic == Magic)
            {
                LeaderClock = r.ReadInt64();
            }
            else
            {
                // HOC2 kept an apply counter here and expired sessions by command timestamps: start the leader clock there.
                _ = r.ReadUInt64();
                LeaderClock = LastTimestamp;
            }
            var sessions = r.ReadInt32();
            for (var i = 0; i < sessions; i++)
            {
                var id = new Guid(r.ReadBytes(16));
                var s = new Session { DiscardedThrough = r.ReadUInt64(), LastActive = r.ReadInt64() };
                var results = r.ReadInt32();
                for (var j = 0; j < results; j++)
                {
                    var seq = r.ReadUInt64();
                    s.Results[seq] = r.ReadBytes(r.ReadInt32());
                }

                Sessions[id] = s;
            }

            var addresses = r.ReadInt32();
            for (var i = 0; i < addresses; i++)
            {
                var id = r.ReadUInt64();
                Addresses[id] = r.ReadString();
            }

            return 4 + length;
        }
        catch (EndOfStreamException ex)
        {
            throw new FormatException("The snapshot's runtime state is truncated.", ex);
        }
    }

    internal sealed class Session
    {
        /// <summary>The highest sequence whose result was dropped; anything at or below it without a result is refused.</summary>
        public ulong DiscardedThrough { get; set; }

        public long LastActive { get; set; }

        /// <summary>
        /// The kept results by sequence. A sorted list, not a tree: at most <c>resultsPerSession</c> of them, sequences
        /// arrive mostly in order (an append), and the oldest is dropped by index, so a write allocates no tree node
        /// and no enumerator (a <c>SortedDictionary</c> allocated both for every applied command).
        /// </summary>
        public SortedList<ulong, byte[]> Results { get; } = [];
    }
}
