using System.Globalization;

namespace HaCore.LoadTest;

/// <summary>CPU time from /proc: per process (utime + stime) and for the whole machine, in clock ticks.</summary>
internal static class ProcStats
{
    /// <summary>USER_HZ: the unit of /proc's CPU times (100 on every Linux we run on).</summary>
    public const double TicksPerSecond = 100;

    /// <summary>utime + stime of <paramref name="pid"/>, or -1 when it is gone.</summary>
    public static long ProcessTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // rest[0] is field 3 (state); utime is field 14, stime field 15.
            return long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return -1;
        }
    }

    /// <summary>(busy, total) ticks of all CPUs from /proc/stat; busy = total - idle - iowait.</summary>
    public static (long Busy, long Total) MachineTicks()
    {
        var line = File.ReadLines("/proc/stat").First();
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var total = f.Take(8).Sum(); // user nice system idle iowait irq softirq steal (guest is inside user)
        return (total - f[3] - f[4], total);
    }
}

/// <summary>
/// CPU used by a set of processes over a window: each process's ticks at the start (0 for a process started later)
/// against its last reading, which is taken again just before a process is killed so its time is not lost.
/// </summary>
internal sealed class CpuMeter
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, long> _start = [];
    private readonly Dictionary<int, long> _last = [];
    private (long Busy, long Total) _machineStart;
    private long _driverStart;

    public void Start(IEnumerable<int> pids)
    {
        lock (_lock)
        {
            _start.Clear();
            _last.Clear();
            foreach (var pid in pids)
            {
                var t = ProcStats.ProcessTicks(pid);
                if (t >= 0)
                {
                    _start[pid] = t;
                    _last[pid] = t;
                }
            }

            _machineStart = ProcStats.MachineTicks();
            _driverStart = ProcStats.ProcessTicks(Environment.ProcessId);
        }
    }

    /// <summary>Reads <paramref name="pid"/> now (call before killing it, and for processes started in the window).</summary>
    public void Observe(int pid)
    {
        var t = ProcStats.ProcessTicks(pid);
        if (t < 0)
        {
            return;
        }

        lock (_lock)
        {
            _start.TryAdd(pid, 0);
            _last[pid] = t;
        }
    }

    /// <summary>(system ticks, driver ticks, machine busy ticks, machine total ticks) since <see cref="Start"/>.</summary>
    public (long System, long Driver, long MachineBusy, long MachineTotal) Stop(IEnumerable<int> livePids)
    {
        foreach (var pid in livePids)
        {
            Observe(pid);
        }

        lock (_lock)
        {
            var system = _last.Sum(kv => kv.Value - _start[kv.Key]);
            var machine = ProcStats.MachineTicks();
            var driver = ProcStats.ProcessTicks(Environment.ProcessId) - _driverStart;
            return (system, driver, machine.Busy - _machineStart.Busy, machine.Total - _machineStart.Total);
        }
    }
}
