using System.Diagnostics;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using RagPlatform.Launcher;
using RagPlatform.ServiceDefaults.Processes;

namespace RagPlatform.Tests.Infrastructure;

/// <summary>
/// A real llama.cpp llama-server on a free loopback port, serving the random-weight GGUF with the
/// arguments given (e.g. --embedding --pooling mean). Ready once /health reports ok; its output is
/// kept in a log file in its own temporary folder; killed on dispose.
/// </summary>
public sealed class LlamaServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private readonly Process process;
    private readonly StreamWriter log;

    private LlamaServer(Process process, StreamWriter log, string directory, int port)
    {
        this.process = process;
        this.log = log;
        Directory = directory;
        Port = port;
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Directory { get; }
    public int Port { get; }
    public string LogPath => Path.Combine(Directory, "llama-server.log");
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");
    /// <summary>Where an OpenAI client points: the server's /v1/ routes.</summary>
    public Uri OpenAIEndpoint => new(BaseAddress, "v1/");
    /// <summary>A client of this server, for its own endpoints (/health, /props, /v1/models).</summary>
    public HttpClient Http { get; }
    public bool HasExited => process.HasExited;

    public static async Task<LlamaServer> StartAsync(IEnumerable<string> arguments, LlamaBuild? build = null,
        CancellationToken cancellationToken = default, string? model = null)
    {
        build ??= LlamaBuild.Locate();
        var extra = arguments.ToList();
        for (int attempt = 1; ; attempt++)
        {
            var server = Launch(build, model ?? build.ModelPath, extra, FreePort.Next());
            try
            {
                await server.WaitUntilReadyAsync(cancellationToken);
                return server;
            }
            catch (IOException) when (attempt < 5 && server.LogText().Contains("bind", StringComparison.OrdinalIgnoreCase))
            {
                await server.DisposeAsync(); // the port was taken between probing and binding
            }
            catch
            {
                await server.DisposeAsync(keepLog: true);
                throw;
            }
        }
    }

    private static LlamaServer Launch(LlamaBuild build, string model, IReadOnlyList<string> extra, int port)
    {
        var directory = Path.Combine(Path.GetTempPath(), "ragplatform-llama-" + Guid.NewGuid().ToString("N")[..10]);
        System.IO.Directory.CreateDirectory(directory);
        var info = new ProcessStartInfo(build.Tool("llama-server"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--model", model, "--host", "127.0.0.1", "--port", port.ToString() }.Concat(extra))
            info.ArgumentList.Add(argument);
        var log = new StreamWriter(Path.Combine(directory, "llama-server.log")) { AutoFlush = true };
        log.WriteLine("$ " + info.FileName + " " + string.Join(' ', info.ArgumentList));
        var process = ChildProcess.Start(info);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new LlamaServer(process, log, directory, port);
    }

    /// <summary>/health answers 503 while the model loads and {"status":"ok"} once it can serve.</summary>
    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (process.HasExited)
                throw new IOException($"llama-server exited with code {process.ExitCode}:\n{LogTail()}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"llama-server was not ready within {StartTimeout.TotalSeconds} s:\n{LogTail()}");
            try
            {
                using var response = await Http.GetAsync("health", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    var health = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                    if (health.TryGetProperty("status", out var status) && status.GetString() == "ok")
                        return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>The JSON a GET of <paramref name="path"/> returns, e.g. "v1/models" or "props".</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The model's embedding width (n_embd), as /v1/models reports it.</summary>
    public async Task<int> EmbeddingDimensionAsync()
    {
        var models = await GetJsonAsync("v1/models");
        return models.GetProperty("data")[0].GetProperty("meta").GetProperty("n_embd").GetInt32();
    }

    /// <summary>Freezes the process (SIGSTOP): its port still accepts connections, but nothing answers.</summary>
    public void Pause() => Signal(SigStop);

    /// <summary>Lets a paused process run again (SIGCONT).</summary>
    public void Resume() => Signal(SigCont);

    /// <summary>Stops the server at once (SIGKILL), as a crash would.</summary>
    public async Task StopAsync()
    {
        if (process.HasExited) return;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    public string LogText()
    {
        lock (log)
        {
            using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            return reader.ReadToEnd();
        }
    }

    public string LogTail(int lines = 40) => string.Join('\n', LogText().Split('\n').TakeLast(lines));

    public ValueTask DisposeAsync() => DisposeAsync(keepLog: false);

    /// <summary>Kills the server; the log folder stays only when start-up failed, for whoever reads the failure.</summary>
    private async ValueTask DisposeAsync(bool keepLog)
    {
        if (!process.HasExited)
        {
            Signal(SigCont); // a paused process cannot act on its kill until it runs
            await StopAsync();
        }
        process.Dispose();
        Http.Dispose();
        lock (log) log.Dispose();
        if (!keepLog)
            try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }

    private const int SigCont = 18, SigStop = 19; // Linux numbering

    private void Signal(int signal)
    {
        if (!process.HasExited && kill(process.Id, signal) != 0)
            throw new IOException($"kill({process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
