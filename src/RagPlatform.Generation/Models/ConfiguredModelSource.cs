using Microsoft.Extensions.Options;

namespace RagPlatform.Generation.Models;

/// <summary>The chat models named under "Generation:Models", each validated at start-up.</summary>
public sealed class ConfiguredModelSource(IOptionsMonitor<ChatModelOptions> options, IReadOnlyList<string> names) : IModelSource
{
    public string Name => "configuration";

    public ValueTask<IReadOnlyList<ChatModel>> ListAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<ChatModel>>([.. names.Select(name => ChatModel.FromOptions(name, options.Get(name)))]);

    /// <summary>The settings of a configured model, or null when none has that name (a fine-tuned model's base).</summary>
    public ChatModelOptions? Find(string name) => names.Contains(name, StringComparer.Ordinal) ? options.Get(name) : null;
}
