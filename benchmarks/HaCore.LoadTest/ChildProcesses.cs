using System.Diagnostics;

namespace HaCore.LoadTest;

/// <summary>
/// Every child process the controller started, killed on exit, Ctrl+C and exceptions (like a job object): the
/// controller's finally calls <see cref="KillAll"/>, and so do ProcessExit and CancelKeyPress.
/// </summary>
internal static class ChildProcesses
{
    private static readonly Lock Gate = new();
    private static readonly List<Child> Live = [];

    static ChildProcesses()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    public static void Add(Child child)
    {
        lock (Gate)
        {
            Live.Add(child);
        }
    }

    public static void Remove(Child child)
    {
        lock (Gate)
        {
            Live.Remove(child);
        }
    }

    public static void KillAll()
    {
        Child[] all;
        lock (Gate)
        {
            all = [.. Live];
            Live.Clear();
        }

        foreach (var child in all)
        {
            child.Kill();
        }
    }
}

/// <summary>A child process with its output kept (the last 300 lines) and a readiness line to wait for.</summary>
internal sealed class Child
{
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _name;

    private Child(Process process, string name)
    {
        _process = process;
        _name = name;
    }

    public int Pid { get; private set; }

    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    public string Tail
    {
        get
        {
            lock (_tail)
            {
                return string.Join("\n", _tail.Select(l => $"[{_name}] {l}"));
            }
        }
    }

    /// <summary>Starts <paramref name="file"/> and waits (at most <paramref name="timeout"/>) for a line containing <paramref name="readyMarker"/>.</summary>
    public static async Task<Child> StartAsync(string name, string file, IEnumerable<string> args, IReadOnlyDictionary<string, string> env,
        Func<string, bool>? ready, TimeSpan timeout, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = false, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env)
        {
            info.Environment[k] = v;
        }

        var child = new Child(new Process { StartInfo = info }, name);
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (child._tail)
            {
                child._tail.Enqueue(line);
                while (child._tail.Count > 300)
                {
                    child._tail.Dequeue();
                }
            }

            if (ready?.Invoke(line) == true)
            {
                child._ready.TrySetResult();
            }
        }

        child._process.OutputDataReceived += (_, e) => OnLine(e.Data);
        child._process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        child._process.EnableRaisingEvents = true;
        child._process.Exited += (_, _) => child._ready.TrySetException(new InvalidOperationException($"{name} exited before it was ready"));
        ChildProcesses.Add(child);
        child._process.Start();
        child.Pid = child._process.Id;
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        if (ready is null)
        {
            return child; // the caller probes readiness itself
        }

        try
        {
            await child._ready.Task.WaitAsync(timeout, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            child.Kill();
            throw;
        }
        catch (Exception ex)
        {
            var tail = child.Tail;
            child.Kill();
            throw new InvalidOperationException($"{name} did not become ready within {timeout.TotalSeconds:F0} s ({ex.Message}). Its output:\n{tail}", ex);
        }

        return child;
    }

    /// <summary>kill -9 (SIGKILL): no chance to flush or close anything.</summary>
    public void Kill()
    {
        ChildProcesses.Remove(this);
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }

        _process.Dispose();
    }

    /// <summary>kill -9 and the Stopwatch timestamp right after the signal was sent (before the wait for the exit).</summary>
    public long KillNow()
    {
        ChildProcesses.Remove(this);
        _ = Kill(Pid, 9);
        var sent = Stopwatch.GetTimestamp();
        try
        {
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        return sent;
    }

    /// <summary>SIGSTOP / SIGCONT: an idle system is frozen while another system's step runs, so it takes no CPU.</summary>
    public void Signal(bool pause)
    {
        if (!HasExited)
        {
            _ = Kill(Pid, pause ? 19 : 18);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
