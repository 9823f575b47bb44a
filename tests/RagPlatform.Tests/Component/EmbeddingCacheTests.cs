using System.Net;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Embedding.Extensions;
using RagPlatform.Launcher;
using RagPlatform.Tests.Infrastructure;
using StackExchange.Redis;

namespace RagPlatform.Tests.Component;

/// <summary>The Embedding service's Redis cache against a real redis-server that the test stops and starts.</summary>
public sealed class EmbeddingCacheTests
{
    private static EmbedRequest Request(params string[] texts) => new() { Texts = { texts }, InputType = InputType.Query, Dense = true };

    [Fact]
    public async Task Vectors_are_cached_per_tenant_and_redis_down_costs_answers_nothing()
    {
        await using var redis = await RedisServer.StartAsync(Path.Combine(Path.GetTempPath(), "ragplatform-cache-" + Guid.NewGuid().ToString("N")[..8]));
        await using var host = await ServiceHost.StartAsync(b => b.AddEmbeddingService(), a => a.MapEmbeddingService(), new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["Embedding:DefaultModel"] = "hashing-v1",
            ["Embedding:Cache:CoolDown"] = "00:00:00.200",
        });
        var client = new EmbeddingService.EmbeddingServiceClient(host.Channel);

        var first = await client.EmbedAsync(Request("tides", "moon"), ServiceHost.Tenant("acme"));
        Assert.Equal(0u, first.CacheHits);
        var second = await client.EmbedAsync(Request("tides", "moon", "sun"), ServiceHost.Tenant("acme"));
        Assert.Equal(2u, second.CacheHits);
        Assert.Equal(first.Embeddings[0].Dense, second.Embeddings[0].Dense); // the cached vector is the computed one
        Assert.Equal(first.Embeddings[1].TokenCount, second.Embeddings[1].TokenCount);
        Assert.Equal(0u, (await client.EmbedAsync(Request("tides"), ServiceHost.Tenant("globex"))).CacheHits); // no sharing across tenants

        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            var keys = connection.GetServer(connection.GetEndPoints()[0]).Keys(pattern: "ragplatform:*:emb:*").Select(k => k.ToString()).ToList();
            Assert.Contains(keys, k => k.StartsWith("ragplatform:acme:emb:hashing-v1:q:"));
            Assert.Contains(keys, k => k.StartsWith("ragplatform:globex:emb:hashing-v1:q:"));
        }

        await redis.StopAsync();
        for (int i = 0; i < 5; i++)
        {
            var uncached = await client.EmbedAsync(Request("tides", "new text " + i), ServiceHost.Tenant("acme"));
            Assert.Equal(0u, uncached.CacheHits);
            Assert.Equal(first.Embeddings[0].Dense, uncached.Embeddings[0].Dense);
        }
        using var http = new HttpClient { BaseAddress = host.Address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        Assert.Equal("Degraded", await http.GetStringAsync("/health"));

        await redis.StartAsync();
        // Once Redis is back and the breaker's cool-down has passed, caching resumes by itself.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await client.EmbedAsync(Request("resumed"), ServiceHost.Tenant("acme"))).CacheHits == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "caching did not resume after Redis came back");
            await Task.Delay(100);
        }
    }
}
