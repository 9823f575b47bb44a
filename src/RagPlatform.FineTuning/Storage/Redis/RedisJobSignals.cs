using StackExchange.Redis;

namespace RagPlatform.FineTuning.Storage.Redis;

/// <summary>
/// Wakes this replica's waiters when any replica changes a job or queues one (Redis pub/sub).
/// A message can be missed (a reconnect, a subscription not yet made), so waiters also wake
/// after a short interval and read again: a signal saves time, it is never needed for correctness.
/// A job's signal is kept only while someone waits on it, so jobs that never change again (ended,
/// or watched once and forgotten) leave nothing behind.
/// </summary>
public sealed class RedisJobSignals(IConnectionMultiplexer redis, ILogger<RedisJobSignals> logger)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private readonly Dictionary<string, ChangeSignal> changed = new(StringComparer.Ordinal); // guarded by itself
    private TaskCompletionSource queued = NewSignal();
    private int subscribed;

    /// <summary>
    /// A signal that completes when the job changes: take it before reading what it guards, wait on
    /// its task (with <see cref="WaitAsync"/>), and dispose it when done, whether it fired or not.
    /// </summary>
    public ChangeSignal.Lease ChangeOf(string tenant, string jobId)
    {
        Subscribe();
        var key = RedisJobKeys.ChangeMessage(tenant, jobId);
        lock (changed)
        {
            if (!changed.TryGetValue(key, out var signal)) changed[key] = signal = new ChangeSignal(this, key);
            signal.Holders++;
            return signal.Hold();
        }
    }

    /// <summary>Jobs someone on this replica is waiting on now.</summary>
    public int WatchedJobs
    {
        get { lock (changed) return changed.Count; }
    }

    private void Fire(string key)
    {
        ChangeSignal? signal;
        lock (changed)
            if (changed.Remove(key, out signal)) signal.Fired = true;
        signal?.Source.TrySetResult();
    }

    private void Release(ChangeSignal signal)
    {
        lock (changed)
            if (--signal.Holders == 0 && !signal.Fired) changed.Remove(signal.Key);
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
        _ = subscriber.SubscribeAsync(RedisJobKeys.Changes, (_, message) => Fire(message.ToString()))
            .ContinueWith(Failed, TaskScheduler.Default);
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

    /// <summary>One job's signal, shared by this replica's waiters on it; each holds it through a <see cref="Lease"/>.</summary>
    public sealed class ChangeSignal(RedisJobSignals owner, string key)
    {
        internal string Key => key;
        internal TaskCompletionSource Source { get; } = NewSignal();
        internal int Holders;
        internal bool Fired;

        internal Lease Hold() => new(this);

        internal void Release() => owner.Release(this);

        /// <summary>A waiter's hold on the signal: its task, released once on dispose.</summary>
        public sealed class Lease(ChangeSignal signal) : IDisposable
        {
            private int released;

            public Task Task => signal.Source.Task;

            public void Dispose()
            {
                if (Interlocked.Exchange(ref released, 1) == 0) signal.Release();
            }
        }
    }
}
