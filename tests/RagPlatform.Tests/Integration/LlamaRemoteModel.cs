using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Integration;

/// <summary>Embedding-service settings that serve a llama-server as the remote model <paramref name="name"/>.</summary>
internal static class LlamaRemoteModel
{
    public static Dictionary<string, string?> Settings(string name, LlamaServer server, int dimension,
        IReadOnlyDictionary<string, string>? overrides = null)
    {
        var prefix = $"Embedding:Remote:{name}:";
        var settings = new Dictionary<string, string?>
        {
            [prefix + "Provider"] = "openai-compatible",
            [prefix + "Endpoint"] = server.OpenAIEndpoint.ToString(),
            [prefix + "Model"] = "random-llama",
            [prefix + "Dimension"] = dimension.ToString(),
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
            settings[prefix + key] = value;
        return settings;
    }
}
