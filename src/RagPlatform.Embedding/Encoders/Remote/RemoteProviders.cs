namespace RagPlatform.Embedding.Encoders.Remote;

/// <summary>The remote providers a model can be configured with, as written in configuration.</summary>
public static class RemoteProviders
{
    public const string OpenAI = "openai";
    public const string AzureOpenAI = "azure-openai";
    /// <summary>Any server that speaks OpenAI's /v1/embeddings: Ollama, vLLM, llama.cpp's llama-server.</summary>
    public const string OpenAICompatible = "openai-compatible";

    public static readonly IReadOnlyList<string> All = [OpenAI, AzureOpenAI, OpenAICompatible];

    public static bool IsKnown(string provider) => All.Contains(provider, StringComparer.Ordinal);
}
