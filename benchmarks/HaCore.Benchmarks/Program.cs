using BenchmarkDotNet.Running;

// Runs the benchmarks named by --filter, for example:
//   dotnet run -c Release --project benchmarks/HaCore.Benchmarks -- --filter '*Quorum*'
// Exits with 1 when a benchmark failed (BenchmarkDotNet reports it as NA and still exits with 0), so CI's dry job
// catches a benchmark broken by a change in the code it measures.
var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args).ToList();
var failed = summaries.SelectMany(s => s.Reports.Where(r => !r.Success).Select(r => r.BenchmarkCase.DisplayInfo))
    .Concat(summaries.Where(s => s.HasCriticalValidationErrors).Select(s => s.Title + " (validation errors)"))
    .ToList();
foreach (var name in failed)
{
    Console.Error.WriteLine($"benchmark failed: {name}");
}

return failed.Count == 0 ? 0 : 1;

/// <summary>Entry point type, named so that BenchmarkSwitcher can find this assembly.</summary>
internal sealed partial class Program
{
}
