using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RagPlatform.ServiceDefaults.Redis;
using StackExchange.Redis;

namespace RagPlatform.QueryRouter.Caching;

/// <summary>
/// Redis as the router uses it (answers, corpus versions, conversations): optional, and never
/// allowed to slow an answer down. Each call waits at most the configured timeout, and after a
/// failure a circuit breaker skips Redis outright for a cool-down, so a dead Redis costs a check.
/// </summary>
public sealed class RouterRedis(IOptions<AnswerCacheOptions> options, ILogger<RouterRedis> logger, IConnectionMultiplexer? redis = null)
{
    private readonly CircuitBreaker breaker = new(options.Value.CoolDown);

    /// <summary>Whether ConnectionStrings:redis is set; without it the router keeps its state in memory.</summary>
    public bool IsConfigured => redis is not null;

    /// <summary>Runs a command; Ok is false when Redis is not configured, failing, or slower than the timeout (the cache's, unless given).</summary>
    public async Task<(bool Ok, T Value)> TryAsync<T>(Func<IDatabase, Task<T>> command, TimeSpan? timeout = null)
    {
        if (redis is null || !breaker.Allow()) return (false, default!);
        try
        {
            var value = await command(redis.GetDatabase()).WaitAsync(timeout ?? options.Value.Timeout);
            breaker.Success();
            return (true, value);
        }
        catch (Exception error) when (error is RedisException or TimeoutException)
        {
            Trip(error);
            return (false, default!);
        }
    }

    /// <summary>
    /// Sends commands without waiting for replies (a lost write is only a later miss). Only while the
    /// breaker is closed: a send learns nothing of Redis's health, so it must not take the trial call.
    /// </summary>
    public bool TrySend(Action<IDatabase> commands)
    {
        if (redis is null || breaker.IsOpen) return false;
        try
        {
            commands(redis.GetDatabase());
            return true;
        }
        catch (RedisException error)
        {
            Trip(error);
            return false;
        }
    }

    private void Trip(Exception error)
    {
        if (!breaker.IsOpen)
            logger.LogWarning("Redis unavailable ({Error}); the router answers without its cache for {CoolDown}", error.Message, options.Value.CoolDown);
        breaker.Failure();
    }
}
