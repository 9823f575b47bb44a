using System.Collections.Concurrent;
using Google.Protobuf;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.QueryRouter.Caching;
using RagPlatform.ServiceDefaults.Errors;
using StackExchange.Redis;

namespace RagPlatform.QueryRouter.Sources;

/// <summary>
/// Sources in Redis, so every router replica agrees: one hash per tenant (name → the source as
/// JSON) and one key per idempotency key. Adds and swaps are transactions conditioned on what is
/// stored, so racing replicas cannot both win. Reads go through the router's short-timeout Redis
/// and, while Redis is away, answer from what this replica last read, so questions keep being
/// answered; writes need Redis and say UNAVAILABLE without it.
/// </summary>
public sealed class RedisSourceStore(IConnectionMultiplexer redis, RouterRedis reads) : ISourceStore
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<Source>> lastRead = new(StringComparer.Ordinal);

    /// <summary>Each source as last read by name: a question naming its sources never lists them all.</summary>
    private readonly ConcurrentDictionary<(string Tenant, string Name), Source> lastSeen = new();

    /// <summary>
    /// Longer than the answer cache's wait: a slow read must not serve an old list (a source just
    /// created would look missing); an outage still costs it once per cool-down, through the breaker.
    /// </summary>
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How long a create's idempotency key is remembered.</summary>
    public static readonly TimeSpan IdempotencyWindow = TimeSpan.FromDays(1);

    private static RedisKey SourcesKey(string tenant) => $"ragplatform:{tenant}:sources";
    private static RedisKey IdempotencyKey(string tenant, string key) => $"ragplatform:{tenant}:source-create:{key}";

    public async Task<Source?> GetAsync(string tenant, string name, CancellationToken cancellationToken)
    {
        var (ok, json) = await reads.TryAsync(db => db.HashGetAsync(SourcesKey(tenant), name), ReadTimeout);
        if (!ok && lastSeen.TryGetValue((tenant, name), out var seen))
            return seen;
        if (!ok && lastRead.TryGetValue(tenant, out var known))
            return known.FirstOrDefault(s => s.Name == name);
        if (!ok) json = await Call(db => db.HashGetAsync(SourcesKey(tenant), name));
        if (json.IsNull)
        {
            lastSeen.TryRemove((tenant, name), out _);
            return null;
        }
        return lastSeen[(tenant, name)] = Parse(json!);
    }

    public async Task<Source?> GetLatestAsync(string tenant, string name, CancellationToken cancellationToken)
    {
        var json = await Call(db => db.HashGetAsync(SourcesKey(tenant), name));
        return json.IsNull ? null : Parse(json!);
    }

    public async Task<IReadOnlyList<Source>> ListAsync(string tenant, CancellationToken cancellationToken)
    {
        var (ok, entries) = await reads.TryAsync(db => db.HashGetAllAsync(SourcesKey(tenant)), ReadTimeout);
        if (!ok && lastRead.TryGetValue(tenant, out var known))
            return known;
        if (!ok) entries = await Call(db => db.HashGetAllAsync(SourcesKey(tenant)));
        var sources = entries.OrderBy(e => (string)e.Name!, StringComparer.Ordinal).Select(e => Parse(e.Value!)).ToList();
        lastRead[tenant] = sources;
        foreach (var source in sources) lastSeen[(tenant, source.Name)] = source;
        return sources;
    }

    public Task<bool> TryAddAsync(string tenant, Source source, string idempotencyKey, CancellationToken cancellationToken) =>
        Call(async db =>
        {
            var transaction = db.CreateTransaction();
            transaction.AddCondition(Condition.HashNotExists(SourcesKey(tenant), source.Name));
            if (idempotencyKey.Length > 0)
            {
                transaction.AddCondition(Condition.KeyNotExists(IdempotencyKey(tenant, idempotencyKey)));
                _ = transaction.StringSetAsync(IdempotencyKey(tenant, idempotencyKey), source.Name, IdempotencyWindow);
            }
            _ = transaction.HashSetAsync(SourcesKey(tenant), source.Name, JsonFormatter.Default.Format(source));
            return await transaction.ExecuteAsync();
        });

    public Task<string?> NameForKeyAsync(string tenant, string idempotencyKey, CancellationToken cancellationToken) =>
        Call(async db => (string?)await db.StringGetAsync(IdempotencyKey(tenant, idempotencyKey)));

    public Task<bool> TryReplaceAsync(string tenant, Source expected, Source updated, CancellationToken cancellationToken) =>
        Call(async db =>
        {
            var transaction = db.CreateTransaction();
            transaction.AddCondition(Condition.HashEqual(SourcesKey(tenant), expected.Name, JsonFormatter.Default.Format(expected)));
            _ = transaction.HashSetAsync(SourcesKey(tenant), expected.Name, JsonFormatter.Default.Format(updated));
            return await transaction.ExecuteAsync();
        });

    public Task<bool> DeleteAsync(string tenant, string name, CancellationToken cancellationToken) =>
        Call(db => db.HashDeleteAsync(SourcesKey(tenant), name));

    private static Source Parse(string json) => JsonParser.Default.Parse<Source>(json);

    /// <summary>Sources are the router's configuration: without Redis there is no agreed answer, so say so.</summary>
    private async Task<T> Call<T>(Func<IDatabase, Task<T>> work)
    {
        try { return await work(redis.GetDatabase()); }
        catch (RedisException error)
        {
            throw new UnavailableException("the source registry (Redis) is unavailable; retry shortly", error);
        }
    }
}
