using Google.Protobuf;
using Grpc.Core;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.Launcher;
using RagPlatform.ServiceDefaults.Redis;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

/// <summary>Sources' own RPCs through the standalone composition: CRUD, idempotency, access tags, persistence.</summary>
public sealed class SourceRegistryTests : IAsyncLifetime
{
    private ServiceHost host = null!;
    private QueryRouterService.QueryRouterServiceClient router = null!;
    private VectorSearchService.VectorSearchServiceClient vectors = null!;

    private static readonly Dictionary<string, string?> Settings = new() { ["Embedding:DefaultModel"] = "hashing-v1" };

    public async Task InitializeAsync()
    {
        host = await ServiceHost.StartStandaloneAsync(Settings);
        (router, vectors) = Clients(host);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    private static (QueryRouterService.QueryRouterServiceClient, VectorSearchService.VectorSearchServiceClient) Clients(ServiceHost host) =>
        (new(host.Channel), new(host.Channel));

    private static async Task<IngestResponse> IngestAsync(QueryRouterService.QueryRouterServiceClient router, string tenant, string source, params (string Id, string Text)[] documents)
    {
        using var call = router.Ingest(ServiceHost.Tenant(tenant));
        foreach (var (id, text) in documents)
            await call.RequestStream.WriteAsync(new IngestRequest { Source = source, DocumentId = id, ContentType = "text/plain", Content = ByteString.CopyFromUtf8(text) });
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    [Fact]
    public async Task A_source_is_created_described_listed_and_deleted_with_its_collection()
    {
        var tenant = ServiceHost.Tenant("crud");
        var created = await router.CreateSourceAsync(new CreateSourceRequest
        {
            Source = new Source
            {
                Name = "handbook", Description = "The staff handbook", Volatility = Volatility.Static,
                AccessTags = { "staff" }, CandidateLimit = 50,
                Fusion = new Fusion { Rrf = new Rrf { K = 20 } },
                DocumentCount = 99, // output only: ignored
            },
        }, tenant);
        Assert.Equal("handbook", created.Name);
        Assert.Equal("hashing-v1", created.RetrievalModel);
        Assert.Equal("hashing-v1", created.EmbeddingSpace);
        Assert.Equal("src-handbook", created.Collection);
        Assert.Equal(0ul, created.DocumentCount);
        Assert.Equal(20u, created.Fusion.Rrf.K);
        Assert.True(created.CreatedAt.ToDateTime() > DateTime.UtcNow.AddMinutes(-5));

        var ingested = await IngestAsync(router, "crud", "handbook", ("leave.txt", "Staff get twenty days of paid leave."), ("hours.txt", "The office opens at eight."));
        Assert.Equal(2u, ingested.Indexed);
        var described = await router.GetSourceAsync(new GetSourceRequest { Name = "handbook", AccessTags = { "staff" } }, tenant);
        Assert.Equal(2ul, described.DocumentCount);
        Assert.Equal(2ul, described.ChunkCount);
        Assert.Equal(2ul, described.CorpusVersion);
        Assert.Equal(Volatility.Static, described.Volatility);
        Assert.Equal(["staff"], described.AccessTags);

        // Ingesting into an unknown name still creates that source, with the defaults.
        await IngestAsync(router, "crud", "notes", ("a.txt", "A note."));
        var notes = await router.GetSourceAsync(new GetSourceRequest { Name = "notes" }, tenant);
        Assert.Equal(Volatility.Daily, notes.Volatility);
        Assert.Empty(notes.AccessTags);

        var listed = await router.ListSourcesAsync(new ListSourcesRequest { AccessTags = { "staff" } }, tenant);
        Assert.Equal(["handbook", "notes"], listed.Sources.Select(s => s.Name));

        Assert.True((await router.DeleteSourceAsync(new DeleteSourceRequest { Name = "handbook" }, tenant)).Deleted);
        Assert.False((await router.DeleteSourceAsync(new DeleteSourceRequest { Name = "handbook" }, tenant)).Deleted);
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => vectors.GetCollectionAsync(new GetCollectionRequest { Name = "src-handbook" }, tenant).ResponseAsync);
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => router.GetSourceAsync(new GetSourceRequest { Name = "handbook", AccessTags = { "staff" } }, tenant).ResponseAsync);
        Assert.Equal(["notes"], (await router.ListSourcesAsync(new ListSourcesRequest(), tenant)).Sources.Select(s => s.Name));
    }

