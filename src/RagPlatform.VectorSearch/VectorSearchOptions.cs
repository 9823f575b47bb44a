using System.ComponentModel.DataAnnotations;

namespace RagPlatform.VectorSearch;

/// <summary>Configuration section "VectorSearch".</summary>
public sealed class VectorSearchOptions
{
    public const string Section = "VectorSearch";

    public const string MemoryBackendName = "memory";
    public const string QdrantBackendName = "qdrant";

    /// <summary>
    /// Where collections live. "memory": in this process, lost on restart. "qdrant": in the Qdrant
    /// at ConnectionStrings:qdrant_http.
    /// </summary>
    [AllowedValues(MemoryBackendName, QdrantBackendName)]
    public string Backend { get; set; } = MemoryBackendName;

    /// <summary>Most points one upsert message may carry.</summary>
    [Range(1, 100_000)]
    public int MaxPointsPerUpsert { get; set; } = 10_000;

    /// <summary>Largest search limit + offset.</summary>
    [Range(1, 100_000)]
    public int MaxResults { get; set; } = 1_000;
}
