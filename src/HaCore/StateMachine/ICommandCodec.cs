using System.Buffers;

namespace HaCore;

/// <summary>Encodes and decodes the commands of a state machine for the log.</summary>
/// <typeparam name="T">The command (or result) type.</typeparam>
public interface ICommandCodec<T>
{
    /// <summary>Writes <paramref name="value"/> to <paramref name="writer"/>.</summary>
    /// <param name="value">The value to encode.</param>
    /// <param name="writer">The destination.</param>
    void Encode(T value, IBufferWriter<byte> writer);

    /// <summary>Reads a value written by <see cref="Encode"/>.</summary>
    /// <param name="payload">The encoded bytes.</param>
    /// <returns>The decoded value.</returns>
    T Decode(ReadOnlySequence<byte> payload);

    /// <summary>Reads a value written by <see cref="Encode"/>.</summary>
    /// <param name="payload">The encoded bytes.</param>
    /// <returns>The decoded value.</returns>
    T Decode(ReadOnlySpan<byte> payload);
}
