using System.ComponentModel.DataAnnotations;

namespace RagPlatform.VectorSearch.Backends.Qdrant;

/// <summary>Configuration section "VectorSearch:Qdrant" (the endpoint comes from ConnectionStrings:qdrant_http).</summary>
public sealed class QdrantBackendOptions
{
    public const string Section = "VectorSearch:Qdrant";

    /// <summary>
    /// Largest request body sent; upserts are split in batches below it. Qdrant refuses bodies over
    /// its service.max_request_size_mb (32 MiB by default), so the default leaves room to spare.
    /// </summary>
    [Range(64 * 1024, 1024 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 30 * 1024 * 1024;

    /// <summary>How long one REST call may take before Qdrant counts as unavailable.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
