using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.Tests.Infrastructure;
using RagPlatform.Tests.Infrastructure.Qdrant;
using RagPlatform.VectorSearch.Backends.Qdrant;
using RagPlatform.VectorSearch.Engine.Fusion;
using RagPlatform.VectorSearch.Extensions;

namespace RagPlatform.Tests.Component;

/// <summary>
/// The Qdrant backend through the real gRPC service, against a fake Qdrant that checks every
/// request (and its own every answer) against Qdrant's OpenAPI description: what our client sends,
/// and what it makes of what Qdrant answers.
/// </summary>
public sealed class QdrantBackendContractTests : IAsyncLifetime
{
    private const string ApiKey = "test-key-7f3a";
    private const string Points = "/collections/{collection_name}/points";
    private const string Query = "/collections/{collection_name}/points/query";
    private FakeQdrant qdrant = null!;
    private ServiceHost host = null!;
    private VectorSearchService.VectorSearchServiceClient client = null!;

    public async Task InitializeAsync()
    {
        qdrant = await FakeQdrant.StartAsync(ApiKey);
        host = await StartServiceAsync(qdrant.ConnectionString);
        client = new VectorSearchService.VectorSearchServiceClient(host.Channel);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await qdrant.DisposeAsync();
    }

    private static Task<ServiceHost> StartServiceAsync(string? connectionString, Dictionary<string, string?>? settings = null)
    {
        settings ??= [];
        settings["VectorSearch:Backend"] = "qdrant";
        settings["ConnectionStrings:qdrant_http"] = connectionString;
        return ServiceHost.StartAsync(b => b.AddVectorSearchService(), a => a.MapVectorSearchService(), settings);
    }

    [Fact]
    public async Task Create_sends_named_vectors_the_contract_in_metadata_and_payload_indexes_and_get_returns_the_same_collection()
    {
        var request = new CreateCollectionRequest
        {
            Name = "docs",
            Dense = new DenseVectorConfig { Dimension = 8, Distance = Distance.Cosine, Hnsw = new HnswConfig { M = 32, EfConstruct = 200, FullScanThreshold = 5000 } },
            Sparse = new SparseVectorConfig { Idf = true },
            EmbeddingSpace = "space-a",
            PayloadIndexes =
            {
                new PayloadIndex { Field = "document_id", Type = PayloadFieldType.Keyword },
                new PayloadIndex { Field = "meta.year", Type = PayloadFieldType.Integer },
                new PayloadIndex { Field = "rank", Type = PayloadFieldType.Float },
                new PayloadIndex { Field = "public", Type = PayloadFieldType.Bool },
                new PayloadIndex { Field = "published", Type = PayloadFieldType.Datetime },
            },
        };
        var created = await client.CreateCollectionAsync(request, ServiceHost.Tenant("acme"));

        var put = Assert.Single(qdrant.RequestsTo("PUT", "/collections/{collection_name}"));
        Assert.Equal("ragplatform.acme.docs", put.Collection);
        Assert.Equal(ApiKey, put.ApiKey);
        var dense = put.Body!["vectors"]!["dense"]!;
        Assert.Equal(8, dense["size"]!.GetValue<int>());
        Assert.Equal("Cosine", dense["distance"]!.GetValue<string>());
        Assert.Equal(32, dense["hnsw_config"]!["m"]!.GetValue<int>());
        Assert.Equal(200, dense["hnsw_config"]!["ef_construct"]!.GetValue<int>());
        Assert.Equal(157, dense["hnsw_config"]!["full_scan_threshold"]!.GetValue<int>()); // 5000 points × 32 bytes in KiB, rounded up
        Assert.Equal("idf", put.Body["sparse_vectors"]!["sparse"]!["modifier"]!.GetValue<string>());

        var indexes = qdrant.RequestsTo("PUT", "/collections/{collection_name}/index");
        Assert.All(indexes, r => Assert.Equal("true", r.Query["wait"]));
        Assert.Equal(
            ["document_id=\"keyword\"", "meta.year=\"integer\"", "rank=\"float\"", "public=\"bool\"", "published=\"datetime\"",
             "ragplatform_document_length={\"type\":\"integer\",\"lookup\":true,\"range\":false}"],
            indexes.Select(r => $"{r.Body!["field_name"]!.GetValue<string>()}={r.Body["field_schema"]!.ToJsonString()}"));

        var got = await client.GetCollectionAsync(new GetCollectionRequest { Name = "docs" }, ServiceHost.Tenant("acme"));
        Assert.Equal(created, got);
        Assert.Equal(request.Dense, got.Dense);
        Assert.Equal(request.Sparse, got.Sparse);
        Assert.Equal("space-a", got.EmbeddingSpace);
        Assert.Equal(request.PayloadIndexes, got.PayloadIndexes);
        Assert.Equal("qdrant", got.Backend);
        Assert.Equal(0ul, got.PointsCount);
        qdrant.AssertContractKept();
    }

