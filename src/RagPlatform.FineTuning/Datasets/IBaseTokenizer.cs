namespace RagPlatform.FineTuning.Datasets;

/// <summary>A base model's own tokenizer, as dataset validation uses it: counts texts in batches against the model's limit.</summary>
public interface IBaseTokenizer : IAsyncDisposable
{
    /// <summary>The base model whose tokenizer this is.</summary>
    string BaseModel { get; }

    /// <summary>Tokens the model reads from one text (an encoder's input length, a chat model's context).</summary>
    int MaxTokens { get; }

    /// <summary>
    /// One count per text, same order. A text the tokenizer refuses (e.g. too long to send) gets an
    /// error of its own rather than failing the rest; an unreachable tokenizer throws UnavailableException.
    /// </summary>
    Task<TokenCount[]> CountAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken);
}

/// <summary>A text's token count, or why it could not be counted.</summary>
public readonly record struct TokenCount(int Tokens, string? Error = null);
