using System.Text.Json.Nodes;

namespace RagPlatform.VectorSearch.Backends.Qdrant;

/// <summary>The number of points and their mean document length, as BM25 needs it.</summary>
public sealed record DocumentLengthStats(long Points, double Average, bool Complete);

/// <summary>
/// Qdrant keeps no sums, so every point carries its document length in a reserved payload field
/// with an integer (lookup) index, and one exact facet over that field counts the points per
/// length: count = Σ counts, mean = Σ length × count / count. The figures are read from the
/// points themselves at query time, so they are exactly as consistent as a count: no running
/// total to drift, lose updates between replicas or miss a replaced point. The limit: a facet
/// returns at most <see cref="FacetLimit"/> distinct lengths (chunks are token-bounded, so a
/// collection holds a few hundred); past that the rarest lengths are left out, the result is
/// marked incomplete, and the mean is that of the lengths seen.
/// </summary>
public static class QdrantDocumentLengths
{
    public const int FacetLimit = 10_000;

    /// <summary>Body of <c>POST /collections/{name}/facet</c>.</summary>
    public static JsonObject FacetBody() => new()
    {
        ["key"] = QdrantPayload.DocumentLengthKey,
        ["limit"] = FacetLimit,
        ["exact"] = true,
    };

    /// <summary>Body of <c>PUT /collections/{name}/index</c>: the index the facet needs.</summary>
    public static JsonObject IndexBody() => new()
    {
        ["field_name"] = QdrantPayload.DocumentLengthKey,
        ["field_schema"] = new JsonObject { ["type"] = "integer", ["lookup"] = true, ["range"] = false },
    };

    /// <summary>Reads a <c>FacetResponse</c>.</summary>
    public static DocumentLengthStats Read(JsonNode? facetResponse)
    {
        var hits = facetResponse?["hits"] as JsonArray
            ?? throw new InvalidOperationException("Qdrant's facet response holds no hits list");
        long points = 0;
        double total = 0;
        foreach (var hit in hits)
        {
            long count = hit!["count"]!.GetValue<long>();
            points += count;
            total += hit["value"]!.GetValue<long>() * (double)count;
        }
        return new DocumentLengthStats(points, points == 0 ? 0 : total / points, hits.Count < FacetLimit);
    }
}
