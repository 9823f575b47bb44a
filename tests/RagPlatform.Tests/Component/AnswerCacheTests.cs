using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.QueryRouter.Caching;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

/// <summary>The answer cache through the standalone composition on its embedded default (memory).</summary>
public sealed class AnswerCacheTests : IAsyncLifetime
{
    private ServiceHost host = null!;
    private QueryRouterService.QueryRouterServiceClient router = null!;

    public async Task InitializeAsync()
    {
        host = await ServiceHost.StartStandaloneAsync();
        router = new QueryRouterService.QueryRouterServiceClient(host.Channel);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    private const string Bees = "# Honeybees\n\nKarl von Frisch decoded the waggle dance of honeybees. He shared the 1973 Nobel Prize for it.";
    private const string BeesRevised = "# Honeybees\n\nMartin Lindauer decoded the waggle dance of honeybees, as a student of von Frisch.";

    private async Task IngestAsync(string tenant, string id, string text, string source = "")
    {
        using var call = router.Ingest(ServiceHost.Tenant(tenant));
        await call.RequestStream.WriteAsync(new IngestRequest { Source = source, DocumentId = id, ContentType = "text/markdown", Content = ByteString.CopyFromUtf8(text) });
        await call.RequestStream.CompleteAsync();
        Assert.Equal(0u, (await call).Failed);
    }

    private Task<AskResponse> AskAsync(string tenant, string question, Action<AskRequest>? shape = null)
    {
        var request = new AskRequest { Question = question };
        shape?.Invoke(request);
        return router.AskAsync(request, ServiceHost.Tenant(tenant)).ResponseAsync;
    }

    [Fact]
    public async Task An_answer_changes_after_its_document_changes()
    {
        await IngestAsync("changes", "bees.md", Bees);
        var first = await AskAsync("changes", "Who decoded the waggle dance?");
        Assert.Equal(CacheStatus.Miss, first.CacheStatus);
        Assert.Contains("Karl von Frisch", first.Answer);

        var again = await AskAsync("changes", "  who DECODED the waggle dance ");
        Assert.Equal(CacheStatus.HitExact, again.CacheStatus);
        Assert.Equal(first.Answer, again.Answer);
        Assert.Equal(first.Citations, again.Citations);
        Assert.Equal(["cache"], again.Timings.Select(t => t.Stage));
        Assert.NotEqual(first.TraceId, again.TraceId);

        await IngestAsync("changes", "bees.md", BeesRevised);
        var changed = await AskAsync("changes", "Who decoded the waggle dance?");
        Assert.Equal(CacheStatus.Stale, changed.CacheStatus);
        Assert.Contains("Martin Lindauer", changed.Answer);
        var cachedChange = await AskAsync("changes", "Who decoded the waggle dance?");
        Assert.Equal(CacheStatus.HitExact, cachedChange.CacheStatus);
        Assert.Contains("Martin Lindauer", cachedChange.Answer);

        // A delete is a change too; the answer over the named source goes stale with it.
        await IngestAsync("changes", "more.md", "# Bees\n\nBees visit flowers.", source: "extra");
        var named = await AskAsync("changes", "Do bees visit flowers?", r => r.Sources.Add("extra"));
        Assert.Equal(CacheStatus.Miss, named.CacheStatus);
        await router.DeleteDocumentAsync(new DeleteDocumentRequest { Source = "extra", DocumentId = "more.md" }, ServiceHost.Tenant("changes"));
        Assert.Equal(CacheStatus.Stale, (await AskAsync("changes", "Do bees visit flowers?", r => r.Sources.Add("extra"))).CacheStatus);
    }

    [Fact]
    public async Task No_cached_answer_crosses_tenants_or_access_tags()
    {
        await IngestAsync("acme", "plans.md", "# Plans\n\nThe launch code is swordfish.");
        await IngestAsync("globex", "plans.md", "# Plans\n\nThe launch code is marlin.");
        const string question = "What is the launch code?";

        Assert.Equal(CacheStatus.Miss, (await AskAsync("acme", question)).CacheStatus);
        Assert.Equal(CacheStatus.HitExact, (await AskAsync("acme", question)).CacheStatus);
        var other = await AskAsync("globex", question);
        Assert.Equal(CacheStatus.Miss, other.CacheStatus);
        Assert.Contains("marlin", other.Answer);
        Assert.DoesNotContain("swordfish", other.Answer);

        Assert.Equal(CacheStatus.Miss, (await AskAsync("acme", question, r => r.AccessTags.Add(["red", "blue"]))).CacheStatus);
        Assert.Equal(CacheStatus.Miss, (await AskAsync("acme", question, r => r.AccessTags.Add("red"))).CacheStatus);
        Assert.Equal(CacheStatus.HitExact, (await AskAsync("acme", question, r => r.AccessTags.Add(["blue", "red", "blue"]))).CacheStatus);
        // Not even a close rephrasing crosses: the semantic cache is scoped the same way.
        Assert.Equal(CacheStatus.Miss, (await AskAsync("acme", "What's the launch code?", r => r.AccessTags.Add("green"))).CacheStatus);
    }

    [Fact]
    public async Task Cache_policies_and_source_volatility_are_honoured()
    {
        foreach (var (name, volatility) in new[] { ("archive", Volatility.Static), ("live", Volatility.Realtime) })
            await router.CreateSourceAsync(new CreateSourceRequest { Source = new Source { Name = name, Volatility = volatility } }, ServiceHost.Tenant("policies"));
        await IngestAsync("policies", "bees.md", Bees, source: "archive");
        await IngestAsync("policies", "stream.md", "# Feed\n\nThe hive weighs 41 kilograms now.", source: "live");
        const string question = "Who decoded the waggle dance?";

        Assert.Equal(CacheStatus.Bypassed, (await AskAsync("policies", question, r => { r.Sources.Add("archive"); r.Cache = CachePolicy.Bypass; })).CacheStatus);
        Assert.Equal(CacheStatus.Miss, (await AskAsync("policies", question, r => r.Sources.Add("archive"))).CacheStatus);
        Assert.Equal(CacheStatus.Bypassed, (await AskAsync("policies", question, r => { r.Sources.Add("archive"); r.Cache = CachePolicy.Bypass; })).CacheStatus);
        Assert.Equal(CacheStatus.Miss, (await AskAsync("policies", question, r => { r.Sources.Add("archive"); r.Cache = CachePolicy.Refresh; })).CacheStatus);
        Assert.Equal(CacheStatus.HitExact, (await AskAsync("policies", question, r => r.Sources.Add("archive"))).CacheStatus);

        // A realtime source is never cached, alone or beside a static one: the shortest lifetime wins.
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(CacheStatus.Bypassed, (await AskAsync("policies", "How much does the hive weigh?", r => r.Sources.Add("live"))).CacheStatus);
            Assert.Equal(CacheStatus.Bypassed, (await AskAsync("policies", "How much does the hive weigh?", r => r.Sources.Add(["archive", "live"]))).CacheStatus);
        }
    }

