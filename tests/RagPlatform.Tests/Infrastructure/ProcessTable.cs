using System.Runtime.InteropServices;

namespace RagPlatform.Tests.Infrastructure;

/// <summary>Linux's process table as /proc shows it: who is whose child, and who is still running.</summary>
public static class ProcessTable
{
    public static IEnumerable<int> All() =>
        Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Select(name => int.TryParse(name, out int pid) ? pid : 0).Where(pid => pid > 0);

    public static int Parent(int pid) => Stat(pid) is { } fields ? int.Parse(fields[1]) : 0;

    public static string? Command(int pid) => Read($"/proc/{pid}/comm")?.Trim();

    /// <summary>Running or sleeping; a zombie has ended, only not yet been reaped.</summary>
    public static bool IsAlive(int pid) => Stat(pid) is { } fields && fields[0] != "Z";

    /// <summary>SIGKILL to this process alone, not its children.</summary>
    public static void KillAlone(int pid) => Assert.Equal(0, SendSignal(pid, 9));

    // The fields after the command, which sits in parentheses and may hold spaces: state, ppid, ...
    private static string[]? Stat(int pid) =>
        Read($"/proc/{pid}/stat") is { } line ? line[(line.LastIndexOf(')') + 2)..].Split(' ') : null;

    private static string? Read(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException) { return null; }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
