using System.Collections.Concurrent;
using System.Diagnostics;

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
        started.Task.GetAwaiter().GetResult(); // rethrows what Start threw, as it was
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
        if (!OperatingSystem.IsLinux() || info.UseShellExecute || info.Arguments.Length > 0 || !SetprivWorks.Value)
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

    /// <summary>The file Process.Start would run: a path as given, else this executable's folder first (the same dotnet), then PATH.</summary>
    private static string? Resolve(string program)
    {
        if (program.Contains('/'))
            return IsExecutable(program) ? Path.GetFullPath(program) : null;
        var folders = new[] { Path.GetDirectoryName(Environment.ProcessPath) ?? "" }
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries));
        return folders.Where(f => f.Length > 0).Select(f => Path.Combine(f, program)).FirstOrDefault(IsExecutable);
    }

    private static bool IsExecutable(string path) =>
        !OperatingSystem.IsWindows() && File.Exists(path) && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

    // util-linux before 2.33 has no --pdeathsig: then children start untied rather than not at all.
    private static readonly Lazy<bool> SetprivWorks = new(() =>
    {
        if (!IsExecutable(Setpriv)) return false;
        try
        {
            var probe = new ProcessStartInfo(Setpriv) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { "--pdeathsig", "TERM", "--", "/bin/true" }) probe.ArgumentList.Add(argument);
            using var process = Process.Start(probe)!;
            return process.WaitForExit(TimeSpan.FromSeconds(10)) && process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });
}
