using System.Buffers;
using Xunit;
using static HaCore.ContactCenter.Tests.Harness;

namespace HaCore.ContactCenter.Tests;

/// <summary>
/// A snapshot whose bytes decode but whose state is inconsistent (found by the cc-snapshot fuzz target:
/// a mutated session id left a subscription of no session, a mutated DN number left an assignment of an
/// unconfigured DN) is refused with InvalidDataException, and leaves the state empty, not half loaded.
/// Before, the first threw KeyNotFoundException from RestoreSnapshot, the second restored and then threw
/// from the next WriteSnapshot.
/// </summary>
public sealed class InconsistentSnapshotTests
{
    public static TheoryData<string> Breakages() => [.. Breaks.Keys];

    private static readonly Dictionary<string, Action<Snapshot>> Breaks = new()
    {
        ["subscription-of-no-session"] = s => s.Subscriptions[0].SessionId = "no-such-session",
        ["dedupe-of-no-session"] = s => s.Dedupe.Add(new DedupeEntry { SessionId = "no-such-session", ReferenceId = 9 }),
        ["assignment-of-an-unconfigured-dn"] = s => s.DnAssignments[0].Dn = Dn("9999999"),
        ["dn-twice"] = s => s.Dns.Add(s.Dns[0].Clone()),
        ["call-twice"] = s => s.Calls.Add(s.Calls[0].Clone()),
        ["dn-without-id"] = s => s.Dns[0].Id = null,
        ["agent-on-a-dn-that-does-not-name-it"] = s => s.Agents[0].Dn = Dn("1003"),
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public void An_inconsistent_snapshot_is_invalid_data_and_leaves_nothing_behind(string breakage)
    {
        var bytes = Broken(breakage);
        var machine = SnapshotTests.FullFixture().Sm;

        var e = Assert.Throws<InvalidDataException>(() => machine.RestoreSnapshot(new ReadOnlySequence<byte>(bytes)));

        Assert.StartsWith("inconsistent contact-center snapshot: ", e.Message, StringComparison.Ordinal);
        Assert.Equal(Empty(), machine.ComputeStateHashHex());
    }

    [Fact]
    public void The_fixture_itself_restores()
    {
        var original = SnapshotTests.FullFixture().Sm;
        var buffer = new ArrayBufferWriter<byte>();
        original.WriteSnapshot(buffer);
        var restored = new ContactCenterStateMachine();
        restored.RestoreSnapshot(new ReadOnlySequence<byte>(buffer.WrittenMemory));
        Assert.Equal(original.ComputeStateHashHex(), restored.ComputeStateHashHex());
    }

    /// <summary>The snapshot of the full fixture with one breakage (also the cc-snapshot regression inputs).</summary>
    internal static byte[] Broken(string breakage)
    {
        var snapshot = SnapshotTests.FullFixture().Sm.CreateSnapshot().Clone();
        Breaks[breakage](snapshot);
        return Contract.Serialize(snapshot);
    }

    private static string Empty() => new ContactCenterStateMachine().ComputeStateHashHex();
}
