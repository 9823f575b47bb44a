using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RagPlatform.QueryRouter.Caching;
using RagPlatform.ServiceDefaults.Tenancy;
using StackExchange.Redis;

namespace RagPlatform.QueryRouter.Sources;

/// <summary>
/// A counter per source, bumped by every ingest or delete, so answers cached over an older corpus
/// are known to be stale; and one per tenant, bumped with any of its sources, for answers whose
/// sources the router chose itself. Kept in Redis when configured, so every router replica agrees;
/// otherwise in this process (the single-process default).
/// </summary>
public sealed class CorpusVersions(RouterRedis redis, ILogger<CorpusVersions> logger)
{
    /// <summary>The versions themselves without Redis; with Redis, bumps that could not reach it yet.</summary>
    private readonly ConcurrentDictionary<string, long> local = new();

    public static string Key(string tenant, string source) => $"ragplatform:{tenant}:corpus:{source}";

    /// <summary>Bumped by a change to any of the tenant's sources.</summary>
    public static string TenantKey(string tenant) => $"ragplatform:{tenant}:corpus";

    public async Task<long> BumpAsync(string source)
    {
        var tenant = TenantContext.Require();
        RedisKey[] keys = [Key(tenant, source), TenantKey(tenant)];
        if (redis.IsConfigured && await FlushPendingAsync())
        {
            var (ok, version) = await redis.TryAsync(async db =>
            {
                var batch = db.CreateBatch();
                var bumped = batch.StringIncrementAsync(keys[0]);
                var tenantWide = batch.StringIncrementAsync(keys[1]);
                batch.Execute();
                await tenantWide;
                return await bumped;
            });
            if (ok) return version;
        }
        if (redis.IsConfigured)
            // Remembered and written before any cached answer is trusted again, so none outlives this change.
            logger.LogWarning("Redis is unavailable; the corpus version bump of {Source} waits until it is back", source);
        local.AddOrUpdate(keys[1]!, 1, (_, v) => v + 1);
        return local.AddOrUpdate(keys[0]!, 1, (_, v) => v + 1);
    }

    /// <summary>
    /// The current versions of the given keys (0 for one never bumped), or null when they cannot be
    /// known for sure (Redis configured but unreachable): then no cached answer may be trusted.
    /// </summary>
    public async Task<long[]?> ReadAsync(IReadOnlyList<string> keys)
    {
        if (!redis.IsConfigured)
            return keys.Select(k => local.GetValueOrDefault(k)).ToArray();
        if (!await FlushPendingAsync())
            return null;
        var redisKeys = keys.Select(k => (RedisKey)k).ToArray();
        var (ok, values) = await redis.TryAsync(db => db.StringGetAsync(redisKeys));
        return ok ? values.Select(v => v.IsNull ? 0L : (long)v).ToArray() : null;
    }

    /// <summary>Writes bumps made while Redis was away; false while some are still unwritten.</summary>
    private async Task<bool> FlushPendingAsync()
    {
        if (local.IsEmpty) return true;
        foreach (var key in local.Keys)
        {
            if (!local.TryRemove(key, out var count)) continue;
            var (ok, _) = await redis.TryAsync(db => db.StringIncrementAsync(key, count));
            if (!ok)
            {
                local.AddOrUpdate(key, count, (_, v) => v + count);
                return false;
            }
        }
        return true;
    }

    /// <summary>The source's current version (0 before its first change); while Redis is away, only this replica's unwritten bumps.</summary>
    public async Task<long> CurrentAsync(string source)
    {
        var key = Key(TenantContext.Require(), source);
        return (await ReadAsync([key]))?[0] ?? local.GetValueOrDefault(key);
    }
}
