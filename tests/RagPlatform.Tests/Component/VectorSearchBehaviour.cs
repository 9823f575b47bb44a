using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.Tests.Infrastructure;
using RagPlatform.VectorSearch.Engine.Filtering;
using RagPlatform.VectorSearch.Engine.Fusion;
using RagPlatform.VectorSearch.Extensions;

namespace RagPlatform.Tests.Component;

/// <summary>
/// What the VectorSearch service does on any backend, through the real gRPC stack, checked against
/// brute-force references. Each backend's test class runs these checks as its own tests.
/// </summary>
public abstract class VectorSearchBehaviour : IAsyncLifetime
{
    private const int Dimension = 8;
    private ServiceHost host = null!;
    private VectorSearchService.VectorSearchServiceClient client = null!;

    /// <summary>Configuration that selects the backend under test.</summary>
    protected abstract IDictionary<string, string?> BackendSettings { get; }

    /// <summary>The tenant a check calls "acme" (a shared backend gives each run tenants of its own).</summary>
    protected virtual string TenantName(string tenant) => tenant;

    protected VectorSearchService.VectorSearchServiceClient Client => client;

    public async Task InitializeAsync()
    {
        host = await ServiceHost.StartAsync(b => b.AddVectorSearchService(), a => a.MapVectorSearchService(), BackendSettings);
        client = new VectorSearchService.VectorSearchServiceClient(host.Channel);
    }

    public virtual async Task DisposeAsync() => await host.DisposeAsync();

    private Metadata Tenant(string tenant) => ServiceHost.Tenant(TenantName(tenant));

    private Task<Collection> CreateAsync(string name, string? tenant = null) => client.CreateCollectionAsync(new CreateCollectionRequest
    {
        Name = name,
        Dense = new DenseVectorConfig { Dimension = Dimension, Distance = Distance.Cosine },
        Sparse = new SparseVectorConfig { Idf = true },
        EmbeddingSpace = "space-a",
    }, tenant is null ? null : Tenant(tenant)).ResponseAsync;

    protected async Task CreateIsIdempotentForTheSameConfigurationAndRefusesADifferentOne()
    {
        await CreateAsync("docs");
        var again = await CreateAsync("docs");
        Assert.Equal("docs", again.Name);
        await RpcAssert.FailsAsync(StatusCode.AlreadyExists, () => client.CreateCollectionAsync(new CreateCollectionRequest
        {
            Name = "docs", Dense = new DenseVectorConfig { Dimension = 4, Distance = Distance.Dot },
        }).ResponseAsync);
    }

