using System.Buffers;

namespace HaCore.Tests;

/// <summary>
/// The session table's window (exactly-once) with sequences that reach the log out of order, and its snapshot round
/// trip: the results are kept in a sorted list whose oldest entry is dropped by position, so these pin that the
/// oldest by sequence (not the oldest by arrival) is the one dropped, and that a snapshot keeps the same window.
/// </summary>
public sealed class RuntimeStateTests
{
    private static byte[] R(ulong sequence) => BitConverter.GetBytes(sequence);

    [Fact]
    public void Out_of_order_sequences_keep_the_highest_results_and_refuse_only_below_the_window()
    {
        var state = new RuntimeState(resultsPerSession: 4, TimeSpan.FromMinutes(10));
        var session = Guid.NewGuid();
        ClientRequestId Id(ulong sequence) => new(session, sequence);

        foreach (var sequence in new ulong[] { 3, 1, 6, 2, 5, 4 })
        {
            Assert.Null(state.Duplicate(Id(sequence)));
            state.Record(Id(sequence), R(sequence));
        }

        // Kept: the four highest sequences, 3..6; dropped: 1 and 2, so the discard mark is 2.
        for (ulong sequence = 3; sequence <= 6; sequence++)
        {
            Assert.Equal(R(sequence), state.Duplicate(Id(sequence)));
        }

        Assert.Throws<RequestExpiredException>(() => state.Duplicate(Id(1)));
        Assert.Throws<RequestExpiredException>(() => state.Duplicate(Id(2)));
        Assert.Null(state.Duplicate(Id(7))); // new: above the window

        // A late sequence above the discard mark is still applied, and the lowest kept one makes room for it.
        state.Record(Id(8), R(8));
        Assert.Throws<RequestExpiredException>(() => state.Duplicate(Id(3)));
        Assert.Null(state.Duplicate(Id(7)));
        state.Record(Id(7), R(7));
        Assert.Throws<RequestExpiredException>(() => state.Duplicate(Id(4)));
        Assert.Equal(R(7), state.Duplicate(Id(7)));
        Assert.Equal(R(8), state.Duplicate(Id(8)));
    }

    [Fact]
    public void A_snapshot_keeps_every_sessions_window()
    {
        var state = new RuntimeState(resultsPerSession: 3, TimeSpan.FromMinutes(10));
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        foreach (var sequence in new ulong[] { 2, 5, 1, 4, 3 })
        {
            state.Record(new ClientRequestId(a, sequence), R(sequence));
        }

        state.Record(new ClientRequestId(b, 1), R(100));
        var writer = new ArrayBufferWriter<byte>();
        state.Write(writer);

        var restored = new RuntimeState(resultsPerSession: 3, TimeSpan.FromMinutes(10));
        Assert.Equal(writer.WrittenCount, restored.Read(writer.WrittenSpan));
        for (ulong sequence = 3; sequence <= 5; sequence++)
        {
            Assert.Equal(R(sequence), restored.Duplicate(new ClientRequestId(a, sequence)));
        }

        Assert.Throws<RequestExpiredException>(() => restored.Duplicate(new ClientRequestId(a, 2)));
        Assert.Equal(R(100), restored.Duplicate(new ClientRequestId(b, 1)));

        // The restored state writes the same bytes: the same sessions and results in the same order.
        var again = new ArrayBufferWriter<byte>();
        restored.Write(again);
        Assert.Equal(writer.WrittenSpan.ToArray(), again.WrittenSpan.ToArray());
    }
}
