using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Launcher;
using RagPlatform.QueryRouter.Caching;
using RagPlatform.QueryRouter.Sources;
using RagPlatform.ServiceDefaults.Tenancy;
using RagPlatform.Tests.Infrastructure;
using StackExchange.Redis;

namespace RagPlatform.Tests.Component;

/// <summary>The answer cache in Redis, against a real redis-server that the test stops and starts.</summary>
public sealed class AnswerCacheRedisTests
{
    private static string RedisDirectory() => Path.Combine(Path.GetTempPath(), "ragplatform-answers-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Redis_down_answers_come_uncached_and_caching_resumes_without_a_stale_answer()
    {
        await using var redis = await RedisServer.StartAsync(RedisDirectory());
        await using var host = await ServiceHost.StartStandaloneAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["QueryRouter:Cache:CoolDown"] = "00:00:00.200",
            // A busy 2-core machine can take longer than the 100 ms default to answer even a live Redis.
            ["QueryRouter:Cache:Timeout"] = "00:00:01",
            ["Embedding:Cache:CoolDown"] = "00:00:00.200",
        });
        var router = new QueryRouterService.QueryRouterServiceClient(host.Channel);
        var tenant = ServiceHost.Tenant("outage");
        async Task IngestAsync(string text)
        {
            using var call = router.Ingest(tenant);
            await call.RequestStream.WriteAsync(new IngestRequest { DocumentId = "bees.md", ContentType = "text/markdown", Content = ByteString.CopyFromUtf8(text) });
            await call.RequestStream.CompleteAsync();
            Assert.Equal(1u, (await call).Indexed);
        }
        Task<AskResponse> AskAsync() => router.AskAsync(new AskRequest { Question = "Who decoded the waggle dance?" }, tenant).ResponseAsync;

        await IngestAsync("# Bees\n\nKarl von Frisch decoded the waggle dance of honeybees.");
        // A caller that names its source: the router reads that source alone, never the whole list.
        var named = ServiceHost.Tenant("outage-named");
        using (var call = router.Ingest(named))
        {
            await call.RequestStream.WriteAsync(new IngestRequest { Source = "hives", DocumentId = "hives.md", ContentType = "text/markdown", Content = ByteString.CopyFromUtf8("# Hives\n\nLangstroth patented the movable-frame hive.") });
            await call.RequestStream.CompleteAsync();
            Assert.Equal(1u, (await call).Indexed);
        }
        Task<AskResponse> AskNamedAsync() => router.AskAsync(new AskRequest { Question = "Who patented the movable-frame hive?", Sources = { "hives" } }, named).ResponseAsync;
        Assert.Equal(CacheStatus.Miss, (await AskNamedAsync()).CacheStatus);
        Assert.Equal(CacheStatus.Miss, (await AskAsync()).CacheStatus);
        Assert.Equal(CacheStatus.HitExact, (await AskAsync()).CacheStatus);
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            var keys = connection.GetServer(connection.GetEndPoints()[0]).Keys(pattern: "ragplatform:outage:*").Select(k => k.ToString()).ToList();
            Assert.Contains(keys, k => k.StartsWith("ragplatform:outage:answer:"));
            Assert.Contains("ragplatform:outage:corpus:default", keys);
            Assert.Contains(keys, k => k.StartsWith("ragplatform:outage:conversation:"));
        }

        await redis.StopAsync();
        for (int i = 0; i < 5; i++)
        {
            var uncached = await AskAsync();
            Assert.Equal(CacheStatus.Bypassed, uncached.CacheStatus);
            Assert.Contains("Karl von Frisch", uncached.Answer);
            var namedUncached = await AskNamedAsync();
            Assert.Equal(CacheStatus.Bypassed, namedUncached.CacheStatus);
            Assert.Contains("Langstroth", namedUncached.Answer);
        }
        using var http = new HttpClient { BaseAddress = host.Address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        Assert.Equal("Degraded", await http.GetStringAsync("/health"));
        // A change while Redis is away is refused before anything is written: without the source registry the
        // router cannot tell whether a reindex is moving the source, so it acknowledges no write. Nothing changes.
        var changed = new IngestRequest { DocumentId = "bees.md", ContentType = "text/markdown", Content = ByteString.CopyFromUtf8("# Bees\n\nMartin Lindauer decoded the waggle dance of honeybees.") };
        using (var call = router.Ingest(tenant))
        {
            await call.RequestStream.WriteAsync(changed);
            await call.RequestStream.CompleteAsync();
            var refused = (await call).Results.Single();
            Assert.Equal(DocumentStatus.Failed, refused.Status);
            Assert.Equal((int)StatusCode.Unavailable, refused.Error.Code);
            Assert.Contains("Redis", refused.Error.Message);
        }
        Assert.Contains("Karl von Frisch", (await AskAsync()).Answer);

        await redis.StartAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        AskResponse resumed;
        while ((resumed = await AskAsync()).CacheStatus == CacheStatus.Bypassed)
        {
            Assert.True(DateTime.UtcNow < deadline, "caching did not resume after Redis came back");
            await Task.Delay(100);
        }
        Assert.Equal((CacheStatus.HitExact, true), (resumed.CacheStatus, resumed.Answer.Contains("Karl von Frisch"))); // nothing changed

        // The change, retried once Redis is back, makes the cached answer stale.
        await IngestAsync("# Bees\n\nMartin Lindauer decoded the waggle dance of honeybees.");
        var after = await AskAsync();
        Assert.Equal(CacheStatus.Stale, after.CacheStatus);
        Assert.Contains("Martin Lindauer", after.Answer);
        var hit = await AskAsync();
        Assert.Equal(CacheStatus.HitExact, hit.CacheStatus);
        Assert.Contains("Martin Lindauer", hit.Answer);
    }

    [Fact]
    public async Task Router_replicas_agree_on_corpus_versions_through_redis()
    {
        await using var redis = await RedisServer.StartAsync(RedisDirectory());
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        // A busy 2-core machine can take longer than the 100 ms default to answer even a live Redis.
        var options = Options.Create(new AnswerCacheOptions { Timeout = TimeSpan.FromSeconds(2) });
        CorpusVersions Replica() => new(new RouterRedis(options, NullLogger<RouterRedis>.Instance, connection), NullLogger<CorpusVersions>.Instance);
        var (one, two) = (Replica(), Replica());

        using var _ = TenantContext.Use("replicas");
        string[] keys = [CorpusVersions.Key("replicas", "docs"), CorpusVersions.Key("replicas", "other"), CorpusVersions.TenantKey("replicas")];
        Assert.Equal(new long[] { 0, 0, 0 }, await two.ReadAsync(keys));
        await one.BumpAsync("docs");
        await one.BumpAsync("docs");
        await two.BumpAsync("other");
        Assert.Equal(new long[] { 2, 1, 3 }, await two.ReadAsync(keys));
        Assert.Equal(new long[] { 2, 1, 3 }, await one.ReadAsync(keys));
    }
}
