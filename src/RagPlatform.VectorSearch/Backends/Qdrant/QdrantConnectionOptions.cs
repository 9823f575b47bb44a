namespace RagPlatform.VectorSearch.Backends.Qdrant;

/// <summary>The parsed <c>ConnectionStrings:qdrant_http</c>, validated at start-up.</summary>
public sealed class QdrantConnectionOptions
{
    public QdrantConnection? Connection { get; set; }
}