    [Fact]
    public async Task AskStream_replays_a_cached_answer_in_the_same_order()
    {
        await IngestAsync("streamed", "bees.md", Bees);
        var fresh = await AskAsync("streamed", "Who decoded the waggle dance?");
        using var call = router.AskStream(new AskRequest { Question = "Who decoded the waggle dance?" }, ServiceHost.Tenant("streamed"));
        var kinds = new List<AskStreamEvent.EventOneofCase>();
        AskResponse? summary = null;
        await foreach (var update in call.ResponseStream.ReadAllAsync())
        {
            kinds.Add(update.EventCase);
            if (update.EventCase == AskStreamEvent.EventOneofCase.Summary) summary = update.Summary;
        }
        Assert.Equal([AskStreamEvent.EventOneofCase.Passages, AskStreamEvent.EventOneofCase.AnswerDelta,
            AskStreamEvent.EventOneofCase.Citations, AskStreamEvent.EventOneofCase.Summary], kinds);
        Assert.Equal(CacheStatus.HitExact, summary!.CacheStatus);
        Assert.Equal(fresh.Answer, summary.Answer);
    }

    [Fact]
    public async Task A_follow_up_is_made_standalone_from_the_conversation()
    {
        await IngestAsync("talk", "bees.md", Bees);
        await IngestAsync("talk", "stone.md", "# Rosetta\n\nThe Rosetta Stone has been kept in the British Museum since 1802.");
        await IngestAsync("talk", "curie.md", "# Curie\n\nPierre Curie shared the 1903 Nobel Prize in Physics for his work on radiation.");
        var first = await AskAsync("talk", "Who decoded the waggle dance of honeybees?");
        Assert.Matches("^[0-9a-f]{32}$", first.ConversationId);
        Assert.Equal("Who decoded the waggle dance of honeybees?", first.Route.StandaloneQuestion);

        var followUp = await AskAsync("talk", "Which prize did he share for it?", r => r.ConversationId = first.ConversationId);
        Assert.Equal(first.ConversationId, followUp.ConversationId);
        Assert.Equal("Which prize did he share for it (decoded waggle dance honeybees)?", followUp.Route.StandaloneQuestion);
        Assert.Equal("bees.md", followUp.Citations[0].DocumentId);

        // A question that stands on its own is searched as asked, even inside the conversation.
        var own = await AskAsync("talk", "Where is the Rosetta Stone kept?", r => r.ConversationId = first.ConversationId);
        Assert.Equal("Where is the Rosetta Stone kept?", own.Route.StandaloneQuestion);
        // The same follow-up outside the conversation has nothing to lean on.
        var alone = await AskAsync("talk", "Which prize did he share for it?");
        Assert.Equal("Which prize did he share for it?", alone.Route.StandaloneQuestion);
        Assert.NotEqual(first.ConversationId, alone.ConversationId);

        await RpcAssert.FailsAsync(StatusCode.InvalidArgument,
            () => AskAsync("talk", "And then?", r => r.ConversationId = "not a valid id!"), "conversation_id");
    }

