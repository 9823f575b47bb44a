using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace RagPlatform.QueryRouter.Caching;

/// <summary>
/// Cached answers by key: in Redis when configured (shared by every replica), else in this
/// process's memory, bounded and evicting the least recently used.
/// </summary>
public sealed class AnswerStore(RouterRedis redis, IOptions<AnswerCacheOptions> options) : IDisposable
{
    private readonly MemoryCache? memory = redis.IsConfigured
        ? null
        : new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.MaxMemoryEntries });

    /// <summary>The stored bytes (null when absent); Available is false when Redis cannot be reached.</summary>
    public async Task<(bool Available, byte[]? Value)> GetAsync(string key)
    {
        if (memory is not null)
            return (true, memory.Get<byte[]>(key));
        var (ok, value) = await redis.TryAsync(db => db.StringGetAsync(key));
        return (ok, ok ? (byte[]?)value : null);
    }

    public void Set(string key, byte[] value, TimeSpan timeToLive)
    {
        if (memory is not null)
            memory.Set(key, value, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = timeToLive });
        else
            redis.TrySend(db => db.StringSet(key, value, timeToLive, flags: StackExchange.Redis.CommandFlags.FireAndForget));
    }

    public void Dispose() => memory?.Dispose();
}
