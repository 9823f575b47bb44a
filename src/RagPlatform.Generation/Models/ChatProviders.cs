namespace RagPlatform.Generation.Models;

/// <summary>How a chat model is reached, as written in configuration and shown as a model's backend.</summary>
public static class ChatProviders
{
    public const string Extractive = "extractive";
    public const string OpenAI = "openai";
    public const string AzureOpenAI = "azure-openai";
    /// <summary>Any server that speaks OpenAI's /v1/chat/completions: Ollama, vLLM, llama.cpp's llama-server.</summary>
    public const string OpenAICompatible = "openai-compatible";
    /// <summary>A local GGUF file served by a llama-server child process this service starts on demand.</summary>
    public const string LocalGguf = "llama-server";

    public static readonly IReadOnlyList<string> Configurable = [OpenAI, AzureOpenAI, OpenAICompatible, LocalGguf];

    public static bool IsConfigurable(string provider) => Configurable.Contains(provider, StringComparer.Ordinal);
}
