namespace HaCore.Fuzz;

/// <summary>
/// Deterministic byte-level mutations of corpus inputs (bit flips, interesting values, insertions,
/// deletions, splices): a small in-process stand-in for afl's havoc stage, so tests fuzz without afl.
/// </summary>
public sealed class Mutator
{
    private static readonly uint[] Interesting = [0, 1, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0xffff, 0x1_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_fffe, 0xffff_ffff];
    private readonly Random _random;

    /// <summary>Creates a mutator whose sequence of mutations is fixed by <paramref name="seed"/>.</summary>
    /// <param name="seed">The seed.</param>
    public Mutator(int seed)
    {
        _random = new Random(seed);
    }

    /// <summary>Returns a mutated copy of one of <paramref name="corpus"/>'s inputs.</summary>
    /// <param name="corpus">Non-empty list of inputs.</param>
    public byte[] Next(IReadOnlyList<byte[]> corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var data = new List<byte>(corpus[_random.Next(corpus.Count)]);
        int rounds = 1 + _random.Next(4);
        for (int r = 0; r < rounds; r++)
        {
            Mutate(data, corpus);
        }

        return [.. data];
    }

    private void Mutate(List<byte> data, IReadOnlyList<byte[]> corpus)
    {
        switch (_random.Next(data.Count == 0 ? 1 : 8))
        {
            case 0:
                data.Insert(_random.Next(data.Count + 1), (byte)_random.Next(256));
                break;
            case 1:
                data[_random.Next(data.Count)] ^= (byte)(1 << _random.Next(8));
                break;
            case 2:
                data[_random.Next(data.Count)] = (byte)_random.Next(256);
                break;
            case 3:
                // A 1-, 2- or 4-byte little-endian interesting value, as length and count fields like.
                uint value = Interesting[_random.Next(Interesting.Length)];
                int width = 1 << _random.Next(3);
                int at = _random.Next(data.Count);
                for (int i = 0; i < width && at + i < data.Count; i++)
                {
                    data[at + i] = (byte)(value >> (8 * i));
                }

                break;
            case 4:
                int start = _random.Next(data.Count);
                data.RemoveRange(start, Math.Min(data.Count - start, 1 + _random.Next(16)));
                break;
            case 5:
                int cut = _random.Next(data.Count + 1);
                data.RemoveRange(cut, data.Count - cut);
                break;
            case 6:
                int from = _random.Next(data.Count);
                int length = Math.Min(data.Count - from, 1 + _random.Next(32));
                data.InsertRange(_random.Next(data.Count + 1), data.GetRange(from, length));
                break;
            default:
                var other = corpus[_random.Next(corpus.Count)];
                if (other.Length > 0)
                {
                    int o = _random.Next(other.Length);
                    int d = _random.Next(data.Count);
                    int n = Math.Min(other.Length - o, data.Count - d);
                    for (int i = 0; i < n; i++)
                    {
                        data[d + i] = other[o + i];
                    }
                }

                break;
        }
    }
}
