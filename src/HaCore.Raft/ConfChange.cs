using System.Buffers.Binary;

namespace HaCore.Raft;

/// <summary>The kind of a single-server membership change.</summary>
public enum ConfChangeType : byte
{
    /// <summary>Add a voter, or promote a learner to voter.</summary>
    AddVoter = 1,

    /// <summary>Add a non-voting learner.</summary>
    AddLearner = 2,

    /// <summary>Remove a voter or learner.</summary>
    Remove = 3,
}

/// <summary>
/// A single-server membership change (Raft thesis §4.1). The core allows one change in flight:
/// a new one is refused until the previous one is applied, and until the leader has committed an
/// entry of its own term.
/// </summary>
/// <param name="Type">What the change does.</param>
/// <param name="NodeId">The node it concerns.</param>
public readonly record struct ConfChange(ConfChangeType Type, ulong NodeId)
{
    /// <summary>The encoded size in bytes.</summary>
    public const int EncodedSize = 10;

    private const byte FormatVersion = 1;

    /// <summary>Encodes the change as the payload of a <see cref="EntryType.ConfChange"/> entry.</summary>
    public byte[] Encode()
    {
        var buffer = new byte[EncodedSize];
        buffer[0] = FormatVersion;
        buffer[1] = (byte)Type;
        BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(2), NodeId);
        return buffer;
    }

    /// <summary>Decodes a change encoded by <see cref="Encode"/>.</summary>
    /// <exception cref="FormatException">The payload is not a valid encoded change.</exception>
    public static ConfChange Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length != EncodedSize || data[0] != FormatVersion)
        {
            throw new FormatException($"Not a version-{FormatVersion} membership change ({data.Length} bytes).");
        }

        var type = (ConfChangeType)data[1];
        if (type is not (ConfChangeType.AddVoter or ConfChangeType.AddLearner or ConfChangeType.Remove))
        {
            throw new FormatException($"Unknown membership change type {data[1]}.");
        }

        return new ConfChange(type, BinaryPrimitives.ReadUInt64LittleEndian(data[2..]));
    }

    /// <inheritdoc />
    public override string ToString() => $"{Type} {NodeId}";
}
