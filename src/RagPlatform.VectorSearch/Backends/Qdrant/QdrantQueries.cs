using System.Text.Json.Nodes;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.VectorSearch.Engine;

namespace RagPlatform.VectorSearch.Backends.Qdrant;

/// <summary>Bodies of <c>POST /collections/{name}/points/query</c> (Qdrant's Query API).</summary>
public static class QdrantQueries
{
    public static JsonObject Dense(IReadOnlyList<float> query, Filter? filter, int limit, SearchParams? parameters, bool withVectors) =>
        Finish(DenseSource(query, filter, limit, parameters), withVectors);

    public static JsonObject Sparse(SparseVector query, Filter? filter, int limit, bool withVectors) =>
        Finish(SparseSource(query, filter, limit), withVectors);

    /// <summary>
    /// Both lists as prefetches, each taking the candidates (never fewer than the fused limit, or the
    /// fused list comes back short), fused by Qdrant's RRF with k and weights given explicitly.
    /// </summary>
    public static JsonObject Hybrid(HybridQuery query)
    {
        int candidates = Math.Max(query.Candidates, query.Limit);
        var body = new JsonObject
        {
            ["prefetch"] = new JsonArray(
                DenseSource(query.Dense, query.Filter, candidates, query.Parameters),
                SparseSource(query.Sparse, query.Filter, candidates)),
            ["query"] = new JsonObject
            {
                ["rrf"] = new JsonObject
                {
                    ["k"] = QdrantFusion.QdrantK(query.Fusion),
                    ["weights"] = new JsonArray(1f, 1f),
                },
            },
            ["limit"] = query.Limit,
        };
        return Finish(body, query.WithVectors);
    }

    public static JsonObject Sparse(SparseVector vector) => new()
    {
        ["indices"] = new JsonArray(vector.Indices.Select(i => (JsonNode)i).ToArray()),
        ["values"] = new JsonArray(vector.Values.Select(v => (JsonNode)v).ToArray()),
    };

    private static JsonObject DenseSource(IReadOnlyList<float> query, Filter? filter, int limit, SearchParams? parameters)
    {
        var source = new JsonObject
        {
            ["query"] = new JsonArray(query.Select(v => (JsonNode)v).ToArray()),
            ["using"] = QdrantCollectionConfig.DenseVector,
            ["limit"] = limit,
        };
        if (QdrantFilters.Translate(filter) is { } translated) source["filter"] = translated;
        if (Params(parameters) is { } search) source["params"] = search;
        return source;
    }

    private static JsonObject SparseSource(SparseVector query, Filter? filter, int limit)
    {
        var source = new JsonObject
        {
            ["query"] = Sparse(query),
            ["using"] = QdrantCollectionConfig.SparseVector,
            ["limit"] = limit,
        };
        if (QdrantFilters.Translate(filter) is { } translated) source["filter"] = translated;
        return source;
    }

    private static JsonObject? Params(SearchParams? parameters)
    {
        if (parameters is null) return null;
        var json = new JsonObject();
        if (parameters.Ef > 0) json["hnsw_ef"] = parameters.Ef;
        if (parameters.Exact) json["exact"] = true;
        return json.Count > 0 ? json : null;
    }

    // The payload always comes back: it carries the caller's point id.
    private static JsonObject Finish(JsonObject body, bool withVectors)
    {
        body["with_payload"] = true;
        body["with_vector"] = withVectors;
        return body;
    }
}
