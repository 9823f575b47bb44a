using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RagPlatform.ServiceDefaults.Tenancy;
using StackExchange.Redis;

namespace RagPlatform.QueryRouter.Sources;

/// <summary>
/// A counter per source, bumped by every ingest or delete, so answers cached over an older
/// corpus are known to be stale. Kept in Redis when configured, so every router replica agrees;
/// otherwise in this process (the single-process default).
/// </summary>
public sealed class CorpusVersions(ILogger<CorpusVersions> logger, IConnectionMultiplexer? redis = null)
{
    private readonly ConcurrentDictionary<string, long> local = new();

    public static string Key(string tenant, string source) => $"ragplatform:{tenant}:corpus:{source}";

    public async Task<long> BumpAsync(string source)
    {
        var key = Key(TenantContext.Require(), source);
        if (redis is not null)
        {
            try
            {
                return await redis.GetDatabase().StringIncrementAsync(key);
            }
            catch (RedisException error)
            {
                // Without Redis, replicas cannot agree on versions; caching must then stay off.
                logger.LogWarning(error, "Redis is unavailable; corpus version of {Source} kept locally", source);
            }
        }
        return local.AddOrUpdate(key, 1, (_, v) => v + 1);
    }

    /// <summary>The source's current version (0 before its first change).</summary>
    public async Task<long> CurrentAsync(string source)
    {
        var key = Key(TenantContext.Require(), source);
        if (redis is not null)
        {
            try
            {
                var value = await redis.GetDatabase().StringGetAsync(key);
                return value.IsNull ? 0 : (long)value;
            }
            catch (RedisException error)
            {
                logger.LogWarning(error, "Redis is unavailable; corpus version of {Source} read locally", source);
            }
        }
        return local.GetValueOrDefault(key);
    }
}
