using System.ComponentModel.DataAnnotations;

namespace RagPlatform.VectorSearch;

/// <summary>Configuration section "VectorSearch".</summary>
public sealed class VectorSearchOptions
{
    public const string Section = "VectorSearch";

    /// <summary>
    /// Where collections live. "embedded": durable files under <see cref="DataDirectory"/> (the default);
    /// "memory": in this process only, lost on restart.
    /// </summary>
    [AllowedValues("embedded", "memory")]
    public string Backend { get; set; } = "embedded";

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
