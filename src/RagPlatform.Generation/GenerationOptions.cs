using System.ComponentModel.DataAnnotations;

namespace RagPlatform.Generation;

/// <summary>Configuration section "Generation".</summary>
public sealed class GenerationOptions
{
    public const string Section = "Generation";

    /// <summary>The chat model used when a request names none.</summary>
    [Required]
    public string DefaultModel { get; set; } = Extractive.ExtractiveAnswerer.ModelName;

    [Range(1, 1_000_000)]
    public int MaxQuestionCharacters { get; set; } = 4_096;

    [Range(1, 10_000)]
    public int MaxPassages { get; set; } = 200;
}
