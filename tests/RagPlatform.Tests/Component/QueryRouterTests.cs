using Google.Protobuf;
using Grpc.Core;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

/// <summary>The router through the standalone composition: real gRPC hops between the services.</summary>
public sealed class QueryRouterTests : IAsyncLifetime
{
    private ServiceHost host = null!;
    private QueryRouterService.QueryRouterServiceClient router = null!;
    private VectorSearchService.VectorSearchServiceClient vectors = null!;

    public async Task InitializeAsync()
    {
        host = await ServiceHost.StartStandaloneAsync(new Dictionary<string, string?> { ["QueryRouter:MaxDocumentBytes"] = "4096" });
        router = new QueryRouterService.QueryRouterServiceClient(host.Channel);
        vectors = new VectorSearchService.VectorSearchServiceClient(host.Channel);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    private static IngestRequest Document(string id, string text, string source = "", string contentType = "text/markdown") => new()
    {
        Source = source, DocumentId = id, ContentType = contentType, Content = ByteString.CopyFromUtf8(text),
    };

    private async Task<IngestResponse> IngestAsync(string tenant, params IngestRequest[] documents)
    {
        using var call = router.Ingest(ServiceHost.Tenant(tenant));
        foreach (var document in documents) await call.RequestStream.WriteAsync(document);
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    private const string Bees = "# Honeybees\n\nKarl von Frisch decoded the waggle dance of honeybees. He shared the 1973 Nobel Prize for it.";
    private const string Stone = "# Rosetta\n\nThe Rosetta Stone has been kept in the British Museum since 1802.";

    [Fact]
    public async Task Ingest_then_ask_answers_with_a_citation_of_the_exact_characters()
    {
        await IngestAsync("default", Document("bees.md", Bees), Document("stone.md", Stone));
        var answer = await router.AskAsync(new AskRequest { Question = "Who decoded the waggle dance?" });

        // A "who" question is answered with the name, its sentence cited as support.
        Assert.Equal("Karl von Frisch [1]", answer.Answer);
        var citation = Assert.Single(answer.Citations);
        Assert.Equal("bees.md", citation.DocumentId);
        Assert.Equal("Karl von Frisch decoded the waggle dance of honeybees.", Bees[(int)citation.StartChar..(int)citation.EndChar]);
        Assert.Equal(citation.Text, Bees[(int)citation.StartChar..(int)citation.EndChar]);
        Assert.True(answer.Extractive);
        Assert.Equal(Strategy.Rag, answer.Route.Strategy);
        Assert.Contains("AUTO", answer.Route.Reason);
        Assert.Equal("default", Assert.Single(answer.Route.Sources).Source);
        Assert.Equal(CacheStatus.Miss, answer.CacheStatus);
        Assert.Equal(["cache", "embed", "cache.semantic", "route", "search", "aggregate", "generate"], answer.Timings.Select(t => t.Stage));
        Assert.Matches("^[0-9a-f]{32}$", answer.TraceId);
    }

    [Fact]
    public async Task One_bad_document_fails_alone_with_its_reason()
    {
        var response = await IngestAsync("batch",
            Document("good-1.md", Bees),
            Document("", Stone),
            Document("empty.md", ""),
            Document("scan.pdf", "%PDF-1.7", contentType: "application/pdf"),
            Document("huge.md", new string('a', 5000)),
            Document("bad-source.md", Stone, source: "no spaces allowed"),
            Document("good-2.md", Stone));
        Assert.Equal(2u, response.Indexed);
        Assert.Equal(5u, response.Failed);
        Assert.Equal([DocumentStatus.Indexed, DocumentStatus.Failed, DocumentStatus.Failed, DocumentStatus.Failed, DocumentStatus.Failed, DocumentStatus.Failed, DocumentStatus.Indexed],
            response.Results.Select(r => r.Status));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => (uint)i), response.Results.Select(r => r.Index));
        // The PDF is a supported type whose bytes are not a readable PDF.
        string[] fields = ["document_id", "content", "content", "content", "source"];
        for (int i = 0; i < fields.Length; i++)
        {
            var error = response.Results[i + 1].Error;
            Assert.Equal((int)StatusCode.InvalidArgument, error.Code);
            Assert.StartsWith(fields[i] + ":", error.Message);
        }
        var answer = await router.AskAsync(new AskRequest { Question = "Where is the Rosetta Stone kept?" }, ServiceHost.Tenant("batch"));
        Assert.Equal("good-2.md", answer.Citations[0].DocumentId);
    }

    [Fact]
    public async Task Reingest_skips_unchanged_content_and_replaces_changed_content()
    {
        var longer = "# Notes\n\n" + string.Join(" ", Enumerable.Range(0, 60).Select(i => $"Sentence number {i} talks about topic {i}."));
        Assert.Equal(DocumentStatus.Indexed, (await IngestAsync("versions", Document("notes.md", longer))).Results[0].Status);
        var chunksBefore = await CountAsync("versions", "notes.md");
        Assert.True(chunksBefore > 1);
        Assert.Equal(DocumentStatus.Unchanged, (await IngestAsync("versions", Document("notes.md", longer))).Results[0].Status);

        var changed = await IngestAsync("versions", Document("notes.md", "# Notes\n\nThe meeting moved to Thursday."));
        Assert.Equal(1u, changed.Results[0].Chunks);
        Assert.Equal(1ul, await CountAsync("versions", "notes.md"));
        var answer = await router.AskAsync(new AskRequest { Question = "When is the meeting?" }, ServiceHost.Tenant("versions"));
        Assert.Contains("Thursday", answer.Answer);

        var deleted = await router.DeleteDocumentAsync(new DeleteDocumentRequest { Source = "default", DocumentId = "notes.md" }, ServiceHost.Tenant("versions"));
        Assert.Equal(1ul, deleted.DeletedChunks);
        Assert.Equal(0ul, await CountAsync("versions", "notes.md"));
    }

