using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using RagPlatform.FineTuning.Datasets;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.ServiceDefaults.Processes;

namespace RagPlatform.FineTuning.Executors.Llama;

/// <summary>
/// A GGUF base's own tokenizer: a llama-server started for the base on a loopback port when the first
/// batch is counted, asked its /tokenize for each text (a few requests at once over kept-alive
/// connections, as /tokenize takes one text), and stopped when validation ends. Its context is kept
/// tiny: only the vocabulary is used, so a large base costs its load, not a full KV cache.
/// </summary>
public sealed class LlamaTokenizer(string serverPath, string modelPath, string baseModel, int contextSize, ILogger logger) : IBaseTokenizer
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private const int ConcurrentRequests = 4;
    private const int MaxStartAttempts = 3;
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromMinutes(1) };
    private Process? server;
    private Uri? endpoint;

    public string BaseModel => baseModel;
    public int MaxTokens => contextSize;

    public async Task<TokenCount[]> CountAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var tokenize = await StartedAsync(cancellationToken);
        var counts = new TokenCount[texts.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, texts.Count),
            new ParallelOptions { MaxDegreeOfParallelism = ConcurrentRequests, CancellationToken = cancellationToken },
            async (i, token) => counts[i] = new TokenCount(await CountOneAsync(tokenize, texts[i], token)));
        return counts;
    }

    private async Task<int> CountOneAsync(Uri tokenize, string text, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.PostAsJsonAsync(tokenize, new { content = text }, cancellationToken);
            response.EnsureSuccessStatusCode();
            using var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
            return body.RootElement.GetProperty("tokens").GetArrayLength();
        }
        catch (Exception error) when (error is HttpRequestException or JsonException or KeyNotFoundException
                                      || (error is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw Unreachable($"its /tokenize failed ({error.Message})", error);
        }
    }

    private async Task<Uri> StartedAsync(CancellationToken cancellationToken)
    {
        if (endpoint is not null) return endpoint;
        if (!File.Exists(serverPath))
            throw new FailedPreconditionException($"llama-server, which counts the tokens of '{baseModel}', is not in FineTuning:LlamaBinDirectory ({serverPath})");
        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort.Next();
            server = Launch(port);
            try
            {
                await WaitUntilReadyAsync(new Uri($"http://127.0.0.1:{port}/health"), cancellationToken);
                return endpoint = new Uri($"http://127.0.0.1:{port}/tokenize");
            }
            catch (UnavailableException) when (attempt < MaxStartAttempts && server.HasExited)
            {
                Stop(); // most likely the port was taken between choosing and binding it
            }
            catch
            {
                Stop();
                throw;
            }
        }
    }

    private Process Launch(int port)
    {
        var info = new ProcessStartInfo(serverPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--model", modelPath, "--host", "127.0.0.1", "--port", port.ToString(), "--ctx-size", "64",
                     "--parallel", "1", "--no-warmup" })
            info.ArgumentList.Add(argument);
        var process = ChildProcess.Start(info);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) logger.LogDebug("llama-server (tokenizer of {Model}): {Line}", baseModel, e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) logger.LogDebug("llama-server (tokenizer of {Model}): {Line}", baseModel, e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>/health answers 503 while the model loads and 200 once it can serve.</summary>
    private async Task WaitUntilReadyAsync(Uri health, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (server!.HasExited) throw Unreachable($"it exited with code {server.ExitCode} while loading", null);
            if (deadline.Elapsed > StartTimeout) throw Unreachable($"it did not load the model within {StartTimeout.TotalSeconds:0} s", null);
            try
            {
                using var response = await http.GetAsync(health, cancellationToken);
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception error) when (error is HttpRequestException || (error is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // not listening yet
            }
            await Task.Delay(50, cancellationToken);
        }
    }

    private UnavailableException Unreachable(string why, Exception? inner) =>
        new($"llama-server, which counts the tokens of '{baseModel}' ({Path.GetFileName(modelPath)}), is not reachable: {why}", inner);

    private void Stop()
    {
        if (server is null) return;
        try
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
                server.WaitForExit();
            }
        }
        catch (InvalidOperationException) { } // already gone
        server.Dispose();
        server = null;
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        http.Dispose();
        return ValueTask.CompletedTask;
    }
}
