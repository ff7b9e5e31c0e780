using System.Buffers;
using System.Text;
using System.Threading.Channels;

namespace HaCore.Tests;

/// <summary>
/// The subscription backlog kept encoded (<see cref="RetainedBacklog"/>): a ring of structs over reused byte chunks.
/// Tiny chunks make records wrap the slot ring and move through many chunks, so an off-by-one in the ring, a chunk
/// released (and reused) while a slot still points into it, or a wrong offset shows up as wrong bytes; the hub tests
/// pin that a subscriber resuming across eviction gets every retained command or the exception, never a silent gap.
/// </summary>
public sealed class RetainedBacklogTests
{
    private static readonly Guid Session = new("6a1f0c1e-8d0b-4c5e-9a52-3f5f4f1b2c7d");

    private static string Command(ulong index) => new string('c', (int)(index % 7)) + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Result(ulong index) => "r" + new string('x', (int)(index % 5));

    private static ulong? Append(RetainedBacklog backlog, ulong index) =>
        backlog.Append(new CommandContext(index, index / 3, 1_000 + (long)index), new ClientRequestId(Session, index * 10), Encoding.UTF8.GetBytes(Command(index)), Encoding.UTF8.GetBytes(Result(index)));

    private static void AssertHolds(RetainedBacklog backlog, IReadOnlyList<ulong> indexes)
    {
        Assert.Equal(indexes.Count, backlog.Count);
        for (var i = 0; i < indexes.Count; i++)
        {
            var index = indexes[i];
            var context = backlog.ContextAt(i, out var request, out var command, out var result);
            Assert.Equal(new CommandContext(index, index / 3, 1_000 + (long)index), context);
            Assert.Equal(new ClientRequestId(Session, index * 10), request);
            Assert.Equal(Command(index), Encoding.UTF8.GetString(command));
            Assert.Equal(Result(index), Encoding.UTF8.GetString(result));
        }
    }

    [Fact]
    public void The_ring_wraps_evicts_the_oldest_and_every_retained_record_reads_back_intact()
    {
        // 24-byte chunks hold one to three records; the limit of 5 makes the slot ring wrap many times.
        var backlog = new RetainedBacklog(limit: 5, chunkBytes: 24);
        var expected = new List<ulong>();
        for (ulong index = 2; index < 200; index += 1 + (index % 3))
        {
            var evicted = Append(backlog, index);
            expected.Add(index);
            if (expected.Count > 5)
            {
                Assert.Equal(expected[0], evicted);
                expected.RemoveAt(0);
            }
            else
            {
                Assert.Null(evicted);
            }

            AssertHolds(backlog, expected);

            // Bounded: each live record is in at most one chunk, plus the tail chunk and the one spare.
            Assert.True(backlog.ChunkCount <= backlog.Count + 2, $"{backlog.ChunkCount} chunks for {backlog.Count} records");
        }
    }

    [Fact]
    public void A_record_larger_than_a_chunk_gets_its_own_and_empty_records_take_no_bytes()
    {
        var backlog = new RetainedBacklog(limit: 3, chunkBytes: 8);
        var big = new byte[100];
        Random.Shared.NextBytes(big);
        Assert.Null(backlog.Append(new CommandContext(1, 1, 0), new ClientRequestId(Session, 1), big, []));
        Assert.Null(backlog.Append(new CommandContext(2, 1, 0), new ClientRequestId(Session, 2), [], []));
        Assert.Null(backlog.Append(new CommandContext(3, 1, 0), new ClientRequestId(Session, 3), [7], [8, 9]));
        backlog.ContextAt(0, out _, out var command, out var result);
        Assert.Equal(big, command.ToArray());
        Assert.True(result.IsEmpty);
        backlog.ContextAt(1, out _, out command, out result);
        Assert.True(command.IsEmpty && result.IsEmpty);
        backlog.ContextAt(2, out _, out command, out result);
        Assert.Equal(new byte[] { 7 }, command.ToArray());
        Assert.Equal(new byte[] { 8, 9 }, result.ToArray());

        // The empty record 2 sits at the end of the oversized chunk, so that chunk goes only with record 2.
        Assert.Equal(1UL, backlog.Append(new CommandContext(4, 1, 0), new ClientRequestId(Session, 4), [4], []));
        Assert.True(backlog.ChunkBytesHeld >= 100);
        Assert.Equal(2UL, backlog.Append(new CommandContext(6, 1, 0), new ClientRequestId(Session, 6), [6], []));
        Assert.True(backlog.ChunkBytesHeld < 100, "the oversized chunk is not kept once its records are evicted");
        Assert.Equal(new byte[] { 7 }, GetCommand(backlog, 0));
        Assert.Equal(new byte[] { 6 }, GetCommand(backlog, 2));
        Assert.Equal(1, backlog.FirstAtOrAfter(4));
        Assert.Equal(2, backlog.FirstAtOrAfter(5));
        Assert.Equal(0, backlog.FirstAtOrAfter(0));
        Assert.Equal(3, backlog.FirstAtOrAfter(7));
    }

    private static byte[] GetCommand(RetainedBacklog backlog, int i)
    {
        backlog.ContextAt(i, out _, out var command, out _);
        return command.ToArray();
    }

