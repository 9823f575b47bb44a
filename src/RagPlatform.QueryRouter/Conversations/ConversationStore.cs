using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using RagPlatform.QueryRouter.Caching;
using RagPlatform.ServiceDefaults.Tenancy;
using StackExchange.Redis;

namespace RagPlatform.QueryRouter.Conversations;

/// <summary>
/// Conversations' recent turns: a Redis list per conversation when Redis is configured (every
/// replica sees every turn), else in memory; trimmed to the newest turns and expiring when idle.
/// </summary>
public sealed class ConversationStore(RouterRedis redis, IOptions<ConversationOptions> options) : IDisposable
{
    private readonly MemoryCache? memory = redis.IsConfigured
        ? null
        : new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.MaxMemoryConversations });

    public static string Key(string tenant, string conversationId) => $"ragplatform:{tenant}:conversation:{conversationId}";

    /// <summary>The turns, oldest first; none for a new or forgotten conversation, or while Redis is down.</summary>
    public async Task<IReadOnlyList<ConversationTurn>> GetAsync(string conversationId)
    {
        var key = Key(TenantContext.Require(), conversationId);
        if (memory is not null)
            return memory.Get<ConversationTurn[]>(key) ?? [];
        var (ok, values) = await redis.TryAsync(db => db.ListRangeAsync(key));
        return ok ? values.Select(v => JsonSerializer.Deserialize<ConversationTurn>((string)v!)!).ToList() : [];
    }

    public void Append(string conversationId, ConversationTurn turn)
    {
        var key = Key(TenantContext.Require(), conversationId);
        var settings = options.Value;
        if (memory is not null)
        {
            lock (memory)
            {
                var turns = (memory.Get<ConversationTurn[]>(key) ?? []).Append(turn).TakeLast(settings.MaxTurns).ToArray();
                memory.Set(key, turns, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = settings.TimeToLive });
            }
            return;
        }
        redis.TrySend(db =>
        {
            var flags = CommandFlags.FireAndForget;
            db.ListRightPush(key, JsonSerializer.Serialize(turn), flags: flags);
            db.ListTrim(key, -settings.MaxTurns, -1, flags);
            db.KeyExpire(key, settings.TimeToLive, flags);
        });
    }

    public void Dispose() => memory?.Dispose();
}