    protected async Task BadInputGetsTheRightCodeAndField()
    {
        await CreateAsync("checked");
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => client.SearchAsync(new SearchRequest { Collection = "missing", Dense = { Vector(1) } }).ResponseAsync);
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => client.UpsertAsync(new UpsertRequest
        {
            Collection = "checked", Points = { Point("ok", 1), new Point { Id = "short", Dense = { 1f, 2f } } },
        }).ResponseAsync, "points[1].dense");
        Assert.Equal(0ul, (await client.CountAsync(new CountRequest { Collection = "checked" })).Count); // nothing of a refused batch is applied
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => client.SearchAsync(new SearchRequest { Collection = "checked", Dense = { 1f } }).ResponseAsync, "dense");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => client.SearchAsync(new SearchRequest
        {
            Collection = "checked", Dense = { Vector(1) }, Filter = new Filter { Must = { new Condition() } },
        }).ResponseAsync, "filter.must[0]");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => client.CreateCollectionAsync(new CreateCollectionRequest { Name = "bad name" }).ResponseAsync, "name");
        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, () => client.SearchAsync(new SearchRequest
        {
            Collection = "checked", Dense = { Vector(1) }, EmbeddingSpace = "space-b",
        }).ResponseAsync);
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => client.DeletePointsAsync(new DeletePointsRequest { Collection = "checked" }).ResponseAsync, "ids");
    }

    protected async Task FilteredDenseSparseAndHybridResultsEqualABruteForceReference()
    {
        await CreateAsync("random");
        var random = new Random(7);
        var points = Enumerable.Range(0, 300).Select(i => RandomPoint(random, i)).ToList();
        foreach (var batch in points.Chunk(64))
            await client.UpsertAsync(new UpsertRequest { Collection = "random", Points = { batch } });
        var collection = await client.GetCollectionAsync(new GetCollectionRequest { Name = "random" });
        Assert.Equal(300ul, collection.PointsCount);

        for (int trial = 0; trial < 20; trial++)
        {
            var query = RandomPoint(random, -1);
            var filter = new Filter { Must = { new Condition { Field = new FieldCondition { Key = "group", Any = new MatchAny { Integers = { random.Next(5), random.Next(5) } } } } } };
            var fusion = (trial % 5) switch
            {
                0 => new Fusion { Rrf = new Rrf { K = 20, DenseWeight = 1, SparseWeight = 0.5f } },
                1 => new Fusion { Weighted = new WeightedBlend { DenseWeight = 0.3f } },
                2 => new Fusion { Dbsf = new Dbsf() },
                3 => new Fusion { Rrf = new Rrf { K = 20, DenseWeight = 2, SparseWeight = 2 } },
                _ => null, // RRF with k = 60
            };
            var search = new SearchRequest { Collection = "random", Dense = { query.Dense }, Sparse = query.Sparse, Filter = filter, Limit = 10, CandidateLimit = 40 };
            if (fusion is not null) search.Fusion = fusion;
            var response = await client.SearchAsync(search);

            var eligible = points.Where(p => FilterEvaluator.Matches(filter, p.Id, p.Payload)).ToList();
            var dense = eligible.Select(p => (p.Id, Score: Cosine(query.Dense, p.Dense))).OrderByDescending(x => x.Score).Take(40).ToList();
            var sparse = SparseReference(query.Sparse, eligible, points).Take(40).ToList();
            var fused = ScoreFusion.Fuse(dense, sparse, fusion);
            var reference = fused.ToDictionary(f => f.Key, f => f.Score);
            // Same scores in the same order; points whose fused scores tie may come in either order.
            Assert.Equal(Math.Min(10, fused.Count), response.Points.Count);
            for (int i = 0; i < response.Points.Count; i++)
            {
                Assert.Equal(fused[i].Score, response.Points[i].Score, 4);
                Assert.Equal(reference[response.Points[i].Id], response.Points[i].Score, 4);
            }
        }
    }

    protected async Task ApproximateSearchFindsNearlyAllOfTheExactResults()
    {
        await client.CreateCollectionAsync(new CreateCollectionRequest
        {
            Name = "graph",
            Dense = new DenseVectorConfig { Dimension = Dimension, Distance = Distance.Cosine, Hnsw = new HnswConfig { M = 8, EfConstruct = 64, FullScanThreshold = 10 } },
        });
        var random = new Random(11);
        var points = Enumerable.Range(0, 1500).Select(i => RandomPoint(random, i)).ToList();
        foreach (var batch in points.Chunk(500))
            await client.UpsertAsync(new UpsertRequest { Collection = "graph", Points = { batch.Select(p => new Point { Id = p.Id, Dense = { p.Dense }, Payload = p.Payload }) } });
        double recall = 0;
        for (int q = 0; q < 20; q++)
        {
            var query = RandomPoint(random, -1).Dense;
            var filter = q % 2 == 0 ? null : new Filter { MustNot = { new Condition { Field = new FieldCondition { Key = "group", Match = new MatchValue { Integer = 0 } } } } };
            var approximate = await client.SearchAsync(new SearchRequest { Collection = "graph", Dense = { query }, Filter = filter, Limit = 10 });
            var exact = await client.SearchAsync(new SearchRequest { Collection = "graph", Dense = { query }, Filter = filter, Limit = 10, Params = new SearchParams { Exact = true } });
            Assert.False(approximate.Exact, "a graph search over 1,500 points is reported as approximate");
            Assert.True(exact.Exact, "a forced full scan is reported as exact");
            var truth = exact.Points.Select(p => p.Id).ToHashSet();
            recall += approximate.Points.Count(p => truth.Contains(p.Id)) / 10.0;
            if (filter is not null) Assert.All(approximate.Points, p => Assert.True(FilterEvaluator.Matches(filter, p.Id, points.Single(x => x.Id == p.Id).Payload)));
        }
        Assert.True(recall / 20 >= 0.9, $"recall@10 was {recall / 20:0.000}");
    }

    protected async Task DeleteByFilterAndByIdThenCount()
    {
        await CreateAsync("deletes");
        await client.UpsertAsync(new UpsertRequest { Collection = "deletes", Points = { Enumerable.Range(0, 10).Select(i => Point($"p{i}", i, group: i % 2)) } });
        var even = new Filter { Must = { new Condition { Field = new FieldCondition { Key = "group", Match = new MatchValue { Integer = 0 } } } } };
        Assert.Equal(5ul, (await client.DeletePointsAsync(new DeletePointsRequest { Collection = "deletes", Filter = even })).Deleted);
        Assert.Equal(1ul, (await client.DeletePointsAsync(new DeletePointsRequest { Collection = "deletes", Ids = { "p1", "p2" } })).Deleted);
        Assert.Equal(4ul, (await client.CountAsync(new CountRequest { Collection = "deletes" })).Count);
        var hits = await client.SearchAsync(new SearchRequest { Collection = "deletes", Dense = { Vector(1) }, Limit = 10 });
        Assert.DoesNotContain(hits.Points, p => p.Id is "p0" or "p1" or "p2");
        Assert.True(hits.Exact, "a collection this small is scanned exactly");
    }

    protected async Task CollectionsAreScopedByTenant()
    {
        await CreateAsync("shared-name", tenant: "acme");
        await client.UpsertAsync(new UpsertRequest { Collection = "shared-name", Points = { Point("secret", 1) } }, Tenant("acme"));
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => client.GetCollectionAsync(new GetCollectionRequest { Name = "shared-name" }, Tenant("globex")).ResponseAsync);
        Assert.DoesNotContain((await client.ListCollectionsAsync(new ListCollectionsRequest(), Tenant("globex"))).Collections, c => c.Name == "shared-name");
    }

    protected async Task AverageDocumentLengthFollowsUpsertsReplacementsAndDeletes()
    {
        await CreateAsync("lengths");
        Point Sized(string id, uint length) { var point = Point(id, id.Length + (int)length); point.DocumentLength = length; return point; }
        await client.UpsertAsync(new UpsertRequest { Collection = "lengths", Points = { Sized("a", 10), Sized("b", 20), Sized("c", 30), Sized("d", 40) } });
        Assert.Equal(25, (await client.GetCollectionAsync(new GetCollectionRequest { Name = "lengths" })).AverageDocumentLength, 6);
        await client.UpsertAsync(new UpsertRequest { Collection = "lengths", Points = { Sized("d", 0) } });
        var replaced = await client.GetCollectionAsync(new GetCollectionRequest { Name = "lengths" });
        Assert.Equal(4ul, replaced.PointsCount);
        Assert.Equal(15, replaced.AverageDocumentLength, 6);
        await client.DeletePointsAsync(new DeletePointsRequest { Collection = "lengths", Ids = { "a" } });
        Assert.Equal(50.0 / 3, (await client.GetCollectionAsync(new GetCollectionRequest { Name = "lengths" })).AverageDocumentLength, 6);
    }

    protected async Task ScrollVisitsEveryPointOnceWithItsPayloadAndVectorsOnRequest()
    {
        await CreateAsync("scrolled");
        var points = Enumerable.Range(0, 23).Select(i => Point($"p{i:00}", i, group: i % 3)).ToList();
        await client.UpsertAsync(new UpsertRequest { Collection = "scrolled", Points = { points } });
        var seen = new List<Point>();
        string token = "";
        do
        {
            var page = await client.ScrollAsync(new ScrollRequest { Collection = "scrolled", Limit = 5, PageToken = token, WithPayload = true, WithVectors = true });
            Assert.InRange(page.Points.Count, 1, 5);
            seen.AddRange(page.Points);
            token = page.NextPageToken;
        } while (token.Length > 0);
        Assert.Equal(points.Select(p => p.Id).Order(), seen.Select(p => p.Id).Order());
        foreach (var point in seen)
        {
            var original = points.Single(p => p.Id == point.Id);
            Assert.Equal(original.Payload.Fields["group"].NumberValue, point.Payload.Fields["group"].NumberValue);
            Assert.Equal(Dimension, point.Dense.Count);
            Assert.Equal(1.0, Math.Abs(Cosine(original.Dense, point.Dense)), 4);
        }

        var group1 = new Filter { Must = { new Condition { Field = new FieldCondition { Key = "group", Match = new MatchValue { Integer = 1 } } } } };
        var filtered = await client.ScrollAsync(new ScrollRequest { Collection = "scrolled", Filter = group1, Limit = 100 });
        Assert.Equal(points.Where((_, i) => i % 3 == 1).Select(p => p.Id).Order(), filtered.Points.Select(p => p.Id).Order());
        Assert.All(filtered.Points, p => Assert.Empty(p.Dense));
        Assert.All(filtered.Points, p => Assert.Null(p.Payload));
        Assert.Equal("", filtered.NextPageToken);
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => client.ScrollAsync(new ScrollRequest { Collection = "scrolled", Limit = 5000 }).ResponseAsync, "limit");
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => client.ScrollAsync(new ScrollRequest { Collection = "missing" }).ResponseAsync);
    }

    private static float[] Vector(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, Dimension).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
    }

    private static Point Point(string id, int seed, int group = 0) => new()
    {
        Id = id, Dense = { Vector(seed) }, Payload = new Struct { Fields = { ["group"] = Value.ForNumber(group) } },
    };

    private static Point RandomPoint(Random random, int i)
    {
        var terms = Enumerable.Range(0, random.Next(1, 6)).Select(_ => (uint)random.Next(30)).Distinct().Order().ToArray();
        return new Point
        {
            Id = $"p{i}",
            Dense = { Enumerable.Range(0, Dimension).Select(_ => (float)random.NextDouble() - 0.5f) },
            Sparse = new SparseVector { Indices = { terms }, Values = { terms.Select(_ => (float)random.NextDouble() + 0.1f) } },
            Payload = new Struct { Fields = { ["group"] = Value.ForNumber(random.Next(5)) } },
        };
    }

    private static float Cosine(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Count; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return (float)(dot / Math.Sqrt(na * nb));
    }

    /// <summary>BM25-style sparse scores with IDF over the whole collection, filtered afterwards.</summary>
    private static IEnumerable<(string Id, float Score)> SparseReference(SparseVector query, List<Point> eligible, List<Point> all)
    {
        double Idf(uint term)
        {
            int df = all.Count(p => p.Sparse.Indices.Contains(term));
            return Math.Log(1 + (all.Count - df + 0.5) / (df + 0.5));
        }
        return eligible
            .Select(p => (p.Id, Score: (float)query.Indices.Select((t, i) =>
            {
                int at = p.Sparse.Indices.IndexOf(t);
                return at < 0 ? 0 : query.Values[i] * Idf(t) * p.Sparse.Values[at];
            }).Sum()))
            .Where(x => x.Score > 0)
            .OrderByDescending(x => x.Score);
    }
}
