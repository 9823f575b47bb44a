namespace RagPlatform.FineTuning.Executors.OpenAI;

/// <summary>
/// The hosted models this service can fine-tune through an OpenAI-compatible fine-tuning API, read
/// from the "FineTuning" section: <c>FineTuning:RemoteBases:&lt;name&gt;:Endpoint|ApiKey|ApiKeyVariable|Model|Provider</c>.
/// </summary>
public sealed class RemoteFineTuningOptions
{
    /// <summary>Hosted base models by the name jobs give as base_model.</summary>
    public Dictionary<string, RemoteBaseOptions> RemoteBases { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How often a running remote job's state, events and checkpoints are read.</summary>
    public TimeSpan RemotePollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of a provider call refused for the moment (429, 5xx, no answer) before the job waits in the queue.</summary>
    public int RemoteMaxRetries { get; set; } = 6;

    /// <summary>First backoff of those retries (doubling each time, with jitter), and the longest wait, Retry-After included.</summary>
    public TimeSpan RemoteRetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan RemoteMaxRetryDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest one provider call may take (a file upload included).</summary>
    public TimeSpan RemoteRequestTimeout { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>One hosted base model and where its fine-tuning API is.</summary>
public sealed class RemoteBaseOptions
{
    /// <summary><c>openai</c> (bearer key) or <c>azure</c> (<c>api-key</c> header, optional api-version).</summary>
    public string Provider { get; set; } = RemoteProviders.OpenAI;

    /// <summary>The API's base address, e.g. https://api.openai.com/v1/ or https://&lt;resource&gt;.openai.azure.com/openai/v1/.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The provider's name of the base model, e.g. gpt-4o-mini-2024-07-18.</summary>
    public string Model { get; set; } = "";

    /// <summary>The key itself; prefer <see cref="ApiKeyVariable"/> so that it stays out of configuration files.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The environment variable holding the key, e.g. OPENAI_API_KEY.</summary>
    public string? ApiKeyVariable { get; set; }

    /// <summary>Azure's api-version query parameter, when the endpoint wants one.</summary>
    public string? ApiVersion { get; set; }

    public string? ResolveApiKey() =>
        !string.IsNullOrWhiteSpace(ApiKey) ? ApiKey
        : !string.IsNullOrWhiteSpace(ApiKeyVariable) ? Environment.GetEnvironmentVariable(ApiKeyVariable) : null;
}

public static class RemoteProviders
{
    public const string OpenAI = "openai";
    public const string Azure = "azure";
}
