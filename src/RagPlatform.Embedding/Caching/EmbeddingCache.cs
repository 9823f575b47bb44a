using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RagPlatform.ServiceDefaults.Redis;
using RagPlatform.ServiceDefaults.Tenancy;
using StackExchange.Redis;

namespace RagPlatform.Embedding.Caching;

/// <summary>
/// Dense vectors in Redis, keyed by tenant, model and a hash of the input, fetched for a whole
/// batch in one round trip. Every failure degrades to a miss: the service answers without the
/// cache (a warning, Degraded health) and a circuit breaker keeps a dead Redis from costing
/// more than a check per request, until it is back.
/// </summary>
public sealed class EmbeddingCache(IConnectionMultiplexer redis, IOptions<EmbeddingCacheOptions> options, ILogger<EmbeddingCache> logger)
{
    private readonly CircuitBreaker breaker = new(options.Value.CoolDown);

    public static string Key(string tenant, string model, bool isQuery, string text)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        return $"ragplatform:{tenant}:emb:{model}:{(isQuery ? 'q' : 'd')}:{hash}";
    }

    /// <summary>Cached vectors, one slot per text (null for a miss); all misses when the cache is unavailable.</summary>
    public async Task<CachedVector?[]> GetManyAsync(string model, int dimension, bool isQuery, IReadOnlyList<string> texts)
    {
        var found = new CachedVector?[texts.Count];
        if (!breaker.Allow()) return found;
        var tenant = TenantContext.Require();
        var keys = texts.Select(t => (RedisKey)Key(tenant, model, isQuery, t)).ToArray();
        try
        {
            var values = await redis.GetDatabase().StringGetAsync(keys).WaitAsync(options.Value.Timeout);
            for (int i = 0; i < values.Length; i++) found[i] = CachedVector.Deserialize(values[i], dimension);
            breaker.Success();
        }
        catch (Exception error) when (error is RedisException or TimeoutException)
        {
            Trip(error);
        }
        return found;
    }

    /// <summary>
    /// Stores vectors without waiting for Redis (fire-and-forget): a lost write is only a later miss.
    /// Only while the breaker is closed: a send learns nothing of Redis's health, so it must not take
    /// the trial call that would otherwise never report back and keep the breaker open for good.
    /// </summary>
    public void SetMany(string model, bool isQuery, IReadOnlyList<(string Text, CachedVector Vector)> entries)
    {
        if (entries.Count == 0 || breaker.IsOpen) return;
        var tenant = TenantContext.Require();
        try
        {
            var database = redis.GetDatabase();
            foreach (var (text, vector) in entries)
                database.StringSet(Key(tenant, model, isQuery, text), vector.Serialize(), options.Value.TimeToLive, flags: CommandFlags.FireAndForget);
        }
        catch (RedisException error)
        {
            Trip(error);
        }
    }

    private void Trip(Exception error)
    {
        if (!breaker.IsOpen)
            logger.LogWarning("Embedding cache unavailable ({Error}); answering without it for {CoolDown}", error.Message, options.Value.CoolDown);
        breaker.Failure();
    }
}
