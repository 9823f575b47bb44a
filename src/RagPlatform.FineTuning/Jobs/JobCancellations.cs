using System.Collections.Concurrent;

namespace RagPlatform.FineTuning.Jobs;

/// <summary>The jobs this process is running, so that a cancel reaches their worker at once.</summary>
public sealed class JobCancellations
{
    private readonly ConcurrentDictionary<(string Tenant, string JobId), CancellationTokenSource> running = new();

    public IDisposable Track(string tenant, string jobId, CancellationTokenSource source)
    {
        running[(tenant, jobId)] = source;
        return new Untrack(() => running.TryRemove(new((tenant, jobId), source)));
    }

    public void Cancel(string tenant, string jobId)
    {
        if (running.TryGetValue((tenant, jobId), out var source))
            try { source.Cancel(); } catch (ObjectDisposedException) { }
    }

    private sealed class Untrack(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
