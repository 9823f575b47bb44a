using System.ComponentModel.DataAnnotations;

namespace RagPlatform.Embedding.Encoders.Remote;

/// <summary>
/// One remote embedding model, configuration section "Embedding:Remote:&lt;name&gt;"; the section's
/// name is the model name callers ask for.
/// </summary>
public sealed class RemoteModelOptions : IValidatableObject
{
    public const string Section = "Embedding:Remote";

    /// <summary><c>openai</c>, <c>azure-openai</c> or <c>openai-compatible</c> (Ollama, vLLM, llama.cpp's llama-server).</summary>
    [Required]
    public string Provider { get; set; } = "";

    /// <summary>The service's base address; for azure-openai the resource, e.g. https://NAME.openai.azure.com/.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>From configuration or a secret store; never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The provider's model name (for azure-openai: the deployment name).</summary>
    [Required]
    public string Model { get; set; } = "";

    /// <summary>Length of the vectors the model returns; a different length is a configuration error.</summary>
    [Range(1, 65_536)]
    public int Dimension { get; set; }

    /// <summary>Most texts the provider accepts in one request; larger batches are split.</summary>
    [Range(1, 100_000)]
    public int MaxBatch { get; set; } = 96;

    /// <summary>The model's input limit in tokens; longer texts are cut before sending.</summary>
    [Range(1, 10_000_000)]
    public int MaxTokens { get; set; } = 8191;

    /// <summary>Which index the vectors belong to; defaults to the model name. Models that share one share vectors.</summary>
    public string? EmbeddingSpace { get; set; }

    /// <summary>Longest wait for one provider request, before it counts as failed and is retried.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after a 429, a 5xx, a timeout or a refused connection.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first backoff; each retry doubles it (with a little jitter) up to <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait before a retry; a provider asking (Retry-After) for longer is reported instead.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!RemoteProviders.IsKnown(Provider))
            yield return new ValidationResult($"Provider '{Provider}' is not one of {string.Join(", ", RemoteProviders.All)}", [nameof(Provider)]);
        if (Provider is RemoteProviders.AzureOpenAI or RemoteProviders.OpenAICompatible && Endpoint is null)
            yield return new ValidationResult($"Endpoint is required for provider {Provider}", [nameof(Endpoint)]);
        if (Provider is RemoteProviders.OpenAI or RemoteProviders.AzureOpenAI && string.IsNullOrWhiteSpace(ApiKey))
            yield return new ValidationResult($"ApiKey is required for provider {Provider}", [nameof(ApiKey)]);
        if (Endpoint is { IsAbsoluteUri: false })
            yield return new ValidationResult("Endpoint must be an absolute address", [nameof(Endpoint)]);
    }

    /// <summary>Without secrets, for logs and error messages.</summary>
    public override string ToString() => $"{Provider} model {Model} at {Endpoint?.ToString() ?? "the provider's default endpoint"}";
}
