namespace RagPlatform.Embedding.Encoders;

/// <summary>The result of encoding one text.</summary>
public readonly record struct DenseResult(float[] Vector, int TokenCount, bool Truncated);

/// <summary>A dense text encoder: a named model with a fixed dimension and embedding space.</summary>
public interface IDenseEncoder
{
    string Name { get; }
    /// <summary>Which index this model's vectors belong to; queries may only search the same space.</summary>
    string EmbeddingSpace { get; }
    int Dimension { get; }
    int MaxTokens { get; }
    string Backend { get; }

    /// <summary>
    /// The tokens a text makes for this model, counted as <see cref="Encode"/> counts them, so a text
    /// of at most <see cref="MaxTokens"/> is encoded whole. Encoders with a tokenizer of their own
    /// answer without encoding; by default the text is encoded.
    /// </summary>
    int CountTokens(string text) => Encode([text], isQuery: false)[0].TokenCount;

    /// <summary>Encodes a batch; one result per text, in order, L2-normalised.</summary>
    IReadOnlyList<DenseResult> Encode(IReadOnlyList<string> texts, bool isQuery);

    /// <summary>
    /// Encodes a batch without holding a thread while a remote model answers. In-process encoders
    /// compute synchronously anyway, so by default this is <see cref="Encode"/>.
    /// </summary>
    ValueTask<IReadOnlyList<DenseResult>> EncodeAsync(IReadOnlyList<string> texts, bool isQuery, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Encode(texts, isQuery));
}
