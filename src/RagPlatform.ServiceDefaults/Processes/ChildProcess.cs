using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace RagPlatform.ServiceDefaults.Processes;

/// <summary>
/// Starts helper processes (llama-server, llama-finetune, redis-server, service replicas) tied to
/// this process's life: on Linux the kernel sends the child SIGTERM when its parent dies, even by
/// SIGKILL, so a crashed service never leaves a model server holding its port and memory behind.
/// Elsewhere, or without util-linux's <c>setpriv</c>, children start untied.
/// </summary>
public static class ChildProcess
{
    private const string Setpriv = "/usr/bin/setpriv";

    // The parent-death signal fires when the thread that forked the child ends, not the process,
    // and pool threads retire when idle: every child is forked from this one lifelong thread.
    private static readonly BlockingCollection<(Process Process, TaskCompletionSource Started)> Pending = [];
    private static readonly Lazy<Thread> Spawner = new(() =>
    {
        var thread = new Thread(Spawn) { IsBackground = true, Name = "child-process spawner" };
        thread.Start();
        return thread;
    });

    /// <summary>Starts <paramref name="info"/> as a tied child.</summary>
    public static Process Start(ProcessStartInfo info)
    {
        var process = new Process { StartInfo = info };
        Start(process);
        return process;
    }

    /// <summary>Starts <paramref name="process"/> (its handlers already attached) as a tied child.</summary>
    public static void Start(Process process)
    {
        Tie(process.StartInfo);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Spawner.Value;
        Pending.Add((process, started));
        try
        {
            started.Task.GetAwaiter().GetResult();
        }
        catch (AggregateException error) when (error.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(error.InnerException).Throw();
        }
    }

    private static void Spawn()
    {
        foreach (var (process, started) in Pending.GetConsumingEnumerable())
        {
            try
            {
                process.Start();
                started.SetResult();
            }
            catch (Exception error)
            {
                started.SetException(error);
            }
        }
    }

    /// <summary>Runs the program through setpriv, which sets the signal and then becomes the program (same pid).</summary>
    private static void Tie(ProcessStartInfo info)
    {
        if (!OperatingSystem.IsLinux() || info.UseShellExecute || info.Arguments.Length > 0 || !File.Exists(Setpriv))
            return;
        // A program that cannot be found starts untied, so that Start fails as it would have, naming it.
        if (Resolve(info.FileName) is not { } program)
            return;
        string[] arguments = ["--pdeathsig", "TERM", "--", program, .. info.ArgumentList];
        info.FileName = Setpriv;
        info.ArgumentList.Clear();
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
    }

    private static string? Resolve(string program)
    {
        if (program.Contains('/'))
            return File.Exists(program) ? Path.GetFullPath(program) : null;
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, program);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }
}
