using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Integration;

/// <summary>Generation-service settings that serve a llama-server as the chat model <paramref name="name"/>.</summary>
internal static class LlamaChatModel
{
    public static Dictionary<string, string?> Settings(string name, LlamaServer server, IReadOnlyDictionary<string, string>? overrides = null) =>
        Settings(new Dictionary<string, string>
        {
            ["Provider"] = "openai-compatible",
            ["Endpoint"] = server.OpenAIEndpoint.ToString(),
            ["Model"] = "random-llama",
        }, name, overrides);

    /// <summary>The build's GGUF served as <paramref name="name"/> by a llama-server that Generation starts itself.</summary>
    public static Dictionary<string, string?> Local(string name, string serverArguments)
    {
        var build = LlamaBuild.Locate();
        var settings = Settings(new Dictionary<string, string>
        {
            ["Provider"] = "llama-server",
            ["ModelPath"] = build.ModelPath,
            ["ServerArguments"] = serverArguments,
        }, name);
        settings["Generation:LlamaServerPath"] = build.Tool("llama-server");
        return settings;
    }

    public static Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string> connection, string name,
        IReadOnlyDictionary<string, string>? overrides = null)
    {
        var prefix = $"Generation:Models:{name}:";
        var settings = new Dictionary<string, string?>
        {
            [prefix + "ContextTokens"] = LlamaChatServerFixture.ContextTokens.ToString(),
            [prefix + "MaxOutputTokens"] = "24",
            // The random model's tokenizer gives about five characters a token; three errs on the safe side.
            [prefix + "CharactersPerToken"] = "3",
            [prefix + "Timeout"] = "00:00:30", // generous: a busy machine must not turn slowness into failure
            [prefix + "MaxRetries"] = "1",
            [prefix + "RetryBaseDelay"] = "00:00:00.100",
        };
        foreach (var (key, value) in connection.Concat(overrides ?? new Dictionary<string, string>()))
            settings[prefix + key] = value;
        return settings;
    }

    public static Dictionary<string, string?> Merge(params Dictionary<string, string?>[] parts) =>
        parts.SelectMany(p => p).ToDictionary(p => p.Key, p => p.Value);
}
