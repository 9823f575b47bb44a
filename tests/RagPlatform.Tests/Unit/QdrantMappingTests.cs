using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.Tests.Infrastructure.Qdrant;
using RagPlatform.VectorSearch.Backends.Qdrant;
using RagPlatform.VectorSearch.Engine;
using Range = RagPlatform.Contracts.Vectors.V1.Range;

namespace RagPlatform.Tests.Unit;

/// <summary>How the Qdrant backend maps the contract onto Qdrant: filters, ids, names, connections, fusion, batches.</summary>
public sealed class QdrantMappingTests
{
    private static Condition Field(string key, Action<FieldCondition> test)
    {
        var field = new FieldCondition { Key = key };
        test(field);
        return new Condition { Field = field };
    }

    [Fact]
    public void Every_filter_construct_translates_clause_for_clause_into_a_valid_qdrant_filter()
    {
        var filter = new Filter
        {
            Must =
            {
                Field("lang", f => f.Match = new MatchValue { Keyword = "en" }),
                Field("meta.year", f => f.Range = new Range { Gte = 2020, Lt = 2024.5 }),
                Field("published", f => f.DatetimeRange = new DatetimeRange { Gt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2024, 1, 2, 3, 4, 5, 600, TimeSpan.Zero)) }),
                new Condition { Filter = new Filter { Should = { Field("public", f => f.Match = new MatchValue { Boolean = true }), Field("owner", f => f.Match = new MatchValue { Integer = -7 }) } } },
            },
            Should = { Field("tags", f => f.Any = new MatchAny { Keywords = { "a", "b", "a" } }) },
            MustNot = { new Condition { HasId = new HasIdCondition { Ids = { "p1", "p2" } } } },
        };

        var json = QdrantFilters.Translate(filter)!.ToJsonString();

        Assert.Equal(
            "{\"must\":[" +
                "{\"key\":\"lang\",\"match\":{\"value\":\"en\"}}," +
                "{\"key\":\"meta.year\",\"range\":{\"gte\":2020,\"lt\":2024.5}}," +
                "{\"key\":\"published\",\"range\":{\"gt\":\"2024-01-02T03:04:05.6Z\"}}," +
                "{\"should\":[{\"key\":\"public\",\"match\":{\"value\":true}},{\"key\":\"owner\",\"match\":{\"value\":-7}}]}]," +
            "\"should\":[{\"key\":\"tags\",\"match\":{\"any\":[\"a\",\"b\"]}}]," +
            "\"must_not\":[{\"has_id\":[\"230df16c-8c90-5005-b051-d4ea360816d8\",\"aa5d8dfe-1d13-524e-a210-2fd107946d9d\"]}]}",
            json);
        Assert.Empty(QdrantOpenApi.Instance.ValidateComponent("Filter", json));
    }

    [Fact]
    public void Except_keeps_the_contracts_meaning_present_and_none_of_these_rather_than_qdrants_any_other_value()
    {
        var filter = new Filter { Must = { Field("tags", f => f.Except = new MatchAny { Keywords = { "draft" }, Integers = { 0 } }) } };

        var json = QdrantFilters.Translate(filter)!.ToJsonString();

        Assert.Equal(
            "{\"must\":[{\"must_not\":[" +
                "{\"key\":\"tags\",\"match\":{\"any\":[\"draft\"]}}," +
                "{\"key\":\"tags\",\"match\":{\"any\":[0]}}," +
                "{\"is_empty\":{\"key\":\"tags\"}}]}]}",
            json);
        Assert.Empty(QdrantOpenApi.Instance.ValidateComponent("Filter", json));
    }

    [Fact]
    public void Any_over_keywords_and_integers_becomes_either_of_two_matches()
    {
        var filter = new Filter { Must = { Field("code", f => f.Any = new MatchAny { Keywords = { "x" }, Integers = { 4, 5 } }) } };

        var json = QdrantFilters.Translate(filter)!.ToJsonString();

        Assert.Equal("{\"must\":[{\"should\":[{\"key\":\"code\",\"match\":{\"any\":[\"x\"]}},{\"key\":\"code\",\"match\":{\"any\":[4,5]}}]}]}", json);
        Assert.Empty(QdrantOpenApi.Instance.ValidateComponent("Filter", json));
    }

    [Fact]
    public void A_non_finite_range_bound_is_refused_naming_it()
    {
        var filter = new Filter { Must = { Field("score", f => f.Range = new Range { Gt = double.PositiveInfinity }) } };

        var error = Assert.Throws<InvalidArgumentException>(() => QdrantFilters.Translate(filter));

        Assert.Equal("filter.must[0].field.range.gt", error.Field);
    }

    [Fact]
    public void The_validator_rejects_what_qdrant_would_not_read()
    {
        // The contract test is only as good as its validator: a misspelt clause or a wrong type must fail.
        Assert.NotEmpty(QdrantOpenApi.Instance.ValidateComponent("Filter", "{\"musts\":[]}"));
        Assert.NotEmpty(QdrantOpenApi.Instance.ValidateComponent("Filter", "{\"must\":[{\"key\":\"a\",\"match\":{\"value\":1.5}}]}"));
        Assert.NotEmpty(QdrantOpenApi.Instance.ValidateComponent("Filter", "{\"must\":[{\"has_id\":[\"not-a-uuid\"]}]}"));
        Assert.NotEmpty(QdrantOpenApi.Instance.ValidateComponent("QueryRequest", "{\"query\":{\"rrf\":{\"k\":0}}}"));
        Assert.NotEmpty(QdrantOpenApi.Instance.ValidateComponent("QueryRequest", "{\"limit\":10,\"with_payloads\":true}"));
        Assert.Empty(QdrantOpenApi.Instance.ValidateComponent("QueryRequest", "{\"query\":{\"rrf\":{\"k\":61,\"weights\":[1,1]}},\"limit\":10,\"filter\":null}"));
    }

    [Fact]
    public void Point_ids_are_rfc_name_based_uuids_stable_and_distinct()
    {
        // RFC 9562's own example: the DNS namespace and "www.example.com".
        Assert.Equal(new Guid("2ed6657d-e927-568b-95e1-2665a8aea6a2"),
            QdrantPointIds.NameBased(new Guid("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "www.example.com"));
        Assert.Equal("230df16c-8c90-5005-b051-d4ea360816d8", QdrantPointIds.ToUuid("p1"));
        Assert.Equal("4e93680c-079e-5c13-9cc0-42ae301a97c4", QdrantPointIds.ToUuid("é")); // names are UTF-8
        var ids = Enumerable.Range(0, 10_000).Select(i => QdrantPointIds.ToUuid($"doc-{i}#chunk-{i % 7}")).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids, Enumerable.Range(0, 10_000).Select(i => QdrantPointIds.ToUuid($"doc-{i}#chunk-{i % 7}")));
    }

    [Fact]
    public void Stored_points_round_trip_the_callers_id_payload_and_vectors()
    {
        var point = new Point
        {
            Id = "doc-7#chunk-3", Dense = { 0.25f, -1f }, Sparse = new SparseVector { Indices = { 2, 40 }, Values = { 0.5f, 2f } },
            Payload = new Struct { Fields = { ["title"] = Value.ForString("Ünïcode"), ["meta"] = Value.ForStruct(new Struct { Fields = { ["year"] = Value.ForNumber(2024) } }) } },
            DocumentLength = 17,
        };
        var stored = QdrantPointBatches.ToJson(point, "points[0]");
        var scored = new JsonObject { ["id"] = stored["id"]!.DeepClone(), ["version"] = 1, ["score"] = 0.75f, ["payload"] = stored["payload"]!.DeepClone(), ["vector"] = stored["vector"]!.DeepClone() };

        var result = Assert.Single(QdrantScoredPoints.Read(new JsonObject { ["points"] = new JsonArray(scored) }, withVectors: true));

        Assert.Equal(point, result.Point);
        Assert.Equal(0.75f, result.Score);
        Assert.Empty(QdrantOpenApi.Instance.ValidateComponent("PointStruct", stored.ToJsonString()));
        Assert.Empty(QdrantOpenApi.Instance.ValidateComponent("ScoredPoint", scored.ToJsonString()));
    }

    [Fact]
    public void Upsert_bodies_stay_below_the_limit_keep_every_point_in_order_and_refuse_a_point_too_large_for_any()
    {
        var points = Enumerable.Range(0, 40).Select(i => new Point
        {
            Id = $"p{i}", Dense = { 1f, 2f }, Payload = new Struct { Fields = { ["text"] = Value.ForString(new string('x', 100 + i * 10)) } },
        }).ToList();

        var bodies = QdrantPointBatches.Build(points, maxBodyBytes: 2000);

        Assert.True(bodies.Count > 1);
        Assert.All(bodies, b => Assert.True(b.Length <= 2000, $"{b.Length} bytes"));
        Assert.All(bodies, b => Assert.Empty(QdrantOpenApi.Instance.ValidateComponent("PointInsertOperations", Encoding.UTF8.GetString(b))));
        var ids = bodies.SelectMany(b => JsonNode.Parse(b)!["points"]!.AsArray()).Select(p => p!["payload"]![QdrantPayload.PointIdKey]!.GetValue<string>());
        Assert.Equal(points.Select(p => p.Id), ids);
        var error = Assert.Throws<InvalidArgumentException>(() => QdrantPointBatches.Build(points, maxBodyBytes: 300));
        Assert.StartsWith("points[", error.Field);
    }

    [Fact]
    public void Collection_names_are_one_to_one_and_a_tenant_lists_only_its_own()
    {
        Assert.Equal("ragplatform.acme.docs", QdrantCollectionNames.For("acme", "docs"));
        Assert.Equal("docs", QdrantCollectionNames.NameOf("acme", "ragplatform.acme.docs"));
        Assert.Equal("Docs_2-x", QdrantCollectionNames.NameOf("acme", QdrantCollectionNames.For("acme", "Docs_2-x")));
        // Tenants and names may hold '_' and '-' but never '.', so no two pairs share a Qdrant name.
        Assert.NotEqual(QdrantCollectionNames.For("a_", "_b"), QdrantCollectionNames.For("a", "__b"));
        Assert.Null(QdrantCollectionNames.NameOf("acme", "ragplatform.acme-eu.docs"));
        Assert.Null(QdrantCollectionNames.NameOf("acme", "ragplatform.acmes.docs"));
        Assert.Null(QdrantCollectionNames.NameOf("acme", "acme.docs"));
        Assert.Null(QdrantCollectionNames.NameOf("acme", "ragplatform.acme."));
    }

    [Theory]
    [InlineData("http://qdrant:6333", "http://qdrant:6333/", null)]
    [InlineData("Endpoint=http://qdrant:6333;Key=s3cret", "http://qdrant:6333/", "s3cret")]
    [InlineData("endpoint=https://q.example:6333/base/;key=", "https://q.example:6333/base/", null)]
    public void Connection_strings_are_read_as_aspire_writes_them(string text, string endpoint, string? key)
    {
        var connection = QdrantConnection.Parse(text)!;

        Assert.Equal(endpoint, connection.Endpoint.ToString());
        Assert.Equal(key, connection.Key);
        Assert.DoesNotContain("s3cret", connection.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Key=only")]
    [InlineData("Endpoint=qdrant:6334")]
    [InlineData("ftp://qdrant")]
    public void A_connection_string_without_an_http_endpoint_is_none(string? text) => Assert.Null(QdrantConnection.Parse(text));

    [Fact]
    public void Qdrant_fuses_natively_only_what_it_computes_exactly_as_the_contract_does()
    {
        Assert.True(QdrantFusion.IsNative(null));
        Assert.True(QdrantFusion.IsNative(new Fusion()));
        Assert.True(QdrantFusion.IsNative(new Fusion { Rrf = new Rrf { K = 10 } }));
        Assert.True(QdrantFusion.IsNative(new Fusion { Rrf = new Rrf { DenseWeight = 0.5f, SparseWeight = 0.5f } }));
        Assert.False(QdrantFusion.IsNative(new Fusion { Rrf = new Rrf { DenseWeight = 1, SparseWeight = 0.5f } }));
        Assert.False(QdrantFusion.IsNative(new Fusion { Rrf = new Rrf { DenseWeight = -1, SparseWeight = -1 } }));
        Assert.False(QdrantFusion.IsNative(new Fusion { Dbsf = new Dbsf() }));
        Assert.False(QdrantFusion.IsNative(new Fusion { Weighted = new WeightedBlend { DenseWeight = 0.5f } }));
        Assert.Equal(61, QdrantFusion.QdrantK(null));
        Assert.Equal(11, QdrantFusion.QdrantK(new Fusion { Rrf = new Rrf { K = 10 } }));
        Assert.Equal(0.5f, QdrantFusion.ScoreFactor(new Fusion { Rrf = new Rrf { DenseWeight = 0.5f, SparseWeight = 0.5f } }));
    }

    [Fact]
    public void The_hybrid_query_is_a_valid_query_request_with_prefetches_of_at_least_the_fused_limit()
    {
        var query = new HybridQuery([0.1f, 0.2f], new SparseVector { Indices = { 5 }, Values = { 1f } },
            new Filter { Must = { Field("g", f => f.Match = new MatchValue { Integer = 1 }) } },
            new Fusion { Rrf = new Rrf { K = 30 } }, Candidates: 5, Limit: 12, new SearchParams { Ef = 128 }, WithVectors: false);

        var body = QdrantQueries.Hybrid(query);

        Assert.Equal([12, 12], body["prefetch"]!.AsArray().Select(p => p!["limit"]!.GetValue<int>()));
        Assert.Equal("{\"hnsw_ef\":128}", body["prefetch"]![0]!["params"]!.ToJsonString());
        Assert.Equal("{\"rrf\":{\"k\":31,\"weights\":[1,1]}}", body["query"]!.ToJsonString());
        Assert.Empty(QdrantOpenApi.Instance.ValidateComponent("QueryRequest", body.ToJsonString()));
    }

    [Fact]
    public void Document_length_statistics_sum_an_exact_facet()
    {
        var facet = JsonNode.Parse("{\"hits\":[{\"value\":20,\"count\":2},{\"value\":10,\"count\":1},{\"value\":50,\"count\":1}]}");

        var stats = QdrantDocumentLengths.Read(facet);

        Assert.Equal(new DocumentLengthStats(4, 25, Complete: true), stats);
        Assert.Equal(new DocumentLengthStats(0, 0, true), QdrantDocumentLengths.Read(JsonNode.Parse("{\"hits\":[]}")));
        Assert.Empty(QdrantOpenApi.Instance.ValidateComponent("FacetRequest", QdrantDocumentLengths.FacetBody().ToJsonString()));
        Assert.Empty(QdrantOpenApi.Instance.ValidateComponent("CreateFieldIndex", QdrantDocumentLengths.IndexBody().ToJsonString()));
    }
}
