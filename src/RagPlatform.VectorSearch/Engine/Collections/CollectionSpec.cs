using RagPlatform.Contracts.Vectors.V1;

namespace RagPlatform.VectorSearch.Engine.Collections;

/// <summary>A collection's fixed configuration, as created.</summary>
public sealed record CollectionSpec(
    string Name,
    DenseVectorConfig? Dense,
    SparseVectorConfig? Sparse,
    string EmbeddingSpace,
    IReadOnlyList<PayloadIndex> PayloadIndexes,
    DateTimeOffset CreatedAt)
{
    /// <summary>Same configuration (creation time aside): a repeated create is then success.</summary>
    public bool SameConfiguration(CollectionSpec other) =>
        Name == other.Name && Equals(Dense, other.Dense) && Equals(Sparse, other.Sparse)
        && EmbeddingSpace == other.EmbeddingSpace && PayloadIndexes.SequenceEqual(other.PayloadIndexes);
}
