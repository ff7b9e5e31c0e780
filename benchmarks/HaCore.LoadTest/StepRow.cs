namespace HaCore.LoadTest;

/// <summary>One line of results.jsonl: one system measured in one step.</summary>
internal sealed class StepRow
{
    public string Run { get; set; } = string.Empty;
    public string System { get; set; } = string.Empty;
    public string Profile { get; set; } = string.Empty;
    public int Clients { get; set; }
    public double WarmupSeconds { get; set; }
    public double Seconds { get; set; }
    public long Ops { get; set; }
    public long Writes { get; set; }
    public long Reads { get; set; }
    public double OpsPerSec { get; set; }
    public LatencyUs Latency { get; set; } = new();
    public Dictionary<string, long> Errors { get; set; } = [];
    public long ErrorCount { get; set; }
    public long Retries { get; set; }
    public string LoadProcess { get; set; } = string.Empty;
    public double SystemCpuUsPerOp { get; set; }
    public double SystemCpuPercent { get; set; }
    public double? DriverCpuUsPerOp { get; set; }
    public double? DriverCpuPercent { get; set; }
    public double OtherCpuPercent { get; set; }
    public double MachineBusyPercent { get; set; }
    public double AllocBytesPerOp { get; set; }
    public double Gen0Per1kOps { get; set; }
    public double Gen1Per1kOps { get; set; }
    public double Gen2Per1kOps { get; set; }
    public long? LeaderChanges { get; set; }
    public List<Sample> Samples { get; set; } = [];
    public FailoverResult? Failover { get; set; }
    public List<string> Notes { get; set; } = [];
}

internal sealed class LatencyUs
{
    public double P50 { get; set; }
    public double P90 { get; set; }
    public double P99 { get; set; }
    public double P999 { get; set; }
    public double Max { get; set; }
    public double Mean { get; set; }
}

internal sealed class FailoverResult
{
    public int Kills { get; set; }
    public double KillEverySeconds { get; set; }
    public List<double> KillTimesS { get; set; } = [];
    /// <summary>Per kill: ms from the kill to the first acknowledged write issued after it (NaN: none before the next kill or the end).</summary>
    public List<double> RecoveryMs { get; set; } = [];
    public double RecoveryMedianMs { get; set; }
    public double RecoveryP99Ms { get; set; }
    public double RecoveryMaxMs { get; set; }
    public int NotRecovered { get; set; }
    /// <summary>Per restart: ms from starting the killed node's process to it answering (ready).</summary>
    public List<double> RestartReadyMs { get; set; } = [];
    /// <summary>Per restart: ms from starting the process to its applied index reaching the leader's commit index of that moment.</summary>
    public List<double> CatchUpMs { get; set; } = [];
    public double CatchUpMedianMs { get; set; }
    public double CatchUpMaxMs { get; set; }
}
