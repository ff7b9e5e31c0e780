namespace HaCore.Fuzz;

/// <summary>
/// One decoder under fuzz. <see cref="Run"/> feeds it one input and enforces the contract: the input is
/// accepted, or refused with one of the decoder's documented exception types; anything else (another
/// exception type, or more allocation than the configured limits allow) is a <see cref="FuzzContractException"/>.
/// Hangs are caught by the caller's time limit (afl's <c>-t</c>, the replay tests' stopwatch).
/// </summary>
public abstract class FuzzTarget
{
    /// <summary>The name used on the command line and as the corpus folder name.</summary>
    public abstract string Name { get; }

    /// <summary>What the target feeds its input to, for <c>--list</c> and the docs.</summary>
    public abstract string Description { get; }

    /// <summary>The most bytes one input may allocate, given its length; the decoders' limits make this small.</summary>
    /// <param name="inputLength">The input's length.</param>
    public virtual long AllocationLimit(int inputLength) => (16L << 20) + (64L * inputLength);

    /// <summary>Runs one input through the decoder and checks the contract.</summary>
    /// <param name="input">The fuzz input.</param>
    /// <returns>The documented error the input was refused with, or null when it was accepted.</returns>
    /// <exception cref="FuzzContractException">The decoder broke the contract.</exception>
    public Exception? Run(ReadOnlySpan<byte> input)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Exception? refused = null;
        try
        {
            Execute(input);
        }
        catch (FuzzContractException)
        {
            throw;
        }
        catch (Exception ex) when (IsDocumentedError(ex))
        {
            refused = ex;
        }
        catch (Exception ex)
        {
            throw new FuzzContractException($"{Name}: undocumented {ex.GetType().FullName}: {ex.Message}", ex);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long limit = AllocationLimit(input.Length);
        if (allocated > limit)
        {
            throw new FuzzContractException($"{Name}: an input of {input.Length} bytes allocated {allocated} bytes, more than the limit of {limit}.");
        }

        return refused;
    }

    /// <summary>Creates the seed corpus with the library's own encoders: real frames, segments, snapshots or payloads.</summary>
    public abstract IEnumerable<(string Name, byte[] Data)> GenerateSeeds();

    /// <summary>Feeds <paramref name="input"/> to the decoder; throws what the decoder throws.</summary>
    /// <param name="input">The fuzz input.</param>
    protected abstract void Execute(ReadOnlySpan<byte> input);

    /// <summary>True when <paramref name="error"/> is one of the typed errors the decoder documents for bad input.</summary>
    /// <param name="error">What the decoder threw.</param>
    protected abstract bool IsDocumentedError(Exception error);

    /// <summary>Throws a <see cref="FuzzContractException"/> unless <paramref name="condition"/> holds.</summary>
    /// <param name="condition">What must hold for an accepted input.</param>
    /// <param name="what">What is broken when it does not.</param>
    protected void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzContractException($"{Name}: {what}");
        }
    }
}

/// <summary>A decoder broke the fuzzing contract: it crashed, threw an undocumented type, or over-allocated.</summary>
public sealed class FuzzContractException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FuzzContractException()
        : base("The fuzzing contract was broken.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What broke.</param>
    public FuzzContractException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the undocumented error.</summary>
    /// <param name="message">What broke.</param>
    /// <param name="innerException">The undocumented error.</param>
    public FuzzContractException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
