using System.Collections.Concurrent;
using StackExchange.Redis;

namespace RagPlatform.FineTuning.Storage.Redis;

/// <summary>
/// Wakes this replica's waiters when any replica changes a job or queues one (Redis pub/sub).
/// A message can be missed (a reconnect, a subscription not yet made), so waiters also wake
/// after a short interval and read again: a signal saves time, it is never needed for correctness.
/// </summary>
public sealed class RedisJobSignals(IConnectionMultiplexer redis, ILogger<RedisJobSignals> logger)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> changed = new(StringComparer.Ordinal);
    private TaskCompletionSource queued = NewSignal();
    private int subscribed;

    /// <summary>Completes when the job changes, or after <see cref="PollInterval"/>. Take it before reading what it guards.</summary>
    public Task ChangeOf(string tenant, string jobId)
    {
        Subscribe();
        return changed.GetOrAdd(RedisJobKeys.ChangeMessage(tenant, jobId), _ => NewSignal()).Task;
    }

    /// <summary>Completes when a job is queued anywhere, or after <see cref="PollInterval"/>.</summary>
    public Task Queued()
    {
        Subscribe();
        return queued.Task;
    }

    public static async Task WaitAsync(Task signal, CancellationToken cancellationToken)
    {
        try { await signal.WaitAsync(PollInterval, cancellationToken); }
        catch (TimeoutException) { }
    }

    private void Subscribe()
    {
        if (Interlocked.Exchange(ref subscribed, 1) == 1) return;
        var subscriber = redis.GetSubscriber();
        _ = subscriber.SubscribeAsync(RedisJobKeys.Changes, (_, message) =>
        {
            if (changed.TryRemove(message.ToString(), out var signal)) signal.TrySetResult();
        }).ContinueWith(Failed, TaskScheduler.Default);
        _ = subscriber.SubscribeAsync(RedisJobKeys.Queued, (_, _) => Interlocked.Exchange(ref queued, NewSignal()).TrySetResult())
            .ContinueWith(Failed, TaskScheduler.Default);
    }

    private void Failed(Task subscription)
    {
        if (!subscription.IsFaulted) return;
        logger.LogWarning(subscription.Exception, "Fine-tune job signals are not subscribed; waiters poll instead");
        Interlocked.Exchange(ref subscribed, 0);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
