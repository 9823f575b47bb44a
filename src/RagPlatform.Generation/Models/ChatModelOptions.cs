using System.ComponentModel.DataAnnotations;

namespace RagPlatform.Generation.Models;

/// <summary>
/// One chat model, configuration section "Generation:Models:&lt;name&gt;"; the section's name is the
/// model name callers ask for. A registered fine-tuned model arrives in the same shape from the registry.
/// </summary>
public sealed class ChatModelOptions : IValidatableObject
{
    public const string Section = "Generation:Models";

    /// <summary><c>openai</c>, <c>azure-openai</c>, <c>openai-compatible</c> or <c>llama-server</c> (a local GGUF).</summary>
    [Required]
    public string Provider { get; set; } = "";

    /// <summary>The service's base address; for azure-openai the resource, e.g. https://NAME.openai.azure.com/.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>From configuration or a secret store; never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The provider's model name (azure-openai: the deployment); for a local GGUF, any label.</summary>
    public string Model { get; set; } = "";

    /// <summary>A local GGUF file (provider llama-server).</summary>
    public string? ModelPath { get; set; }

    /// <summary>The model's context window in tokens: prompt and answer together must fit in it.</summary>
    [Range(256, 10_000_000)]
    public int ContextTokens { get; set; } = 8_192;

    /// <summary>Answer tokens when a request sets no limit; reserved out of the context window.</summary>
    [Range(1, 1_000_000)]
    public int MaxOutputTokens { get; set; } = 512;

    /// <summary>
    /// The provider's tokenizer is not known here, so prompts are measured in characters; this many a
    /// token. 3 errs on the short side for the BPE vocabularies of OpenAI-style models.
    /// </summary>
    [Range(0.5, 16)]
    public double CharactersPerToken { get; set; } = 3;

    /// <summary>Longest wait for the first token, and for each next piece of the answer after it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries after a 429, a 5xx, a timeout or a refused connection, before the first token only.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 2;

    /// <summary>The first backoff; each retry doubles it (with a little jitter) up to <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait before a retry; a provider asking (Retry-After) for longer is reported instead.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Local GGUF: extra llama-server arguments (e.g. "--threads 2").</summary>
    public string? ServerArguments { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!ChatProviders.IsConfigurable(Provider))
            yield return new ValidationResult($"Provider '{Provider}' is not one of {string.Join(", ", ChatProviders.Configurable)}", [nameof(Provider)]);
        if (Provider is ChatProviders.AzureOpenAI or ChatProviders.OpenAICompatible && Endpoint is null)
            yield return new ValidationResult($"Endpoint is required for provider {Provider}", [nameof(Endpoint)]);
        if (Provider is ChatProviders.OpenAI or ChatProviders.AzureOpenAI && string.IsNullOrWhiteSpace(ApiKey))
            yield return new ValidationResult($"ApiKey is required for provider {Provider}", [nameof(ApiKey)]);
        if (Provider is not ChatProviders.LocalGguf && string.IsNullOrWhiteSpace(Model))
            yield return new ValidationResult($"Model is required for provider {Provider}", [nameof(Model)]);
        if (Provider == ChatProviders.LocalGguf && string.IsNullOrWhiteSpace(ModelPath))
            yield return new ValidationResult("ModelPath (a GGUF file) is required for provider llama-server", [nameof(ModelPath)]);
        if (Endpoint is { IsAbsoluteUri: false })
            yield return new ValidationResult("Endpoint must be an absolute address", [nameof(Endpoint)]);
        if (MaxOutputTokens >= ContextTokens)
            yield return new ValidationResult("MaxOutputTokens must leave room for the prompt within ContextTokens", [nameof(MaxOutputTokens)]);
    }

    /// <summary>Without secrets, for logs and error messages.</summary>
    public override string ToString() => Provider == ChatProviders.LocalGguf
        ? $"local GGUF {ModelPath}"
        : $"{Provider} model {Model} at {Endpoint?.ToString() ?? "the provider's default endpoint"}";
}
