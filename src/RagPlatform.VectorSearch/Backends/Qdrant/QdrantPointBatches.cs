using System.Text;
using System.Text.Json.Nodes;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.VectorSearch.Backends.Qdrant;

/// <summary>
/// Upsert bodies (<c>PointsList</c>) for a list of points, split so that no body reaches the
/// request size Qdrant accepts. Every point is serialised (and checked) before any body is sent.
/// </summary>
public static class QdrantPointBatches
{
    private static readonly byte[] Head = Encoding.UTF8.GetBytes("{\"points\":[");
    private static readonly byte[] Tail = Encoding.UTF8.GetBytes("]}");

    public static List<byte[]> Build(IReadOnlyList<Point> points, int maxBodyBytes)
    {
        var encoded = new List<byte[]>(points.Count);
        for (int i = 0; i < points.Count; i++)
        {
            var json = Encoding.UTF8.GetBytes(ToJson(points[i], $"points[{i}]").ToJsonString());
            Require.That(json.Length + Head.Length + Tail.Length <= maxBodyBytes, $"points[{i}]",
                $"is {json.Length} bytes as JSON; one request to Qdrant may carry at most {maxBodyBytes}");
            encoded.Add(json);
        }

        var bodies = new List<byte[]>();
        var body = new MemoryStream();
        foreach (var point in encoded)
        {
            bool first = body.Length == 0;
            if (!first && body.Length + 1 + point.Length + Tail.Length > maxBodyBytes)
            {
                bodies.Add(Close(body));
                body = new MemoryStream();
                first = true;
            }
            if (first) body.Write(Head); else body.WriteByte((byte)',');
            body.Write(point);
        }
        if (body.Length > 0) bodies.Add(Close(body));
        return bodies;
    }

    private static byte[] Close(MemoryStream body)
    {
        body.Write(Tail);
        return body.ToArray();
    }

    /// <summary>
    /// One <c>PointStruct</c>: derived UUID, named vectors, payload with the reserved fields. The
    /// engine has checked the vectors against the collection, so an absent one is simply left out.
    /// </summary>
    public static JsonObject ToJson(Point point, string field)
    {
        if (point.Payload is { } payload)
        {
            foreach (var key in payload.Fields.Keys.Where(QdrantPayload.IsReserved))
                throw new InvalidArgumentException($"{field}.payload.{key}", "is reserved for the Qdrant backend's own use");
        }
        var vectors = new JsonObject();
        if (point.Dense.Count > 0)
            vectors[QdrantCollectionConfig.DenseVector] = new JsonArray(point.Dense.Select(v => (JsonNode)v).ToArray());
        if (point.Sparse is { Indices.Count: > 0 } sparse)
            vectors[QdrantCollectionConfig.SparseVector] = QdrantQueries.Sparse(sparse);
        return new JsonObject
        {
            ["id"] = QdrantPointIds.ToUuid(point.Id),
            ["vector"] = vectors,
            ["payload"] = QdrantPayload.ToJson(point.Id, point.Payload, point.DocumentLength),
        };
    }
}
