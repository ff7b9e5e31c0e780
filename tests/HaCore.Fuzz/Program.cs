using HaCore.Fuzz;

// dotnet run -- <target>                       afl++ entry point (SharpFuzz fork server); see run-afl.sh
// dotnet run -- <target> --replay <dir|file>…  runs inputs in-process and checks the contract
// dotnet run -- --generate <corpus-root>       writes the seed corpora with the library's encoders
// dotnet run -- --list                         the targets
if (args.Length == 0 || args[0] is "--help" or "-h")
{
    Console.Error.WriteLine("usage: HaCore.Fuzz <target> [--replay <dir|file>...] | --generate <corpus-root> | --list");
    return 2;
}

if (args[0] == "--list")
{
    foreach (var t in FuzzTargets.All)
    {
        Console.WriteLine($"{t.Name,-18} {t.Description}");
    }

    return 0;
}

if (args[0] == "--generate")
{
    var root = args.Length > 1 ? args[1] : "corpus";
    foreach (var t in FuzzTargets.All)
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, t.Name));
        foreach (var (name, data) in t.GenerateSeeds())
        {
            File.WriteAllBytes(Path.Combine(dir.FullName, name), data);
            Console.WriteLine($"{t.Name}/{name}: {data.Length} bytes, {(t.Run(data) is { } e ? "refused: " + e.Message : "accepted")}");
        }
    }

    return 0;
}

var target = FuzzTargets.Find(args[0]);
if (target is null)
{
    Console.Error.WriteLine($"unknown target '{args[0]}'; --list shows the targets");
    return 2;
}

if (args.Length > 1 && args[1] == "--replay")
{
    int failures = 0;
    int count = 0;
    foreach (var path in args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]))
    {
        count++;
        try
        {
            var refused = target.Run(File.ReadAllBytes(path));
            Console.WriteLine($"{path}: {(refused is null ? "accepted" : $"refused ({refused.GetType().Name}: {refused.Message})")}");
        }
        catch (FuzzContractException ex)
        {
            failures++;
            Console.WriteLine($"{path}: FAILED {ex.Message}");
            Console.WriteLine(ex.InnerException?.ToString());
        }
    }

    Console.WriteLine($"{count - failures} passed, {failures} failed");
    return failures == 0 ? 0 : 1;
}

// Under afl: an exception escaping the action is reported as a crash, and afl's -t catches hangs.
SharpFuzz.Fuzzer.Run(stream =>
{
    using var input = new MemoryStream();
    stream.CopyTo(input);
    target.Run(input.GetBuffer().AsSpan(0, (int)input.Length));
});
return 0;
