namespace RagPlatform.QueryRouter.Ingestion;

/// <summary>Counts tokens as the embedding model's own tokenizer does, for many texts at once.</summary>
public interface ITokenCounter
{
    /// <summary>Tokens the model reads from one text; a text counted at most this is embedded whole.</summary>
    int MaxTokens { get; }

    Task<int[]> CountAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken);
}
