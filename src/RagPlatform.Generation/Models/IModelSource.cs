namespace RagPlatform.Generation.Models;

/// <summary>
/// Where chat models come from: configuration today; the FineTuning service's registry of
/// fine-tuned models beside it. The catalog asks every source and serves the union.
/// </summary>
public interface IModelSource
{
    /// <summary>Shown in errors when the source cannot be read.</summary>
    string Name { get; }

    ValueTask<IReadOnlyList<ChatModel>> ListAsync(CancellationToken cancellationToken);
}
