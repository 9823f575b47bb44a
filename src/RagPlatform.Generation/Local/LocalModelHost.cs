using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RagPlatform.Generation.Models;

namespace RagPlatform.Generation.Local;

/// <summary>
/// Serves local GGUF models, one llama-server child process each: started on the first request,
/// started again at once when it crashes (and, failing that, on the next request), and stopped once it has been idle for
/// <see cref="GenerationOptions.LocalModelIdleTimeout"/>. A caller holds a <see cref="LocalModelLease"/>
/// for the length of its call, so a server is never stopped under a request.
/// </summary>
public sealed class LocalModelHost(IOptions<GenerationOptions> options, ILogger<LocalModelHost> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, SupervisedServer> servers = new(StringComparer.Ordinal);

    public async Task<LocalModelLease> AcquireAsync(string name, ChatModelOptions model, CancellationToken cancellationToken)
    {
        var server = servers.GetOrAdd(name, _ => new SupervisedServer(name, options.Value, logger));
        return await server.AcquireAsync(model, cancellationToken);
    }

    /// <summary>The running servers' process ids, by model name (for health reports and tests).</summary>
    public IReadOnlyDictionary<string, int> Running =>
        servers.Where(s => s.Value.ProcessId is not null).ToDictionary(s => s.Key, s => s.Value.ProcessId!.Value);

    public async ValueTask DisposeAsync()
    {
        foreach (var server in servers.Values)
            await server.DisposeAsync();
    }

    private sealed class SupervisedServer : IAsyncDisposable
    {
        private readonly string name;
        private readonly GenerationOptions settings;
        private readonly ILogger logger;
        private readonly SemaphoreSlim gate = new(1, 1);
        private readonly Timer idleCheck;
        private LlamaServerProcess? current;
        private ChatModelOptions? model;
        private int inFlight;
        private DateTime lastUsed = DateTime.UtcNow;
        private bool disposed;

        public SupervisedServer(string name, GenerationOptions settings, ILogger logger)
        {
            this.name = name;
            this.settings = settings;
            this.logger = logger;
            var period = TimeSpan.FromTicks(Math.Clamp(settings.LocalModelIdleTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 200, TimeSpan.TicksPerSecond * 30));
            idleCheck = new Timer(_ => _ = StopIfIdleAsync(), null, period, period);
        }

        public int? ProcessId => current is { HasExited: false } running ? running.Id : null;

        public async Task<LocalModelLease> AcquireAsync(ChatModelOptions model, CancellationToken cancellationToken)
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                if (current is { HasExited: true } crashed)
                {
                    logger.LogWarning("llama-server for {Model} had exited (code {Code}); starting it again", name, crashed.ExitCode);
                    await crashed.DisposeAsync();
                    current = null;
                }
                this.model = model;
                current ??= await StartAsync(model, cancellationToken);
                Interlocked.Increment(ref inFlight);
                return new LocalModelLease(current.Endpoint, Release);
            }
            finally
            {
                gate.Release();
            }
        }

        private async Task<LlamaServerProcess> StartAsync(ChatModelOptions model, CancellationToken cancellationToken)
        {
            var server = await LlamaServerProcess.StartAsync(settings.LlamaServerPath ?? "llama-server", model.ModelPath!,
                model.ContextTokens, model.ServerArguments, settings.LocalModelStartTimeout, logger, cancellationToken);
            server.Exited += exited => _ = RestartAfterCrashAsync(exited);
            return server;
        }

        /// <summary>A server that died on its own is replaced straight away; one we stopped is not.</summary>
        private async Task RestartAfterCrashAsync(LlamaServerProcess exited)
        {
            await gate.WaitAsync();
            try
            {
                if (disposed || !ReferenceEquals(current, exited) || model is null)
                    return;
                logger.LogWarning("llama-server for {Model} exited unexpectedly (code {Code}); starting it again", name, exited.ExitCode);
                await exited.DisposeAsync();
                current = null;
                current = await StartAsync(model, CancellationToken.None);
            }
            catch (Exception error)
            {
                logger.LogWarning("llama-server for {Model} could not be started again ({Error}); the next request will try", name, error.Message);
            }
            finally
            {
                gate.Release();
            }
        }

        private void Release()
        {
            lastUsed = DateTime.UtcNow;
            Interlocked.Decrement(ref inFlight);
        }

        private async Task StopIfIdleAsync()
        {
            if (current is null || Volatile.Read(ref inFlight) > 0 || DateTime.UtcNow - lastUsed < settings.LocalModelIdleTimeout)
                return;
            if (!await gate.WaitAsync(0))
                return; // starting or being acquired: not idle
            try
            {
                if (current is null || Volatile.Read(ref inFlight) > 0 || DateTime.UtcNow - lastUsed < settings.LocalModelIdleTimeout)
                    return;
                logger.LogInformation("Stopping llama-server for {Model}: idle for {Idle}", name, settings.LocalModelIdleTimeout);
                var stopping = current;
                current = null; // before the kill, so that its exit is not taken for a crash
                await stopping.DisposeAsync();
            }
            finally
            {
                gate.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await idleCheck.DisposeAsync();
            await gate.WaitAsync();
            try
            {
                disposed = true;
                var stopping = current;
                current = null;
                if (stopping is not null)
                    await stopping.DisposeAsync();
            }
            finally
            {
                gate.Release();
            }
        }
    }
}

/// <summary>A local model server held for one call; disposing it lets the server go idle.</summary>
public sealed class LocalModelLease(Uri endpoint, Action release) : IDisposable
{
    private int released;

    public Uri Endpoint { get; } = endpoint;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref released, 1) == 0)
            release();
    }
}
