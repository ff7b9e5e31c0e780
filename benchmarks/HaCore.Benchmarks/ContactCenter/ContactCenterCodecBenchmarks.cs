using System.Buffers;
using BenchmarkDotNet.Attributes;
using HaCore.ContactCenter;
using HaCore.ContactCenter.Workload;

namespace HaCore.Benchmarks.ContactCenter;

/// <summary>
/// MessagePack encode and decode of one command, per command kind, taking each kind's first instance
/// in a B1 traffic stream (so payloads are realistic: 512-byte attached data, real DN names).
/// </summary>
[MemoryDiagnoser]
public class ContactCenterCodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private Command _command = null!;
    private byte[] _encoded = [];

    /// <summary>The command kind.</summary>
    [ParamsSource(nameof(Kinds))]
    public string Kind { get; set; } = nameof(Command.KindOneofCase.CallCreated);

    /// <summary>The kinds the B1 stream contains.</summary>
    public static IEnumerable<string> Kinds => Samples().Keys;

    private static SortedDictionary<string, Command> Samples()
    {
        var generator = new WorkloadGenerator(WorkloadProfile.B1.ScaledDown(20), seed: 42);
        var samples = new SortedDictionary<string, Command>(StringComparer.Ordinal);
        foreach (GeneratedCommand c in generator.Setup())
        {
            samples.TryAdd(c.Command.KindCase.ToString(), c.Command);
        }

        for (int i = 0; i < 20_000; i++)
        {
            Command c = generator.Next().Command;
            samples.TryAdd(c.KindCase.ToString(), c);
        }

        return samples;
    }

    /// <summary>Picks the sample and encodes it once for the decode benchmark.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _command = Samples()[Kind];
        _buffer.ResetWrittenCount();
        Contract.CommandCodec.Encode(_command, _buffer);
        _encoded = _buffer.WrittenSpan.ToArray();
        Console.WriteLine($"// {Kind}: {_encoded.Length} bytes encoded");
    }

    /// <summary>Encodes the command into a reused buffer writer.</summary>
    [Benchmark]
    public int Encode()
    {
        _buffer.ResetWrittenCount();
        Contract.CommandCodec.Encode(_command, _buffer);
        return _buffer.WrittenCount;
    }

    /// <summary>Decodes the command.</summary>
    [Benchmark]
    public Command Decode() => Contract.CommandCodec.Decode(_encoded);
}
