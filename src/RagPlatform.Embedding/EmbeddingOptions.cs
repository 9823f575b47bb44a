using System.ComponentModel.DataAnnotations;

namespace RagPlatform.Embedding;

/// <summary>Configuration section "Embedding".</summary>
public sealed class EmbeddingOptions
{
    public const string Section = "Embedding";

    /// <summary>The model used when a request names none.</summary>
    [Required]
    public string DefaultModel { get; set; } = Encoders.HashingEncoder.ModelName;

    /// <summary>Most texts one Embed call may carry.</summary>
    [Range(1, 10_000)]
    public int MaxTextsPerRequest { get; set; } = 512;

    /// <summary>Longest text, in characters.</summary>
    [Range(1, 10_000_000)]
    public int MaxCharactersPerText { get; set; } = 64 * 1024;
}
