using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.ServiceDefaults.Processes;

namespace RagPlatform.Generation.Local;

/// <summary>
/// One llama-server child process serving a GGUF file on a loopback port: started, waited on until
/// its /health says ok (the model has loaded), and killed. Its output goes to the log at Debug level.
/// </summary>
public sealed class LlamaServerProcess : IAsyncDisposable
{
    private const int MaxStartAttempts = 3;
    private readonly Process process;
    private readonly Queue<string> recentOutput = new();

    private LlamaServerProcess(Process process, int port)
    {
        this.process = process;
        Endpoint = new Uri($"http://127.0.0.1:{port}/v1/");
        Health = new Uri($"http://127.0.0.1:{port}/health");
    }

    /// <summary>Where an OpenAI client points: the server's /v1/ routes.</summary>
    public Uri Endpoint { get; }
    private Uri Health { get; }
    public bool HasExited => process.HasExited;
    public int Id => process.Id;
    public int? ExitCode => process.HasExited ? process.ExitCode : null;

    /// <summary>Raised when the process ends, whoever ended it.</summary>
    public event Action<LlamaServerProcess>? Exited;

    public static async Task<LlamaServerProcess> StartAsync(string program, string modelPath, int contextTokens, string? extraArguments,
        TimeSpan startTimeout, ILogger logger, CancellationToken cancellationToken)
    {
        if (!File.Exists(modelPath))
            throw new FailedPreconditionException($"the local model file {modelPath} does not exist");
        for (int attempt = 1; ; attempt++)
        {
            var server = Launch(program, modelPath, contextTokens, extraArguments, FreePort.Next(), logger);
            try
            {
                await server.WaitUntilReadyAsync(startTimeout, cancellationToken);
                return server;
            }
            catch (UnavailableException) when (attempt < MaxStartAttempts && server.Output().Contains("bind", StringComparison.OrdinalIgnoreCase))
            {
                await server.DisposeAsync(); // the port was taken between choosing and binding it
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    private static LlamaServerProcess Launch(string program, string modelPath, int contextTokens, string? extraArguments, int port, ILogger logger)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--model", modelPath, "--host", "127.0.0.1", "--port", port.ToString(), "--ctx-size", contextTokens.ToString() })
            info.ArgumentList.Add(argument);
        foreach (var argument in (extraArguments ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            info.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = ChildProcess.Start(info);
        }
        catch (Exception error) when (error is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new FailedPreconditionException($"llama-server could not be started from '{program}' ({error.Message}); set Generation:LlamaServerPath");
        }
        var server = new LlamaServerProcess(process, port);
        process.OutputDataReceived += (_, e) => server.Record(e.Data, logger);
        process.ErrorDataReceived += (_, e) => server.Record(e.Data, logger);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => server.Exited?.Invoke(server);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        logger.LogInformation("Started llama-server {Pid} for {Model} on port {Port}", process.Id, Path.GetFileName(modelPath), port);
        return server;
    }

    private void Record(string? line, ILogger logger)
    {
        if (line is null) return;
        lock (recentOutput)
        {
            recentOutput.Enqueue(line);
            if (recentOutput.Count > 20) recentOutput.Dequeue();
        }
        logger.LogDebug("llama-server {Pid}: {Line}", process.Id, line);
    }

    /// <summary>The last lines it printed, for an error that says why it would not start.</summary>
    public string Output()
    {
        lock (recentOutput) return string.Join('\n', recentOutput);
    }

    /// <summary>/health answers 503 while the model loads and {"status":"ok"} once it can serve.</summary>
    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (process.HasExited)
                throw new UnavailableException($"llama-server exited with code {process.ExitCode} while starting: {LastLine()}");
            if (DateTime.UtcNow > deadline)
                throw new UnavailableException($"llama-server did not load its model within {timeout.TotalSeconds:0} s");
            try
            {
                using var response = await http.GetAsync(Health, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                    if (health.RootElement.TryGetProperty("status", out var status) && status.GetString() == "ok")
                        return;
                }
            }
            catch (Exception error) when (error is HttpRequestException or JsonException || (error is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // not listening, or not answering, yet
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    private string LastLine() => Output().Split('\n').LastOrDefault(l => l.Trim().Length > 0) ?? "no output";

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        process.Dispose();
    }
}
