using HaCore.Storage;

namespace HaCore.Testing.Storage;

/// <summary>An <see cref="IStorageFile"/> that forwards every call to another; tests override the calls they intercept
/// (an fsync they delay or hold, say).</summary>
/// <param name="inner">The file the calls go to; disposed with this one.</param>
public abstract class DelegatingStorageFile(IStorageFile inner) : IStorageFile
{
    /// <summary>The file the calls go to.</summary>
    protected IStorageFile Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <inheritdoc />
    public virtual string Path => Inner.Path;

    /// <inheritdoc />
    public virtual long Length => Inner.Length;

    /// <inheritdoc />
    public virtual int Read(long offset, Span<byte> buffer) => Inner.Read(offset, buffer);

    /// <inheritdoc />
    public virtual void Write(long offset, ReadOnlySpan<byte> data) => Inner.Write(offset, data);

    /// <inheritdoc />
    public virtual void SetLength(long length) => Inner.SetLength(length);

    /// <inheritdoc />
    public virtual void Flush() => Inner.Flush();

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the inner file.</summary>
    /// <param name="disposing">True from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner.Dispose();
        }
    }
}
