using System.Diagnostics;
using System.Text.RegularExpressions;
using Grpc.Health.V1;
using Grpc.Net.Client;
using RagPlatform.ServiceDefaults.Processes;

namespace RagPlatform.Launcher;

/// <summary>
/// One service replica as a child process. It listens on a port of its own choosing (port 0);
/// the address is read from its start-up log, so no two processes ever race for a port.
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly TaskCompletionSource<Uri> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StreamWriter log;
    private bool disposed;

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();

    private ServiceProcess(string name, string logPath, ProcessStartInfo info)
    {
        Name = name;
        LogPath = logPath;
        log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => listening.TrySetException(
            new InvalidOperationException($"{Name} exited with code {process.ExitCode} before it was ready; see {LogPath}"));
    }

    public string Name { get; }
    public string LogPath { get; }
    public Uri? Address { get; private set; }
    public int ProcessId => process.Id;
    public bool HasExited => process.HasExited;

    public static ServiceProcess Start(string name, string assemblyPath, IReadOnlyDictionary<string, string> environment, string logPath)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assemblyPath)!,
        };
        info.ArgumentList.Add(assemblyPath);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var service = new ServiceProcess(name, logPath, info);
        ChildProcess.Start(service.process);
        service.process.BeginOutputReadLine();
        service.process.BeginErrorReadLine();
        return service;
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (log)
        {
            if (disposed) return;
            log.WriteLine(line);
        }
        var match = ListeningLine().Match(line);
        if (match.Success) listening.TrySetResult(new Uri(match.Groups[1].Value));
    }

    /// <summary>Waits until the process listens and its gRPC health check says SERVING.</summary>
    public async Task<Uri> WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            Address = await listening.Task.WaitAsync(limit.Token);
            using var channel = GrpcChannel.ForAddress(Address);
            var health = new Health.HealthClient(channel);
            while (true)
            {
                try
                {
                    var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: limit.Token);
                    if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving) return Address;
                }
                catch (Grpc.Core.RpcException) when (!limit.IsCancellationRequested) { }
                await Task.Delay(50, limit.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds:0} s; see {LogPath}");
        }
    }

    /// <summary>SIGKILL: the process gets no chance to flush or clean up, as in a crash.</summary>
    public void Kill()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

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
        catch (InvalidOperationException) { }
        process.Dispose();
        lock (log)
        {
            disposed = true;
            log.Dispose();
        }
    }
}
