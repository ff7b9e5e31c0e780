using System.Collections.Concurrent;
using HaCore.Raft;
using Microsoft.Extensions.Logging;

namespace HaCore.Transport.Tests;

/// <summary>Records what a transport delivers; optionally refuses messages.</summary>
internal sealed class RecordingSink : IRaftMessageSink
{
    public ConcurrentQueue<Message> Messages { get; } = new();

    public ConcurrentQueue<(ulong Peer, bool Delivered)> SnapshotStatuses { get; } = new();

    public ConcurrentQueue<ulong> Unreachable { get; } = new();

    public Func<Message, bool>? Filter { get; set; }

    public bool OnMessage(in Message message)
    {
        if (Filter is { } filter && !filter(message))
        {
            return false;
        }

        Messages.Enqueue(message);
        return true;
    }

    public void OnSnapshotStatus(ulong peer, bool delivered) => SnapshotStatuses.Enqueue((peer, delivered));

    public void OnUnreachable(ulong peer) => Unreachable.Enqueue(peer);

    public IEnumerable<Message> From(ulong peer) => Messages.Where(m => m.From == peer);
}

/// <summary>Keeps log entries for assertions.</summary>
internal sealed class CapturingLogger : ILogger<TcpRaftTransport>
{
    public ConcurrentQueue<(int EventId, LogLevel Level, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((eventId.Id, logLevel, formatter(state, exception) + (exception is null ? string.Empty : " | " + exception.Message)));

    public bool Has(int eventId, string? containing = null) =>
        Entries.Any(e => e.EventId == eventId && (containing is null || e.Message.Contains(containing, StringComparison.Ordinal)));
}

internal static class Wait
{
    /// <summary>Polls <paramref name="condition"/> until it holds, failing the test at the deadline.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, double seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {seconds} s waiting for: {what}");
            }

            await poll.WaitForNextTickAsync(TestContext.Current.CancellationToken);
        }
    }
}

internal static class Messages
{
    public static Message Append(ulong from, ulong to, ulong index, int payloadBytes = 8) => new()
    {
        Type = MessageType.Append,
        From = from,
        To = to,
        Term = 1,
        Index = index,
        Entries = new[] { new Entry(1, index + 1, new byte[payloadBytes]) },
    };

    public static Message Vote(ulong from, ulong to, ulong term) =>
        new() { Type = MessageType.Vote, From = from, To = to, Term = term };

    public static Message Heartbeat(ulong from, ulong to, ulong context = 0) =>
        new() { Type = MessageType.Heartbeat, From = from, To = to, Term = 1, Context = context };

    public static Message Snapshot(ulong from, ulong to, byte[] data, ulong index = 1000, ulong term = 3) => new()
    {
        Type = MessageType.Snapshot,
        From = from,
        To = to,
        Term = term,
        Snapshot = new Snapshot(new SnapshotMetadata(index, term, new ConfState([1, 2, 3], [])), data),
    };

    public static byte[] RandomBytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }
}
