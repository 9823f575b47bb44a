using System.Diagnostics;

namespace RagPlatform.Cli.Measurement;

/// <summary>Runs a peer or set-up program (npm, node, python3, tar) and returns what it printed.</summary>
public static class ExternalProcess
{
    public static async Task<string> RunAsync(string program, IEnumerable<string> arguments, string? directory = null,
        IReadOnlyDictionary<string, string>? environment = null, string? hint = null, CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, UseShellExecute = false };
        if (directory is not null) info.WorkingDirectory = directory;
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', info.ArgumentList)} failed with exit code {process.ExitCode}" + (hint is null ? "" : $" ({hint})"));
        return output;
    }
}
