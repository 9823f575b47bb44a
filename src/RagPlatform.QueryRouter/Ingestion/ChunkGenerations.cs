using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.Vectors.V1;

namespace RagPlatform.QueryRouter.Ingestion;

/// <summary>
/// Each ingest of a document writes a new generation of its chunks (new point ids, the generation in
/// every payload) in one upsert, and only then deletes the document's other generations. A reader
/// therefore always finds the old set or the new set in the store, and in the short gap between
/// the two writes it may find both: <see cref="LatestOnly"/> drops, per document, every chunk of a
/// generation older than the newest one among the results, so a reader never mixes the two.
/// </summary>
public static class ChunkGenerations
{
    /// <summary>Point ids are at most 128 characters; a longer document id is replaced by its hash.</summary>
    private const int MaxDocumentIdInPointId = 80;
    private static long last;

    /// <summary>
    /// A new generation: the wall clock in milliseconds (exact in a JSON number), never repeated or
    /// going back within this process. Across replicas, the later ingest of one document wins.
    /// </summary>
    public static long Next()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        while (true)
        {
            long previous = Interlocked.Read(ref last);
            long next = Math.Max(now, previous + 1);
            if (Interlocked.CompareExchange(ref last, next, previous) == previous) return next;
        }
    }

    public static string PointId(string documentId, long generation, int chunkIndex)
    {
        var key = documentId.Length <= MaxDocumentIdInPointId ? documentId
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(documentId)))[..32];
        return $"{key}#{generation}.{chunkIndex}";
    }

    /// <summary>The generation a chunk belongs to; 0 for chunks written before generations existed.</summary>
    public static long Of(Struct payload) =>
        payload.Fields.TryGetValue(ChunkPayload.Generation, out var value) && value.KindCase == Value.KindOneofCase.NumberValue
            ? (long)value.NumberValue : 0;

    /// <summary>
    /// The results of one source without chunks of a superseded generation, in their order: for each
    /// document, only chunks of the newest generation among these results are kept.
    /// </summary>
    public static List<ScoredPoint> LatestOnly(IReadOnlyList<ScoredPoint> points)
    {
        Dictionary<string, long>? newest = null;
        bool mixed = false;
        foreach (var point in points)
        {
            if (point.Payload is null) continue;
            newest ??= new(StringComparer.Ordinal);
            var document = ChunkPayload.GetString(point.Payload, ChunkPayload.DocumentId);
            long generation = Of(point.Payload);
            if (newest.TryGetValue(document, out var seen))
            {
                mixed |= seen != generation;
                if (generation > seen) newest[document] = generation;
            }
            else newest[document] = generation;
        }
        if (!mixed) return points as List<ScoredPoint> ?? [.. points];
        return [.. points.Where(p => p.Payload is null
            || Of(p.Payload) == newest![ChunkPayload.GetString(p.Payload, ChunkPayload.DocumentId)])];
    }

    /// <summary>A document's chunks of generations before <paramref name="generation"/>.</summary>
    public static Filter OlderGenerations(string documentId, long generation) => new()
    {
        Must =
        {
            ChunkFilters.Document(documentId),
            new Condition { Field = new FieldCondition { Key = ChunkPayload.Generation, Range = new Contracts.Vectors.V1.Range { Lt = generation } } },
        },
    };

    /// <summary>Every chunk of a document except those of <paramref name="generation"/>.</summary>
    public static Filter OtherGenerations(string documentId, long generation) => new()
    {
        Must = { ChunkFilters.Document(documentId) },
        MustNot = { new Condition { Field = new FieldCondition { Key = ChunkPayload.Generation, Match = new MatchValue { Integer = generation } } } },
    };
}
