using RagPlatform.Contracts.Vectors.V1;

namespace RagPlatform.QueryRouter.Ingestion;

/// <summary>Filters over chunk payloads.</summary>
public static class ChunkFilters
{
    public static Condition Document(string documentId) => Keyword(ChunkPayload.DocumentId, documentId);

    public static Condition Keyword(string key, string value) =>
        new() { Field = new FieldCondition { Key = key, Match = new MatchValue { Keyword = value } } };

    /// <summary>All of a document's chunks.</summary>
    public static Filter AllOf(string documentId) => new() { Must = { Document(documentId) } };

    /// <summary>A document's chunks written from exactly this content.</summary>
    public static Filter SameContent(string documentId, string contentHash) => new()
    {
        Must = { Document(documentId), Keyword(ChunkPayload.ContentHash, contentHash) },
    };
}
