using BenchmarkDotNet.Running;

// Runs the benchmarks named by --filter, for example:
//   dotnet run -c Release --project benchmarks/HaCore.Benchmarks -- --filter '*Quorum*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

/// <summary>Entry point type, named so that BenchmarkSwitcher can find this assembly.</summary>
internal sealed partial class Program
{
}
