using Google.Protobuf;
using Grpc.Core;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

/// <summary>Retrieval across several sources: fused by rank, duplicates dropped, packed into the answering budget.</summary>
public sealed class SourceAggregationTests : IAsyncLifetime
{
    private ServiceHost host = null!;
    private QueryRouterService.QueryRouterServiceClient router = null!;

    public async Task InitializeAsync()
    {
        host = await ServiceHost.StartStandaloneAsync(new Dictionary<string, string?>
        {
            ["Embedding:DefaultModel"] = "hashing-v1",
            ["QueryRouter:PassageTokenBudget"] = "64",
            ["QueryRouter:TopK"] = "10",
        });
        router = new QueryRouterService.QueryRouterServiceClient(host.Channel);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    private async Task IngestAsync(string tenant, string source, params (string Id, string Text)[] documents)
    {
        using var call = router.Ingest(ServiceHost.Tenant(tenant));
        foreach (var (id, text) in documents)
            await call.RequestStream.WriteAsync(new IngestRequest { Source = source, DocumentId = id, ContentType = "text/plain", Content = ByteString.CopyFromUtf8(text) });
        await call.RequestStream.CompleteAsync();
        Assert.Equal((uint)documents.Length, (await call).Indexed);
    }

    private const string Tides = "Tides are caused by the gravitational pull of the Moon and the Sun on the oceans of the Earth.";

    [Fact]
    public async Task Sources_are_fused_by_rank_and_copies_of_one_text_appear_once()
    {
        var tenant = ServiceHost.Tenant("fusion");
        await IngestAsync("fusion", "encyclopedia", ("tides.txt", Tides), ("moon.txt", "The Moon orbits the Earth every 27 days."));
        // The same passage in another source, under another id and with other spacing and case.
        await IngestAsync("fusion", "mirror", ("copy-of-tides.txt", Tides.ToUpperInvariant().Replace(" ", "  ")), ("sun.txt", "The Sun pulls on the Earth's oceans too, but less than the Moon."));

        var response = await router.RetrieveAsync(new RetrieveRequest
        {
            Question = "What causes the tides of the oceans?",
            Sources = { "encyclopedia", "mirror" },
            Retrieval = new RetrievalOptions { TopK = 10 },
        }, tenant);
        Assert.Equal(["encyclopedia", "mirror"], response.Route.Sources.Select(s => s.Source));
        Assert.Single(response.Passages, p => p.Text.Contains("gravitational", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(response.Passages, p => p.Source == "encyclopedia");
        Assert.Contains(response.Passages, p => p.Source == "mirror");
        Assert.Equal(4 - 1, response.Passages.Count);
        // Rank fusion: the two lists' first places share the best score; scores only fall.
        Assert.Equal(1f / 61, response.Passages[0].Score, 5);
        Assert.True(response.Passages.Zip(response.Passages.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    [Fact]
    public async Task Fusion_and_depth_can_be_chosen_per_request_and_per_source()
    {
        var tenant = ServiceHost.Tenant("knobs");
        await router.CreateSourceAsync(new CreateSourceRequest
        {
            Source = new Source { Name = "tuned", Fusion = new Fusion { Rrf = new Rrf { K = 3 } }, CandidateLimit = 5 },
        }, tenant);
        await IngestAsync("knobs", "tuned", ("tides.txt", Tides));
        var bySource = await router.RetrieveAsync(new RetrieveRequest { Question = "Moon tides", Retrieval = new RetrievalOptions { TopK = 5 } }, tenant);
        // The one point is first in both lists: RRF with the source's k = 3 scores it 1/4 + 1/4.
        Assert.Equal(0.5f, bySource.Passages[0].Score, 4);
        var byRequest = await router.RetrieveAsync(new RetrieveRequest
        {
            Question = "Moon tides",
            Retrieval = new RetrievalOptions { TopK = 5, Fusion = new Fusion { Rrf = new Rrf { K = 9 } } },
        }, tenant);
        Assert.Equal(0.2f, byRequest.Passages[0].Score, 4);
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => router.RetrieveAsync(new RetrieveRequest
        {
            Question = "Moon", Retrieval = new RetrievalOptions { Fusion = new Fusion { Weighted = new WeightedBlend { DenseWeight = 2 } } },
        }, tenant).ResponseAsync, "retrieval.fusion.weighted.dense_weight");
    }

    [Fact]
    public async Task Passages_handed_to_generation_fit_the_token_budget()
    {
        var tenant = ServiceHost.Tenant("budget");
        var documents = Enumerable.Range(0, 8)
            .Select(i => ($"tides-{i}.txt", $"Fact {i}: the tides of sea number {i} rise twice a day because the Moon pulls on water number {i}."))
            .ToArray();
        await IngestAsync("budget", "sea", documents);
        using var call = router.AskStream(new AskRequest { Question = "Why do the tides rise?" }, tenant);
        Assert.True(await call.ResponseStream.MoveNext());
        var passages = call.ResponseStream.Current.Passages.Passages_;
        int tokens = passages.Sum(p => (p.Passage.Text.Length + 3) / 4);
        Assert.InRange(tokens, 1, 64);
        Assert.InRange(passages.Count, 1, 7); // ten were wanted; eight exist; the budget holds fewer
        var retrieved = await router.RetrieveAsync(new RetrieveRequest { Question = "Why do the tides rise?", Retrieval = new RetrievalOptions { TopK = 10 } }, tenant);
        Assert.Equal(8, retrieved.Passages.Count); // Retrieve is not packed: it is for search and evaluation
        Assert.Equal(retrieved.Passages.Take(passages.Count).Select(p => p.ChunkId), passages.Select(p => p.Passage.ChunkId));
    }
}
