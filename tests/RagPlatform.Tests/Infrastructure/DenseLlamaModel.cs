using System.Diagnostics;

namespace RagPlatform.Tests.Infrastructure;

/// <summary>
/// A random-weight llama model without experts, for training. test-llama-archs writes a dense and a
/// mixture-of-experts variant of each architecture; the cached build keeps the MoE one, whose expert
/// routing llama-finetune cannot back-propagate through (it aborts in get_rows_back). Generated once
/// per test run, with the build's fixed seed, into a temporary folder.
/// </summary>
public static class DenseLlamaModel
{
    private static readonly Lazy<string> Generated = new(Generate, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Path => Generated.Value;

    private static string Generate()
    {
        var build = LlamaBuild.Locate();
        var directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ragplatform-dense-llama-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(directory);
        var info = new ProcessStartInfo(build.Tool("test-llama-archs")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-a", "^llama$", "-s", "42", "-o", directory }) info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var output = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("test-llama-archs did not finish within 2 minutes");
        }
        return Directory.GetFiles(directory, "*-dense.gguf").SingleOrDefault()
            ?? throw new InvalidOperationException($"test-llama-archs wrote no dense GGUF into {directory}:\n{output.Result}");
    }
}