    [Fact]
    public async Task The_semantic_cache_never_answers_a_near_miss_yet_serves_most_paraphrases()
    {
        var nearMisses = await AskPairsAsync("near-misses", "near-misses.tsv");
        Assert.All(nearMisses, r => Assert.True(r.Status is CacheStatus.Miss, $"'{r.Second}' was answered from the cache of '{r.First}' ({r.Status})"));

        var paraphrases = await AskPairsAsync("paraphrases", "paraphrases.tsv");
        var hits = paraphrases.Where(r => r.Status == CacheStatus.HitSemantic).ToList();
        Assert.True(hits.Count >= 0.7 * paraphrases.Count,
            $"only {hits.Count} of {paraphrases.Count} paraphrases hit; missed: {string.Join(" | ", paraphrases.Except(hits).Select(r => r.Second))}");
        Assert.All(hits, r => Assert.Equal(r.FirstAnswer, r.SecondAnswer));
    }

    private sealed record PairResult(string First, string Second, CacheStatus Status, string FirstAnswer, string SecondAnswer);

    /// <summary>Asks every pair's first question, waits until all are indexed, then asks the second ones.</summary>
    private async Task<List<PairResult>> AskPairsAsync(string tenant, string file)
    {
        var samples = Path.Combine(RagPlatform.Launcher.RepositoryRoot.Find(), "samples");
        foreach (var path in Directory.GetFiles(samples, "*.md"))
            await IngestAsync(tenant, Path.GetFileName(path), await File.ReadAllTextAsync(path));
        var pairs = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "semantic-cache", file))
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => line.Split('\t'))
            .ToList();
        Assert.True(pairs.Count >= 30, $"{file} should hold at least 30 pairs");

        var firstAnswers = new Dictionary<string, string>();
        foreach (var pair in pairs)
            firstAnswers[pair[0]] = (await AskAsync(tenant, pair[0])).Answer;
        await WaitUntilIndexedAsync(tenant, firstAnswers.Count);

        var results = new List<PairResult>();
        foreach (var pair in pairs)
        {
            var second = await AskAsync(tenant, pair[1], r => r.Cache = CachePolicy.Use);
            results.Add(new PairResult(pair[0], pair[1], second.CacheStatus, firstAnswers[pair[0]], second.Answer));
        }
        return results;
    }

    /// <summary>Questions are indexed for semantic lookup off the request path: wait for them, not for a fixed time.</summary>
    private async Task WaitUntilIndexedAsync(string tenant, int count)
    {
        var embedding = new EmbeddingService.EmbeddingServiceClient(host.Channel);
        var space = (await embedding.GetModelInfoAsync(new GetModelInfoRequest())).EmbeddingSpace;
        var vectors = new VectorSearchService.VectorSearchServiceClient(host.Channel);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await vectors.CountAsync(new CountRequest { Collection = SemanticIndex.CollectionOf(space) }, ServiceHost.Tenant(tenant))).Count < (ulong)count)
        {
            Assert.True(DateTime.UtcNow < deadline, "cached questions were not indexed");
            await Task.Delay(50);
        }
    }
}
