using System.Diagnostics;
using StackExchange.Redis;
using RagPlatform.ServiceDefaults.Processes;

namespace RagPlatform.Launcher;

/// <summary>
/// A real redis-server on a free loopback port, with append-only persistence in its own directory.
/// Ready once it answers PING. Stop and Start again reuse the port and the data.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private Process? process;

    private RedisServer(string directory, int port)
    {
        Directory = directory;
        Port = port;
    }

    public string Directory { get; }
    public int Port { get; }
    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync(string directory, CancellationToken cancellationToken = default)
    {
        System.IO.Directory.CreateDirectory(directory);
        for (int attempt = 1; ; attempt++)
        {
            var server = new RedisServer(directory, FreePort.Next());
            try
            {
                await server.StartAsync(cancellationToken);
                return server;
            }
            catch (IOException) when (attempt < 5)
            {
                await server.DisposeAsync(); // the port was taken between probing and binding
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var executable = Which("redis-server")
            ?? throw new FileNotFoundException("redis-server is not installed (apt-get install -y redis-server)");
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", Directory,
                     "--appendonly", "yes", "--save", "", "--protected-mode", "no", "--daemonize", "no" })
            info.ArgumentList.Add(argument);
        var log = new StreamWriter(Path.Combine(Directory, "redis.log"), append: true) { AutoFlush = true };
        process = ChildProcess.Start(info);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (process.HasExited)
                throw new IOException($"redis-server exited with code {process.ExitCode}; see {Directory}/redis.log");
            try
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync($"{ConnectionString},connectTimeout=500");
                await connection.GetDatabase().PingAsync();
                return;
            }
            // Not listening yet, or listening but still loading its append-only file back (LOADING): not ready.
            catch (Exception error) when (error is RedisConnectionException || error is RedisServerException { Message: var m } && m.StartsWith("LOADING", StringComparison.Ordinal))
            {
                if (DateTime.UtcNow >= deadline) throw;
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    /// <summary>Stops the server at once (SIGKILL), as a crash would.</summary>
    public async Task StopAsync()
    {
        if (process is null || process.HasExited) return;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        process?.Dispose();
    }

    internal static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Concat(["/usr/bin", "/usr/local/bin", "/usr/sbin"])
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
}