    [Fact]
    public async Task A_sparse_only_collection_has_no_dense_vector_and_no_idf_unless_asked()
    {
        var created = await client.CreateCollectionAsync(new CreateCollectionRequest { Name = "terms", Sparse = new SparseVectorConfig() });

        var put = Assert.Single(qdrant.RequestsTo("PUT", "/collections/{collection_name}"));
        Assert.Null(put.Body!["vectors"]);
        Assert.Equal("none", put.Body["sparse_vectors"]!["sparse"]!["modifier"]!.GetValue<string>());
        Assert.Null(created.Dense);
        Assert.Equal(new SparseVectorConfig(), created.Sparse);
        qdrant.AssertContractKept();
    }

    [Fact]
    public async Task Racing_creates_of_the_same_configuration_all_succeed_and_a_different_one_is_already_exists()
    {
        await using var replica = await StartServiceAsync(qdrant.ConnectionString);
        var other = new VectorSearchService.VectorSearchServiceClient(replica.Channel);
        var results = await Task.WhenAll(
            client.CreateCollectionAsync(DenseCollection("docs")).ResponseAsync,
            other.CreateCollectionAsync(DenseCollection("docs")).ResponseAsync,
            client.CreateCollectionAsync(DenseCollection("docs")).ResponseAsync);

        Assert.Equal(3, qdrant.RequestsTo("PUT", "/collections/{collection_name}").Count); // two were answered 409 Conflict
        Assert.Single(qdrant.CollectionNames);
        Assert.All(results, r => Assert.Equal(results[0].CreatedAt, r.CreatedAt)); // all describe the one that won

        await RpcAssert.FailsAsync(StatusCode.AlreadyExists, () => client.CreateCollectionAsync(DenseCollection("docs", Distance.Dot)).ResponseAsync);
        qdrant.AddCollection("ragplatform.default.handmade", new JsonObject { ["vectors"] = new JsonObject() });
        await RpcAssert.FailsAsync(StatusCode.AlreadyExists, () => client.CreateCollectionAsync(DenseCollection("handmade")).ResponseAsync);
        qdrant.AssertContractKept();
    }