    [Fact]
    public void Clear_drops_everything_and_appending_goes_on()
    {
        var backlog = new RetainedBacklog(limit: 4, chunkBytes: 16);
        for (ulong index = 1; index <= 9; index++)
        {
            Append(backlog, index);
        }

        backlog.Clear();
        Assert.Equal(0, backlog.Count);
        Assert.True(backlog.ChunkCount <= 1);
        Append(backlog, 20);
        Append(backlog, 21);
        AssertHolds(backlog, [20, 21]);
    }

    [Fact]
    public async Task A_subscriber_resuming_across_eviction_gets_the_backlog_then_live_or_the_exception_never_a_gap()
    {
        var ct = TestContext.Current.CancellationToken;
        var hub = new SubscriptionHub<string, string>(nodeId: 1, retainLimit: 4, bufferLimit: 100, new Utf8Codec(), new Utf8Codec(), chunkBytes: 16);

        // Applied commands at even indexes 2..20 (odd ones are no-ops or retries): 14..20 stay retained, 12 was the last evicted.
        for (ulong index = 2; index <= 20; index += 2)
        {
            Publish(hub, index);
        }

        Assert.Equal(4, hub.RetainedCount);

        // From the last evicted index: it is gone, so the stream ends with the exception (not a replay from 14).
        await AssertRefused(Subscribe(hub, 12));

        // Just above the evicted one: 13 was not a command, so the stream starts at 14 with nothing missing.
        var resumed = Subscribe(hub, 13);
        var fromMiddle = Subscribe(hub, 17);
        Publish(hub, 22); // live, and evicts 14 (which the subscribers already have)
        Publish(hub, 24);
        resumed.Writer.TryComplete();
        fromMiddle.Writer.TryComplete();
        Assert.Equal(new ulong[] { 14UL, 16, 18, 20, 22, 24 }, await ReadIndexes(resumed, ct));
        Assert.Equal(new ulong[] { 18UL, 20, 22, 24 }, await ReadIndexes(fromMiddle, ct));

        // 14 and 16 are evicted now (18..24 retained): new subscribers from there are refused.
        await AssertRefused(Subscribe(hub, 14));
        await AssertRefused(Subscribe(hub, 16));

        // The replayed items are decoded from the backlog: the same command, result, context and request.
        var replay = Subscribe(hub, 17);
        replay.Writer.TryComplete();
        var items = await ReadAll(replay, ct);
        Assert.Equal([18UL, 20, 22, 24], items.Select(i => i.Index));
        foreach (var item in items)
        {
            Assert.Equal(Expected(item.Index), item);
        }
    }

    [Fact]
    public async Task A_snapshot_under_the_backlog_ends_live_streams_and_refuses_starts_below_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var hub = new SubscriptionHub<string, string>(nodeId: 1, retainLimit: 10, bufferLimit: 100, new Utf8Codec(), new Utf8Codec(), chunkBytes: 16);
        for (ulong index = 1; index <= 5; index++)
        {
            Publish(hub, index);
        }

        var live = Subscribe(hub, 1);
        hub.Reset(snapshotIndex: 30);
        await Assert.ThrowsAsync<EventPositionUnavailableException>(async () => await ReadAll(live, ct));
        await AssertRefused(Subscribe(hub, 30));
        var after = Subscribe(hub, 31);
        Publish(hub, 31);
        after.Writer.TryComplete();
        Assert.Equal(new ulong[] { 31UL }, await ReadIndexes(after, ct));
    }

    private static AppliedCommand<string, string> Expected(ulong index) =>
        new(index, new CommandContext(index, 2, 5_000 + (long)index), new ClientRequestId(Session, index), Command(index), Result(index));

    private static void Publish(SubscriptionHub<string, string> hub, ulong index)
    {
        var e = Expected(index);
        hub.Publish(e.Context, e.Request, Encoding.UTF8.GetBytes(e.Command), Encoding.UTF8.GetBytes(e.Result), e.Command, e.Result);
    }

    private static Channel<AppliedCommand<string, string>> Subscribe(SubscriptionHub<string, string> hub, ulong from)
    {
        var channel = Channel.CreateUnbounded<AppliedCommand<string, string>>();
        hub.Add(from, channel.Writer);
        return channel;
    }

    private static async Task AssertRefused(Channel<AppliedCommand<string, string>> channel)
    {
        Assert.True(channel.Reader.Completion.IsCompleted, "the stream must end at once, not start later than asked");
        await Assert.ThrowsAsync<EventPositionUnavailableException>(() => channel.Reader.Completion);
    }

    private static async Task<List<AppliedCommand<string, string>>> ReadAll(Channel<AppliedCommand<string, string>> channel, CancellationToken ct)
    {
        var items = new List<AppliedCommand<string, string>>();
        await foreach (var item in channel.Reader.ReadAllAsync(ct))
        {
            items.Add(item);
        }

        return items;
    }

    private static async Task<ulong[]> ReadIndexes(Channel<AppliedCommand<string, string>> channel, CancellationToken ct) =>
        [.. (await ReadAll(channel, ct)).Select(i => i.Index)];

    private sealed class Utf8Codec : ICommandCodec<string>
    {
        public void Encode(string value, IBufferWriter<byte> writer) => writer.Write(Encoding.UTF8.GetBytes(value));

        public string Decode(ReadOnlySequence<byte> payload) => Encoding.UTF8.GetString(payload);

        public string Decode(ReadOnlySpan<byte> payload) => Encoding.UTF8.GetString(payload);
    }
}