    [Fact]
    public async Task Tenants_never_see_each_others_documents()
    {
        await IngestAsync("acme", Document("secret.md", "# Plans\n\nThe launch code is swordfish."));
        await IngestAsync("globex", Document("public.md", "# Menu\n\nLunch is soup."));
        var answer = await router.AskAsync(new AskRequest { Question = "What is the launch code?" }, ServiceHost.Tenant("globex"));
        Assert.DoesNotContain("swordfish", answer.Answer);
        Assert.All(answer.Citations, c => Assert.Equal("public.md", c.DocumentId));
        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition,
            () => router.AskAsync(new AskRequest { Question = "What is the launch code?" }, ServiceHost.Tenant("initech")).ResponseAsync);
    }

    [Fact]
    public async Task Ask_refuses_bad_requests_with_the_right_code()
    {
        await IngestAsync("refusals", Document("bees.md", Bees));
        var tenant = ServiceHost.Tenant("refusals");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => router.AskAsync(new AskRequest { Question = "  " }, tenant).ResponseAsync, "question");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => router.AskAsync(new AskRequest { Question = new string('q', 5000) }, tenant).ResponseAsync, "question");
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => router.AskAsync(new AskRequest { Question = "bees?", Sources = { "nope" } }, tenant).ResponseAsync);
        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, () => router.AskAsync(new AskRequest { Question = "bees?", Strategy = Strategy.FineTuned }, tenant).ResponseAsync);
        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, () => router.AskAsync(new AskRequest { Question = "bees?", Strategy = Strategy.Hybrid }, tenant).ResponseAsync);
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => router.AskAsync(new AskRequest { Question = "bees?", Strategy = (Strategy)99 }, tenant).ResponseAsync, "strategy");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => router.AskAsync(new AskRequest
        {
            Question = "bees?", LatencyBudget = new Google.Protobuf.WellKnownTypes.Duration { Seconds = -1 },
        }, tenant).ResponseAsync, "latency_budget");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => router.ListSourcesAsync(new ListSourcesRequest { PageSize = 5000 }, tenant).ResponseAsync, "page_size");
    }

    [Fact]
    public async Task AskStream_sends_passages_then_deltas_then_citations_then_the_summary()
    {
        await IngestAsync("stream", Document("bees.md", Bees), Document("stone.md", Stone));
        using var call = router.AskStream(new AskRequest { Question = "Who decoded the waggle dance?" }, ServiceHost.Tenant("stream"));
        var kinds = new List<AskStreamEvent.EventOneofCase>();
        var deltas = "";
        AskResponse? summary = null;
        await foreach (var update in call.ResponseStream.ReadAllAsync())
        {
            if (kinds.Count == 0 || kinds[^1] != update.EventCase) kinds.Add(update.EventCase);
            if (update.EventCase == AskStreamEvent.EventOneofCase.AnswerDelta) deltas += update.AnswerDelta;
            if (update.EventCase == AskStreamEvent.EventOneofCase.Summary) summary = update.Summary;
        }
        Assert.Equal([AskStreamEvent.EventOneofCase.Passages, AskStreamEvent.EventOneofCase.AnswerDelta,
            AskStreamEvent.EventOneofCase.Citations, AskStreamEvent.EventOneofCase.Summary], kinds);
        Assert.Equal(summary!.Answer, deltas);
        Assert.Equal("bees.md", summary.Citations[0].DocumentId);
    }

    [Fact]
    public async Task Retrieve_returns_whole_passages_best_first_in_each_mode()
    {
        await IngestAsync("retrieve", Document("bees.md", Bees), Document("stone.md", Stone));
        foreach (var mode in new[] { SearchMode.Sparse, SearchMode.Dense, SearchMode.Hybrid })
        {
            var response = await router.RetrieveAsync(new RetrieveRequest
            {
                Question = "waggle dance of honeybees", Retrieval = new RetrievalOptions { Mode = mode, TopK = 10 },
            }, ServiceHost.Tenant("retrieve"));
            Assert.Equal("bees.md", response.Passages[0].DocumentId);
            Assert.Equal(Bees[(int)response.Passages[0].StartChar..(int)response.Passages[0].EndChar], response.Passages[0].Text);
            Assert.Equal(Enumerable.Range(1, response.Passages.Count).Select(i => (uint)i), response.Passages.Select(p => p.Number));
        }
    }

    private async Task<ulong> CountAsync(string tenant, string documentId) =>
        (await vectors.CountAsync(new CountRequest
        {
            Collection = "src-default",
            Filter = new Filter { Must = { new Condition { Field = new FieldCondition { Key = "document_id", Match = new MatchValue { Keyword = documentId } } } } },
        }, ServiceHost.Tenant(tenant))).Count;
}
