namespace HaCore.Transport;

/// <summary>
/// A frame on the wire is malformed: truncated, oversized, failing its checksum, of an unknown kind or
/// version, or carrying fields that cannot be valid. The transport closes the connection that sent it.
/// </summary>
public sealed class RaftFrameException : FormatException
{
    /// <summary>Creates the exception with a message saying what is wrong.</summary>
    public RaftFrameException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public RaftFrameException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public RaftFrameException()
        : base("Malformed Raft transport frame.")
    {
    }
}
