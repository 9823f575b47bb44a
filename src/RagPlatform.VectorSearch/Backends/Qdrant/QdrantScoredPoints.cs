using System.Text.Json.Nodes;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.VectorSearch.Engine;

namespace RagPlatform.VectorSearch.Backends.Qdrant;

/// <summary>Reads Qdrant's <c>QueryResponse</c> back into the platform's points.</summary>
public static class QdrantScoredPoints
{
    /// <param name="scoreFactor">
    /// Applied to every score: -1 turns Qdrant's Euclidean distances (smaller is better) into the
    /// platform's similarities (larger is better); an RRF weight scales fused scores.
    /// </param>
    public static IReadOnlyList<ScoredResult> Read(JsonNode? queryResponse, bool withVectors, float scoreFactor = 1f)
    {
        if (queryResponse?["points"] is not JsonArray points)
            throw new InvalidOperationException("Qdrant's query response holds no points list");
        return points.Select(p => Read(p!.AsObject(), withVectors, scoreFactor)).ToList();
    }

    private static ScoredResult Read(JsonObject scored, bool withVectors, float scoreFactor) =>
        new(ReadPoint(scored, withVectors), scored["score"]!.GetValue<float>() * scoreFactor);

    /// <summary>A Qdrant point or scored point (its id, payload and vectors) as the platform's point.</summary>
    public static Point ReadPoint(JsonObject scored, bool withVectors)
    {
        var payload = scored["payload"] as JsonObject;
        // A point written by another client has no platform id: its Qdrant id stands in.
        var id = payload?[QdrantPayload.PointIdKey]?.GetValue<string>() ?? scored["id"]!.ToString();
        var point = new Point
        {
            Id = id,
            Payload = QdrantPayload.FromJson(payload),
            DocumentLength = payload?[QdrantPayload.DocumentLengthKey] is JsonValue length ? length.GetValue<uint>() : 0,
        };
        if (withVectors && scored["vector"] is JsonObject vectors)
        {
            if (vectors[QdrantCollectionConfig.DenseVector] is JsonArray dense)
                point.Dense.Add(dense.Select(v => v!.GetValue<float>()));
            point.Sparse = vectors[QdrantCollectionConfig.SparseVector] is JsonObject sparse
                ? new SparseVector
                {
                    Indices = { sparse["indices"]!.AsArray().Select(i => i!.GetValue<uint>()) },
                    Values = { sparse["values"]!.AsArray().Select(v => v!.GetValue<float>()) },
                }
                : new SparseVector();
        }
        return point;
    }
}