    [Fact]
    public async Task Create_is_idempotent_by_key_and_refuses_a_second_source_of_the_same_name()
    {
        var tenant = ServiceHost.Tenant("idem");
        var request = new CreateSourceRequest { Source = new Source { Name = "wiki", Description = "first" }, IdempotencyKey = "req-1" };
        var first = await router.CreateSourceAsync(request, tenant);
        var again = await router.CreateSourceAsync(request, tenant);
        Assert.Equal(first, again);
        // The key answers with what it created, even if the repeat differs.
        var replay = await router.CreateSourceAsync(new CreateSourceRequest { Source = new Source { Name = "wiki", Description = "second" }, IdempotencyKey = "req-1" }, tenant);
        Assert.Equal("first", replay.Description);
        await RpcAssert.FailsAsync(StatusCode.AlreadyExists,
            () => router.CreateSourceAsync(new CreateSourceRequest { Source = new Source { Name = "wiki" }, IdempotencyKey = "req-2" }, tenant).ResponseAsync);
        await RpcAssert.FailsAsync(StatusCode.AlreadyExists,
            () => router.CreateSourceAsync(new CreateSourceRequest { Source = new Source { Name = "wiki" } }, tenant).ResponseAsync);
        // Racing creates with one key: all succeed with the same source.
        var racing = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => router.CreateSourceAsync(
            new CreateSourceRequest { Source = new Source { Name = "race" }, IdempotencyKey = "req-3" }, tenant).ResponseAsync));
        Assert.All(racing, s => Assert.Equal(racing[0], s));
        Assert.Equal(2, (await router.ListSourcesAsync(new ListSourcesRequest(), tenant)).Sources.Count);
    }

    [Fact]
    public async Task Bad_definitions_are_refused_naming_the_field()
    {
        var tenant = ServiceHost.Tenant("invalid");
        async Task Refused(Source? source, string field, string key = "") =>
            await RpcAssert.FailsAsync(StatusCode.InvalidArgument,
                () => router.CreateSourceAsync(new CreateSourceRequest { Source = source, IdempotencyKey = key }, tenant).ResponseAsync, field);
        await Refused(null, "source");
        await Refused(new Source { Name = "has space" }, "source.name");
        await Refused(new Source { Name = "x", Description = new string('d', 5000) }, "source.description");
        await Refused(new Source { Name = "x", Volatility = (Volatility)42 }, "source.volatility");
        await Refused(new Source { Name = "x", AccessTags = { "ok", "not ok" } }, "source.access_tags[1]");
        await Refused(new Source { Name = "x", RetrievalModel = "no-such-model" }, "source.retrieval_model");
        await Refused(new Source { Name = "x", Fusion = new Fusion { Weighted = new WeightedBlend { DenseWeight = 1.5f } } }, "source.fusion.weighted.dense_weight");
        await Refused(new Source { Name = "x", CandidateLimit = 5000 }, "source.candidate_limit");
        await Refused(new Source { Name = "x" }, "idempotency_key", new string('k', 200));
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => router.GetSourceAsync(new GetSourceRequest { Name = "" }, tenant).ResponseAsync, "name");
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => router.GetSourceAsync(new GetSourceRequest { Name = "missing" }, tenant).ResponseAsync);
        Assert.Empty((await router.ListSourcesAsync(new ListSourcesRequest(), tenant)).Sources);
    }

    [Fact]
    public async Task Listing_pages_by_name()
    {
        var tenant = ServiceHost.Tenant("paging");
        foreach (var name in new[] { "e", "a", "d", "c", "b" })
            await router.CreateSourceAsync(new CreateSourceRequest { Source = new Source { Name = name } }, tenant);
        var names = new List<string>();
        string token = "";
        int pages = 0;
        do
        {
            var page = await router.ListSourcesAsync(new ListSourcesRequest { PageSize = 2, PageToken = token }, tenant);
            names.AddRange(page.Sources.Select(s => s.Name));
            token = page.NextPageToken;
            pages++;
        } while (token.Length > 0);
        Assert.Equal(["a", "b", "c", "d", "e"], names);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task A_caller_without_a_sources_tag_never_sees_it()
    {
        var tenant = ServiceHost.Tenant("tags");
        await router.CreateSourceAsync(new CreateSourceRequest { Source = new Source { Name = "payroll", AccessTags = { "hr", "finance" } } }, tenant);
        await router.CreateSourceAsync(new CreateSourceRequest { Source = new Source { Name = "public" } }, tenant);
        await IngestAsync(router, "tags", "payroll", ("salaries.txt", "The director's salary is 250000 euros a year."));
        await IngestAsync(router, "tags", "public", ("canteen.txt", "The canteen serves lunch at noon."));

        Assert.Equal(["public"], (await router.ListSourcesAsync(new ListSourcesRequest(), tenant)).Sources.Select(s => s.Name));
        Assert.Equal(["payroll", "public"], (await router.ListSourcesAsync(new ListSourcesRequest { AccessTags = { "finance" } }, tenant)).Sources.Select(s => s.Name));
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => router.GetSourceAsync(new GetSourceRequest { Name = "payroll", AccessTags = { "sales" } }, tenant).ResponseAsync);

        // Not routed to, not searched: even a question only the hidden source answers stays outside it.
        var unrouted = await router.RetrieveAsync(new RetrieveRequest { Question = "What is the director's salary?", AccessTags = { "sales" } }, tenant);
        Assert.Equal(["public"], unrouted.Route.Sources.Select(s => s.Source));
        Assert.All(unrouted.Passages, p => Assert.Equal("public", p.Source));
        var answer = await router.AskAsync(new AskRequest { Question = "What is the director's salary?" }, tenant);
        Assert.DoesNotContain("250000", answer.Answer);
        Assert.All(answer.Citations, c => Assert.Equal("public", c.Source));
        // Naming it is no way in: it does not exist for this caller.
        await RpcAssert.FailsAsync(StatusCode.NotFound,
            () => router.RetrieveAsync(new RetrieveRequest { Question = "salary", Sources = { "payroll" } }, tenant).ResponseAsync);

        var allowed = await router.RetrieveAsync(new RetrieveRequest { Question = "What is the director's salary?", AccessTags = { "hr" } }, tenant);
        Assert.Equal("salaries.txt", allowed.Passages[0].DocumentId);
    }

    [Fact]
    public async Task Sources_survive_a_restart_in_the_routers_data_directory()
    {
        var data = Path.Combine(Path.GetTempPath(), "ragplatform-sources-" + Guid.NewGuid().ToString("N")[..8]);
        var settings = new Dictionary<string, string?>(Settings)
        {
            ["QueryRouter:DataDirectory"] = Path.Combine(data, "router"),
            ["VectorSearch:DataDirectory"] = Path.Combine(data, "vectors"),
        };
        try
        {
            await using (var first = await ServiceHost.StartStandaloneAsync(settings))
            {
                var (client, _) = Clients(first);
                await client.CreateSourceAsync(new CreateSourceRequest { Source = new Source { Name = "kept", Description = "kept across restarts", AccessTags = { "a" } }, IdempotencyKey = "k" });
                await IngestAsync(client, "default", "kept", ("doc.txt", "Durable text."));
            }
            await using var second = await ServiceHost.StartStandaloneAsync(settings);
            var (again, _) = Clients(second);
            var kept = await again.GetSourceAsync(new GetSourceRequest { Name = "kept", AccessTags = { "a" } });
            Assert.Equal("kept across restarts", kept.Description);
            Assert.Equal(1ul, kept.DocumentCount);
            var replay = await again.CreateSourceAsync(new CreateSourceRequest { Source = new Source { Name = "kept" }, IdempotencyKey = "k" });
            Assert.Equal("kept across restarts", replay.Description);
        }
        finally { Directory.Delete(data, recursive: true); }
    }

    [Fact]
    public async Task With_redis_every_router_replica_sees_the_same_sources()
    {
        await using var redis = await RedisServer.StartAsync(Path.Combine(Path.GetTempPath(), "ragplatform-sources-redis-" + Guid.NewGuid().ToString("N")[..8]));
        var settings = new Dictionary<string, string?>(Settings) { ["ConnectionStrings:redis"] = redis.ConnectionString };
        // Test settings arrive after the standalone host's service defaults ran: connect Redis once they are in.
        await using var one = await ServiceHost.StartStandaloneAsync(settings);
        await using var two = await ServiceHost.StartStandaloneAsync(settings);
        var (first, _) = Clients(one);
        var (second, _) = Clients(two);
        var created = await first.CreateSourceAsync(new CreateSourceRequest { Source = new Source { Name = "shared", Description = "one registry" }, IdempotencyKey = "once" });
        Assert.Equal("one registry", (await second.GetSourceAsync(new GetSourceRequest { Name = "shared" })).Description);
        Assert.Equal(created.CreatedAt, (await second.CreateSourceAsync(new CreateSourceRequest { Source = new Source { Name = "shared" }, IdempotencyKey = "once" })).CreatedAt);
        await RpcAssert.FailsAsync(StatusCode.AlreadyExists,
            () => second.CreateSourceAsync(new CreateSourceRequest { Source = new Source { Name = "shared" } }).ResponseAsync);
        Assert.True((await second.DeleteSourceAsync(new DeleteSourceRequest { Name = "shared" })).Deleted);
        Assert.Empty((await first.ListSourcesAsync(new ListSourcesRequest())).Sources);
    }
}