    [Fact]
    public async Task Upsert_sends_name_based_uuids_named_vectors_and_the_callers_id_and_length_in_the_payload_and_waits()
    {
        await client.CreateCollectionAsync(DenseCollection("docs"));
        var spans = new List<Activity>();
        using var listener = Listen(spans);
        var payload = new Struct { Fields = { ["group"] = Value.ForNumber(1), ["tags"] = Value.ForList(Value.ForString("a")) } };
        await client.UpsertAsync(new UpsertRequest
        {
            Collection = "docs",
            Points =
            {
                new Point { Id = "p1", Dense = { Vector(1) }, Sparse = Sparse((3, 0.5f), (9, 1.5f)), Payload = payload, DocumentLength = 12 },
                new Point { Id = "doc-7#chunk-3", Dense = { Vector(2) } },
            },
        });

        var upsert = Assert.Single(qdrant.RequestsTo("PUT", Points));
        Assert.Equal("true", upsert.Query["wait"]);
        var first = upsert.Body!["points"]![0]!;
        Assert.Equal("230df16c-8c90-5005-b051-d4ea360816d8", first["id"]!.GetValue<string>()); // UUID v5 of "p1" in the platform's namespace
        Assert.Equal(Vector(1), first["vector"]!["dense"]!.AsArray().Select(v => v!.GetValue<float>()));
        Assert.Equal("{\"indices\":[3,9],\"values\":[0.5,1.5]}", first["vector"]!["sparse"]!.ToJsonString());
        Assert.Equal("{\"group\":1,\"tags\":[\"a\"],\"ragplatform_point_id\":\"p1\",\"ragplatform_document_length\":12}", first["payload"]!.ToJsonString());
        var second = upsert.Body["points"]![1]!;
        Assert.Equal("349b4d19-5bc0-5be0-8c83-8a7f494c445a", second["id"]!.GetValue<string>());
        Assert.Null(second["vector"]!["sparse"]);
        Assert.Contains(spans, s => s.DisplayName == "qdrant upsert ragplatform.default.docs"
            && (string?)s.GetTagItem("db.system.name") == "qdrant" && (string?)s.GetTagItem("db.collection.name") == "ragplatform.default.docs");

        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => client.UpsertAsync(new UpsertRequest
        {
            Collection = "docs",
            Points = { new Point { Id = "x", Dense = { Vector(3) }, Payload = new Struct { Fields = { [QdrantPayload.PointIdKey] = Value.ForString("forged") } } } },
        }).ResponseAsync, "points[0].payload.ragplatform_point_id");
        Assert.Single(qdrant.RequestsTo("PUT", Points)); // nothing of the refused call was sent
        qdrant.AssertContractKept();
    }

    [Fact]
    public async Task Upserts_larger_than_the_request_limit_go_in_batches_below_it()
    {
        await using var small = await StartServiceAsync(qdrant.ConnectionString, new() { ["VectorSearch:Qdrant:MaxRequestBytes"] = "65536" });
        var smallClient = new VectorSearchService.VectorSearchServiceClient(small.Channel);
        await smallClient.CreateCollectionAsync(DenseCollection("bulk"));
        var text = new string('x', 1000);
        await smallClient.UpsertAsync(new UpsertRequest
        {
            Collection = "bulk",
            Points = { Enumerable.Range(0, 150).Select(i => new Point { Id = $"p{i}", Dense = { Vector(i) }, Payload = new Struct { Fields = { ["text"] = Value.ForString(text) } } }) },
        });

        var batches = qdrant.RequestsTo("PUT", Points);
        Assert.True(batches.Count >= 3, $"{batches.Count} batches");
        Assert.All(batches, b => Assert.True(b.BodyBytes <= 65536, $"{b.BodyBytes} bytes"));
        Assert.Equal(150, batches.Sum(b => b.Body!["points"]!.AsArray().Count));
        Assert.Equal(150, qdrant.PointCount("ragplatform.default.bulk"));
        qdrant.AssertContractKept();
    }

    [Fact]
    public async Task Dense_search_queries_the_dense_vector_with_the_translated_filter_and_returns_the_callers_ids_and_payload()
    {
        await client.CreateCollectionAsync(DenseCollection("docs"));
        await client.UpsertAsync(new UpsertRequest { Collection = "docs", Points = { Enumerable.Range(1, 3).Select(i => GroupPoint($"p{i}", i)) } });
        qdrant.On("POST", Query, q => FakeAnswer.Ok(FakeQdrant.QueryResponse(
            qdrant.Scored(q, QdrantPointIds.ToUuid("p2"), 0.9f), qdrant.Scored(q, QdrantPointIds.ToUuid("p1"), 0.5f), qdrant.Scored(q, QdrantPointIds.ToUuid("p3"), 0.1f))));

        var filter = new Filter { Must = { new Condition { Field = new FieldCondition { Key = "group", Match = new MatchValue { Integer = 1 } } } } };
        var response = await client.SearchAsync(new SearchRequest
        {
            Collection = "docs", Dense = { Vector(9) }, Filter = filter, Limit = 2, Offset = 1,
            Params = new SearchParams { Ef = 64, Exact = true }, WithPayload = true, WithVectors = true,
        });

        var query = Assert.Single(qdrant.RequestsTo("POST", Query)).Body!;
        Assert.Equal(Vector(9), query["query"]!.AsArray().Select(v => v!.GetValue<float>()));
        Assert.Equal("dense", query["using"]!.GetValue<string>());
        Assert.Equal(3, query["limit"]!.GetValue<int>()); // limit + offset: the engine pages
        Assert.Equal("{\"must\":[{\"key\":\"group\",\"match\":{\"value\":1}}]}", query["filter"]!.ToJsonString());
        Assert.Equal("{\"hnsw_ef\":64,\"exact\":true}", query["params"]!.ToJsonString());
        Assert.True(query["with_payload"]!.GetValue<bool>());

        Assert.Equal(["p1", "p3"], response.Points.Select(p => p.Id));
        Assert.Equal([0.5f, 0.1f], response.Points.Select(p => p.Score));
        Assert.Equal(new Struct { Fields = { ["group"] = Value.ForNumber(1) } }, response.Points[0].Payload); // reserved fields stripped
        Assert.Equal(Vector(1), response.Points[0].Dense);
        qdrant.AssertContractKept();
    }

    [Fact]
    public async Task Scroll_pages_with_qdrants_offset_and_returns_the_callers_ids_and_payload()
    {
        const string Scroll = "/collections/{collection_name}/points/scroll";
        await client.CreateCollectionAsync(DenseCollection("docs"));
        await client.UpsertAsync(new UpsertRequest { Collection = "docs", Points = { Enumerable.Range(1, 3).Select(i => GroupPoint($"p{i}", i)) } });
        string[] uuids = new[] { "p1", "p2", "p3" }.Select(QdrantPointIds.ToUuid).ToArray();
        JsonObject Record(QdrantRequest request, string uuid)
        {
            var stored = qdrant.Point(request.Collection!, uuid);
            var record = new JsonObject { ["id"] = uuid, ["payload"] = stored["payload"]!.DeepClone() };
            if (request.Body?["with_vector"]?.GetValue<bool>() == true) record["vector"] = stored["vector"]!.DeepClone();
            return record;
        }
        qdrant.On("POST", Scroll, q => FakeAnswer.Ok(q.Body?["offset"] is null
            ? new JsonObject { ["points"] = new JsonArray(Record(q, uuids[0]), Record(q, uuids[1])), ["next_page_offset"] = uuids[2] }
            : new JsonObject { ["points"] = new JsonArray(Record(q, uuids[2])), ["next_page_offset"] = null }));

        var filter = new Filter { Must = { new Condition { Field = new FieldCondition { Key = "group", Match = new MatchValue { Integer = 1 } } } } };
        var first = await client.ScrollAsync(new ScrollRequest { Collection = "docs", Limit = 2, Filter = filter, WithPayload = true, WithVectors = true });
        var second = await client.ScrollAsync(new ScrollRequest { Collection = "docs", Limit = 2, PageToken = first.NextPageToken, WithPayload = true });

        var requests = qdrant.RequestsTo("POST", Scroll);
        Assert.Equal(2, requests.Count);
        Assert.Equal(2, requests[0].Body!["limit"]!.GetValue<int>());
        Assert.Equal("{\"must\":[{\"key\":\"group\",\"match\":{\"value\":1}}]}", requests[0].Body!["filter"]!.ToJsonString());
        Assert.True(requests[0].Body!["with_vector"]!.GetValue<bool>());
        Assert.Equal(uuids[2], requests[1].Body!["offset"]!.GetValue<string>());
        Assert.Equal(["p1", "p2"], first.Points.Select(p => p.Id));
        Assert.Equal(uuids[2], first.NextPageToken);
        Assert.Equal(Vector(1), first.Points[0].Dense);
        Assert.Equal(new Struct { Fields = { ["group"] = Value.ForNumber(1) } }, first.Points[0].Payload);
        Assert.Equal("p3", Assert.Single(second.Points).Id);
        Assert.Empty(second.Points[0].Dense);
        Assert.Equal("", second.NextPageToken);
        qdrant.AssertContractKept();
    }

    [Fact]
    public async Task Euclidean_distances_become_similarities_so_larger_is_better()
    {
        await client.CreateCollectionAsync(DenseCollection("near", Distance.Euclid));
        await client.UpsertAsync(new UpsertRequest { Collection = "near", Points = { GroupPoint("p1", 1), GroupPoint("p2", 2) } });
        qdrant.On("POST", Query, q => FakeAnswer.Ok(FakeQdrant.QueryResponse(
            qdrant.Scored(q, QdrantPointIds.ToUuid("p1"), 0.5f), qdrant.Scored(q, QdrantPointIds.ToUuid("p2"), 1.5f))));

        var response = await client.SearchAsync(new SearchRequest { Collection = "near", Dense = { Vector(5) }, ScoreThreshold = -1f });

        Assert.Equal("p1", Assert.Single(response.Points).Id); // p2 at distance 1.5 falls below the threshold -1
        Assert.Equal(-0.5f, response.Points[0].Score);
        qdrant.AssertContractKept();
    }

    [Fact]
    public async Task Sparse_search_queries_the_sparse_vector()
    {
        await client.CreateCollectionAsync(DenseCollection("docs"));
        await client.UpsertAsync(new UpsertRequest { Collection = "docs", Points = { GroupPoint("p1", 1) } });
        qdrant.On("POST", Query, q => FakeAnswer.Ok(FakeQdrant.QueryResponse(qdrant.Scored(q, QdrantPointIds.ToUuid("p1"), 2.5f))));

        var response = await client.SearchAsync(new SearchRequest { Collection = "docs", Sparse = Sparse((4, 1f), (7, 0.25f)), Limit = 5 });

        var query = Assert.Single(qdrant.RequestsTo("POST", Query)).Body!;
        Assert.Equal("{\"indices\":[4,7],\"values\":[1,0.25]}", query["query"]!.ToJsonString());
        Assert.Equal("sparse", query["using"]!.GetValue<string>());
        Assert.Equal(5, query["limit"]!.GetValue<int>());
        Assert.Equal(2.5f, Assert.Single(response.Points).SparseScore);
        qdrant.AssertContractKept();
    }

    [Theory]
    [InlineData(0u, 0f, 61, 1f)]   // no fusion given: RRF with k = 60
    [InlineData(20u, 0.5f, 21, 0.5f)]
    public async Task Hybrid_rrf_is_fused_by_qdrant_with_explicit_k_and_weights_and_prefetches_of_at_least_limit_plus_offset(
        uint k, float weight, int qdrantK, float factor)
    {
        await client.CreateCollectionAsync(DenseCollection("docs"));
        await client.UpsertAsync(new UpsertRequest { Collection = "docs", Points = { Enumerable.Range(0, 20).Select(i => GroupPoint($"p{i}", i)) } });
        qdrant.On("POST", Query, q => FakeAnswer.Ok(FakeQdrant.QueryResponse(
            Enumerable.Range(0, 17).Select(i => qdrant.Scored(q, QdrantPointIds.ToUuid($"p{i}"), 1f / (qdrantK + i))).ToArray())));

        var filter = new Filter { MustNot = { new Condition { HasId = new HasIdCondition { Ids = { "p19" } } } } };
        var search = new SearchRequest { Collection = "docs", Dense = { Vector(9) }, Sparse = Sparse((1, 1f)), Filter = filter, Limit = 10, Offset = 15, CandidateLimit = 5 };
        if (k > 0) search.Fusion = new Fusion { Rrf = new Rrf { K = k, DenseWeight = weight, SparseWeight = weight } };
        var response = await client.SearchAsync(search);

        var query = Assert.Single(qdrant.RequestsTo("POST", Query)).Body!; // one round trip
        var prefetch = query["prefetch"]!.AsArray();
        Assert.Equal(["dense", "sparse"], prefetch.Select(p => p!["using"]!.GetValue<string>()));
        Assert.All(prefetch, p => Assert.Equal(25, p!["limit"]!.GetValue<int>())); // candidate_limit 5 < limit + offset 25
        var excluded = $"{{\"must_not\":[{{\"has_id\":[\"{QdrantPointIds.ToUuid("p19")}\"]}}]}}";
        Assert.All(prefetch, p => Assert.Equal(excluded, p!["filter"]!.ToJsonString()));
        Assert.Equal($"{{\"rrf\":{{\"k\":{qdrantK},\"weights\":[1,1]}}}}", query["query"]!.ToJsonString());
        Assert.Equal(25, query["limit"]!.GetValue<int>());

        Assert.Equal(["p15", "p16"], response.Points.Select(p => p.Id));
        var reference = ScoreFusion.Fuse(
            Enumerable.Range(0, 17).Select(i => ($"p{i}", 1f)).ToList(), [], search.Fusion);
        Assert.Equal(reference[15].Score, response.Points[0].Score, 6); // Qdrant's scores, scaled to the contract's RRF
        Assert.Equal(factor / (qdrantK + 15), response.Points[0].Score, 6);
        Assert.All(response.Points, p => Assert.False(p.HasDenseScore || p.HasSparseScore));
        qdrant.AssertContractKept();
    }

    public static TheoryData<string> FusedAboveQdrant => ["weighted", "dbsf", "unequal-rrf"];

    [Theory]
    [MemberData(nameof(FusedAboveQdrant))]
    public async Task Fusions_qdrant_computes_differently_are_fused_above_it_from_two_plain_queries(string method)
    {
        var fusion = method switch
        {
            "weighted" => new Fusion { Weighted = new WeightedBlend { DenseWeight = 0.3f } },
            "dbsf" => new Fusion { Dbsf = new Dbsf() },
            _ => new Fusion { Rrf = new Rrf { K = 20, DenseWeight = 1, SparseWeight = 0.5f } },
        };
        await client.CreateCollectionAsync(DenseCollection("docs"));
        await client.UpsertAsync(new UpsertRequest { Collection = "docs", Points = { Enumerable.Range(0, 6).Select(i => GroupPoint($"p{i}", i)) } });
        (string Id, float Score)[] denseList = [("p0", 0.9f), ("p1", 0.8f), ("p2", 0.4f)];
        (string Id, float Score)[] sparseList = [("p2", 7f), ("p3", 3f), ("p0", 1f), ("p5", 0.5f)];
        qdrant.On("POST", Query, q => FakeAnswer.Ok(FakeQdrant.QueryResponse(
            (q.Body!["using"]!.GetValue<string>() == "dense" ? denseList : sparseList).Select(h => qdrant.Scored(q, QdrantPointIds.ToUuid(h.Id), h.Score)).ToArray())));

        var response = await client.SearchAsync(new SearchRequest
        {
            Collection = "docs", Dense = { Vector(9) }, Sparse = Sparse((1, 1f)), Limit = 4, CandidateLimit = 30, Fusion = fusion,
        });

        var queries = qdrant.RequestsTo("POST", Query).Select(r => r.Body!).ToList();
        Assert.Equal(["dense", "sparse"], queries.Select(q => q["using"]!.GetValue<string>()).Order());
        Assert.All(queries, q => Assert.Null(q["prefetch"]));
        Assert.All(queries, q => Assert.Equal(30, q["limit"]!.GetValue<int>()));
        var reference = ScoreFusion.Fuse(denseList, sparseList, fusion).Take(4).ToList();
        Assert.Equal(reference.Select(r => r.Key), response.Points.Select(p => p.Id));
        Assert.Equal(reference.Select(r => r.Score), response.Points.Select(p => p.Score));
        Assert.Equal(0.9f, response.Points.Single(p => p.Id == "p0").DenseScore); // per-list scores survive fusion above Qdrant
        qdrant.AssertContractKept();
    }

    [Fact]
    public async Task Deletes_count_their_selection_first_then_delete_it_and_wait()
    {
        await client.CreateCollectionAsync(DenseCollection("docs"));
        await client.UpsertAsync(new UpsertRequest { Collection = "docs", Points = { Enumerable.Range(1, 4).Select(i => GroupPoint($"p{i}", i)) } });

        var byIds = await client.DeletePointsAsync(new DeletePointsRequest { Collection = "docs", Ids = { "p1", "p1", "missing" } });
        Assert.Equal(1ul, byIds.Deleted);
        var count = qdrant.RequestsTo("POST", "/collections/{collection_name}/points/count").Last().Body!;
        Assert.Equal($"{{\"exact\":true,\"filter\":{{\"must\":[{{\"has_id\":[\"{QdrantPointIds.ToUuid("p1")}\",\"{QdrantPointIds.ToUuid("missing")}\"]}}]}}}}", count.ToJsonString());
        var delete = Assert.Single(qdrant.RequestsTo("POST", "/collections/{collection_name}/points/delete"));
        Assert.Equal("true", delete.Query["wait"]);
        Assert.Equal($"{{\"points\":[\"{QdrantPointIds.ToUuid("p1")}\",\"{QdrantPointIds.ToUuid("missing")}\"]}}", delete.Body!.ToJsonString());
        Assert.Equal(3, qdrant.PointCount("ragplatform.default.docs"));

        Assert.Equal(0ul, (await client.DeletePointsAsync(new DeletePointsRequest { Collection = "docs", Ids = { "gone" } })).Deleted);
        Assert.Single(qdrant.RequestsTo("POST", "/collections/{collection_name}/points/delete")); // nothing to delete, nothing sent

        var filter = new Filter { Should = { new Condition { Field = new FieldCondition { Key = "group", Any = new MatchAny { Integers = { 2, 3 } } } } } };
        const string translated = "{\"should\":[{\"key\":\"group\",\"match\":{\"any\":[2,3]}}]}";
        qdrant.On("POST", "/collections/{collection_name}/points/count",
            q => q.Body!["filter"]?.ToJsonString() == translated ? FakeAnswer.Ok(new JsonObject { ["count"] = 2 }) : null);
        qdrant.On("POST", "/collections/{collection_name}/points/delete",
            q => q.Body!["filter"]?.ToJsonString() == translated ? FakeAnswer.Completed() : null);
        Assert.Equal(2ul, (await client.DeletePointsAsync(new DeletePointsRequest { Collection = "docs", Filter = filter })).Deleted);
        Assert.Equal(translated, qdrant.RequestsTo("POST", "/collections/{collection_name}/points/delete").Last().Body!["filter"]!.ToJsonString());
        qdrant.AssertContractKept();
    }

    [Fact]
    public async Task Count_is_exact_and_carries_the_translated_filter()
    {
        await client.CreateCollectionAsync(DenseCollection("docs"));
        await client.UpsertAsync(new UpsertRequest { Collection = "docs", Points = { GroupPoint("p1", 1), GroupPoint("p2", 2) } });
        Assert.Equal(2ul, (await client.CountAsync(new CountRequest { Collection = "docs" })).Count);
        Assert.Equal("{\"exact\":true}", qdrant.RequestsTo("POST", "/collections/{collection_name}/points/count").Last().Body!.ToJsonString());

        qdrant.On("POST", "/collections/{collection_name}/points/count", q => q.Body!["filter"] is null ? null : FakeAnswer.Ok(new JsonObject { ["count"] = 1 }));
        var published = new Filter { Must = { new Condition { Field = new FieldCondition { Key = "published", DatetimeRange = new DatetimeRange { Gte = Timestamp.FromDateTimeOffset(new DateTimeOffset(2024, 5, 1, 12, 30, 0, TimeSpan.Zero)) } } } } };
        Assert.Equal(1ul, (await client.CountAsync(new CountRequest { Collection = "docs", Filter = published })).Count);
        Assert.Equal("{\"must\":[{\"key\":\"published\",\"range\":{\"gte\":\"2024-05-01T12:30:00Z\"}}]}",
            qdrant.RequestsTo("POST", "/collections/{collection_name}/points/count").Last().Body!["filter"]!.ToJsonString());
        qdrant.AssertContractKept();
    }

    [Fact]
    public async Task Collections_are_scoped_by_tenant_and_only_the_tenants_own_are_listed()
    {
        await client.CreateCollectionAsync(DenseCollection("docs"), ServiceHost.Tenant("acme"));
        await client.CreateCollectionAsync(DenseCollection("docs"), ServiceHost.Tenant("acme-eu"));
        await client.CreateCollectionAsync(DenseCollection("notes"), ServiceHost.Tenant("acme-eu"));
        qdrant.AddCollection("another-application", new JsonObject());
        qdrant.AddCollection("ragplatform.acme.made-by-hand", new JsonObject()); // in the tenant's namespace, but not ours

        var acme = await client.ListCollectionsAsync(new ListCollectionsRequest(), ServiceHost.Tenant("acme"));
        Assert.Equal(["docs"], acme.Collections.Select(c => c.Name));
        var eu = await client.ListCollectionsAsync(new ListCollectionsRequest(), ServiceHost.Tenant("acme-eu"));
        Assert.Equal(["docs", "notes"], eu.Collections.Select(c => c.Name));
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => client.GetCollectionAsync(new GetCollectionRequest { Name = "notes" }, ServiceHost.Tenant("acme")).ResponseAsync);
        Assert.Contains("ragplatform.acme-eu.notes", qdrant.CollectionNames);

        Assert.True((await client.DeleteCollectionAsync(new DeleteCollectionRequest { Name = "docs" }, ServiceHost.Tenant("acme"))).Deleted);
        Assert.False((await client.DeleteCollectionAsync(new DeleteCollectionRequest { Name = "docs" }, ServiceHost.Tenant("acme"))).Deleted);
        Assert.Contains("ragplatform.acme-eu.docs", qdrant.CollectionNames);
        qdrant.AssertContractKept();
    }

    [Fact]
    public async Task Qdrants_errors_reach_the_caller_with_the_right_code_and_its_message()
    {
        await client.CreateCollectionAsync(DenseCollection("docs"));
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => client.CountAsync(new CountRequest { Collection = "missing" }).ResponseAsync);

        qdrant.On("POST", Query, _ => FakeAnswer.Fail(400, "Wrong input: Vector dimension error: expected dim: 8, got 4"));
        var refused = await RpcAssert.FailsAsync(StatusCode.InvalidArgument,
            () => client.SearchAsync(new SearchRequest { Collection = "docs", Dense = { Vector(1) } }).ResponseAsync, "dense");
        Assert.Contains("Vector dimension error: expected dim: 8, got 4", refused.Status.Detail);

        qdrant.On("POST", "/collections/{collection_name}/points/count", _ => FakeAnswer.Fail(429, "Rate limiting exceeded: Write rate limit exceeded"));
        await RpcAssert.FailsAsync(StatusCode.ResourceExhausted, () => client.CountAsync(new CountRequest { Collection = "docs" }).ResponseAsync);
        qdrant.On("POST", "/collections/{collection_name}/points/count", _ => FakeAnswer.Fail(503, "Shard temporarily unavailable: shard 0 is recovering"));
        await RpcAssert.FailsAsync(StatusCode.Unavailable, () => client.CountAsync(new CountRequest { Collection = "docs" }).ResponseAsync);
        qdrant.On("POST", "/collections/{collection_name}/points/count", _ => FakeAnswer.Fail(500, "Service internal error: disk is broken"));
        await RpcAssert.FailsAsync(StatusCode.Internal, () => client.CountAsync(new CountRequest { Collection = "docs" }).ResponseAsync);
        qdrant.AssertContractKept();

        await using var wrongKey = await StartServiceAsync($"Endpoint={qdrant.Address};Key=not-the-key");
        await RpcAssert.FailsAsync(StatusCode.Internal, () => new VectorSearchService.VectorSearchServiceClient(wrongKey.Channel)
            .CountAsync(new CountRequest { Collection = "docs" }).ResponseAsync);

        await using var down = await StartServiceAsync($"Endpoint=http://127.0.0.1:{ClosedPort()};Key=not-the-key");
        var unreachable = await RpcAssert.FailsAsync(StatusCode.Unavailable, () => new VectorSearchService.VectorSearchServiceClient(down.Channel)
            .CountAsync(new CountRequest { Collection = "docs" }).ResponseAsync);
        Assert.DoesNotContain("not-the-key", unreachable.Status.Detail);
    }

    [Fact]
    public async Task Average_document_length_and_point_count_come_from_one_exact_facet_over_the_stored_lengths()
    {
        await client.CreateCollectionAsync(DenseCollection("docs"));
        await client.UpsertAsync(new UpsertRequest
        {
            Collection = "docs",
            Points = { new[] { 10u, 20u, 20u, 50u }.Select((length, i) => new Point { Id = $"p{i}", Dense = { Vector(i) }, DocumentLength = length }) },
        });

        var collection = await client.GetCollectionAsync(new GetCollectionRequest { Name = "docs" });

        Assert.Equal(4ul, collection.PointsCount);
        Assert.Equal(25, collection.AverageDocumentLength, 6);
        var facet = qdrant.RequestsTo("POST", "/collections/{collection_name}/facet").Last().Body!;
        Assert.Equal("{\"key\":\"ragplatform_document_length\",\"limit\":10000,\"exact\":true}", facet.ToJsonString());
        qdrant.AssertContractKept();
    }

    [Fact]
    public async Task Readiness_follows_qdrants_readyz()
    {
        var health = host.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(c => c.Name == "qdrant")).Status);
        qdrant.On("GET", "/readyz", _ => FakeAnswer.Fail(503, "some shards are not ready"));
        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync(c => c.Name == "qdrant")).Status);
        Assert.All(qdrant.RequestsTo("GET", "/readyz"), r => Assert.Equal(ApiKey, r.ApiKey));
        qdrant.AssertContractKept();
    }

    [Fact]
    public async Task Choosing_qdrant_without_a_connection_string_fails_at_start_up()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartServiceAsync(null));
        Assert.Contains("ConnectionStrings:qdrant_http", error.Message);
    }

    private static CreateCollectionRequest DenseCollection(string name, Distance distance = Distance.Cosine) => new()
    {
        Name = name,
        Dense = new DenseVectorConfig { Dimension = 8, Distance = distance },
        Sparse = new SparseVectorConfig { Idf = true },
        EmbeddingSpace = "space-a",
    };

    private static Point GroupPoint(string id, int seed) => new()
    {
        Id = id, Dense = { Vector(seed) }, Payload = new Struct { Fields = { ["group"] = Value.ForNumber(seed % 3) } },
    };

    private static float[] Vector(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, 8).Select(_ => (float)Math.Round(random.NextDouble() - 0.5, 3)).ToArray();
    }

    private static SparseVector Sparse(params (uint Index, float Value)[] terms) => new()
    {
        Indices = { terms.Select(t => t.Index) }, Values = { terms.Select(t => t.Value) },
    };

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static ActivityListener Listen(List<Activity> spans)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "RagPlatform.VectorSearch",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (spans) spans.Add(activity); },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
