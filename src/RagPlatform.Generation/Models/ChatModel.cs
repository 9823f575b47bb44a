using RagPlatform.Contracts.Common.V1;

namespace RagPlatform.Generation.Models;

/// <summary>
/// A chat model the service can answer with: what ListModels shows (<see cref="Info"/>) and how to
/// reach it (<see cref="Connection"/>; null for the extractive answerer, which needs none).
/// </summary>
public sealed record ChatModel(Model Info, ChatModelOptions? Connection)
{
    public string Name => Info.Name;
    public bool IsExtractive => Connection is null;

    /// <summary>A model from configuration: its listing says what serves it, never its key.</summary>
    public static ChatModel FromOptions(string name, ChatModelOptions options) => new(new Model
    {
        Name = name,
        Kind = ModelKind.Chat,
        Backend = options.Provider,
        Endpoint = options.Endpoint?.ToString() ?? "",
        Artifact = options.Provider == ChatProviders.LocalGguf ? options.ModelPath ?? "" : options.Model,
        MaxTokens = (uint)options.ContextTokens,
    }, options);
}
