using System.Globalization;
using HdrHistogram;

namespace HaCore.LoadTest;

internal static class Stats
{
    /// <summary>1 µs .. 1 hour, 3 significant digits.</summary>
    public static LongHistogram NewHistogram() => new(1, 3_600_000_000L, 3);

    /// <summary>The error's kind for the error counts: the exception type, with the status for gRPC errors.</summary>
    public static string ErrorName(Exception ex) => ex switch
    {
        Grpc.Core.RpcException rpc => $"grpc-{rpc.StatusCode}",
        KvException kv => kv.Kind,
        AggregateException { InnerException: { } inner } => ErrorName(inner),
        _ => ex.GetType().Name,
    };

    public static double Percentile(LongHistogram h, double p) => h.TotalCount == 0 ? double.NaN : h.GetValueAtPercentile(p);

    public static double Median(IReadOnlyList<double> values) => PercentileOf(values, 50);

    /// <summary>Nearest-rank percentile of a small list (NaN when empty).</summary>
    public static double PercentileOf(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static string F(double v, int digits = 0) =>
        double.IsNaN(v) || double.IsInfinity(v) ? "n/a" : v.ToString("N" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}

/// <summary>A failed operation of a known kind (the network protocol's error codes, a redirect loop, ...).</summary>
internal sealed class KvException(string kind, string message) : Exception(message)
{
    public string Kind { get; } = kind;
}
