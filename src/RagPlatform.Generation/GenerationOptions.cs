using System.ComponentModel.DataAnnotations;

namespace RagPlatform.Generation;

/// <summary>Configuration section "Generation".</summary>
public sealed class GenerationOptions
{
    public const string Section = "Generation";

    /// <summary>The chat model used when a request names none.</summary>
    [Required]
    public string DefaultModel { get; set; } = RagPlatform.Generation.Extractive.ExtractiveAnswerer.ModelName;

    [Range(1, 1_000_000)]
    public int MaxQuestionCharacters { get; set; } = 4_096;

    [Range(1, 10_000)]
    public int MaxPassages { get; set; } = 200;

    /// <summary>How long the model list of each source (configuration, the fine-tuned model registry) is kept.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ModelRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Local GGUF models: the llama-server program; found on PATH when not set.</summary>
    public string? LlamaServerPath { get; set; }

    /// <summary>Local GGUF models: a llama-server with no request for this long is stopped.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan LocalModelIdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Local GGUF models: longest wait for a starting llama-server to load its model.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LocalModelStartTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The extractive answerer's weights and shape (Generation:Extractive).</summary>
    public RagPlatform.Generation.Extractive.ExtractiveSettings Extractive { get; set; } = new();
}
