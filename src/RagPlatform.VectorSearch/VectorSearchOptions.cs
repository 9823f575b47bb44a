using System.ComponentModel.DataAnnotations;

namespace RagPlatform.VectorSearch;

/// <summary>Configuration section "VectorSearch".</summary>
public sealed class VectorSearchOptions
{
    public const string Section = "VectorSearch";

    public const string EmbeddedBackendName = "embedded";
    public const string MemoryBackendName = "memory";
    public const string QdrantBackendName = "qdrant";

    /// <summary>
    /// Where collections live. "embedded": durable files under <see cref="DataDirectory"/> (the default);
    /// "memory": in this process only, lost on restart; "qdrant": in the Qdrant at ConnectionStrings:qdrant_http.
    /// </summary>
    [AllowedValues(EmbeddedBackendName, MemoryBackendName, QdrantBackendName)]
    public string Backend { get; set; } = EmbeddedBackendName;

    /// <summary>The embedded backend's data; relative paths are under the content root.</summary>
    [Required]
    public string DataDirectory { get; set; } = ".data/vectors";

    /// <summary>The embedded backend's durability settings.</summary>
    public Engine.Storage.DurabilityOptions Durability { get; set; } = new();

    /// <summary>Most points one upsert message may carry.</summary>
    [Range(1, 100_000)]
    public int MaxPointsPerUpsert { get; set; } = 10_000;

    /// <summary>Largest search limit + offset.</summary>
    [Range(1, 100_000)]
    public int MaxResults { get; set; } = 1_000;
}
