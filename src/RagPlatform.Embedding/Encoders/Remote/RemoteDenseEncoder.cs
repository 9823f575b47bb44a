using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.Embedding.Encoders.Remote;

/// <summary>
/// A dense encoder served by a remote provider: batches split to the provider's limit, texts cut to
/// its input limit, vectors checked for the configured dimension and L2-normalised (not every
/// provider normalises), and provider failures turned into the platform's errors.
/// </summary>
public sealed class RemoteDenseEncoder(string name, RemoteModelOptions options, IEmbeddingGenerator<string, Embedding<float>> generator)
    : IDenseEncoder, IDisposable
{
    /// <summary>
    /// The provider's tokenizer is not known here; three characters a token errs on the short side
    /// for the BPE vocabularies of OpenAI-style models, so a cut text still fits.
    /// </summary>
    public const int CharactersPerToken = 3;

    public string Name => name;
    public string EmbeddingSpace => string.IsNullOrWhiteSpace(options.EmbeddingSpace) ? name : options.EmbeddingSpace;
    public int Dimension => options.Dimension;
    public int MaxTokens => options.MaxTokens;
    public string Backend => options.Provider;

    /// <summary>
    /// Counted as the cut counts: a text of at most MaxTokens times <see cref="CharactersPerToken"/>
    /// characters is sent whole.
    /// </summary>
    public int CountTokens(string text) => (text.Length + CharactersPerToken - 1) / CharactersPerToken;

    /// <summary>For synchronous callers only; the service awaits <see cref="EncodeAsync"/>.</summary>
    public IReadOnlyList<DenseResult> Encode(IReadOnlyList<string> texts, bool isQuery) =>
        EncodeAsync(texts, isQuery, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public async ValueTask<IReadOnlyList<DenseResult>> EncodeAsync(IReadOnlyList<string> texts, bool isQuery, CancellationToken cancellationToken)
    {
        var results = new DenseResult[texts.Count];
        int maxCharacters = (int)Math.Min(int.MaxValue, (long)options.MaxTokens * CharactersPerToken);
        for (int start = 0; start < texts.Count; start += options.MaxBatch)
        {
            int count = Math.Min(options.MaxBatch, texts.Count - start);
            var batch = new string[count];
            for (int i = 0; i < count; i++)
                batch[i] = Cut(texts[start + i], maxCharacters);

            GeneratedEmbeddings<Embedding<float>> generated;
            try
            {
                generated = await generator.GenerateAsync(batch, cancellationToken: cancellationToken);
            }
            catch (ProviderCallException error)
            {
                throw ProviderErrors.ToPlatformException(name, error);
            }
            if (generated.Count != count)
                throw new UnavailableException($"embedding model '{name}': its provider returned {generated.Count} vectors for {count} texts");

            var tokens = ShareTokens(batch, generated.Usage?.InputTokenCount);
            for (int i = 0; i < count; i++)
            {
                var vector = generated[i].Vector.ToArray();
                if (vector.Length != Dimension)
                    throw new FailedPreconditionException(
                        $"embedding model '{name}' returned {vector.Length}-d vectors; its configured Dimension is {Dimension}");
                float norm = TensorPrimitives.Norm(vector);
                if (norm > 0)
                    TensorPrimitives.Divide(vector, norm, vector);
                results[start + i] = new DenseResult(vector, tokens[i], batch[i].Length < texts[start + i].Length);
            }
        }
        return results;
    }

    private static string Cut(string text, int maxCharacters)
    {
        if (text.Length <= maxCharacters)
            return text;
        int end = char.IsHighSurrogate(text[maxCharacters - 1]) ? maxCharacters - 1 : maxCharacters; // never half a character
        return text[..end];
    }

    /// <summary>
    /// Tokens per text. Providers report one count per request, so it is shared out by length, in a
    /// way that adds up to exactly what the provider bills; without a count, estimated from length.
    /// </summary>
    private static int[] ShareTokens(string[] batch, long? reported)
    {
        var tokens = new int[batch.Length];
        if (reported is not > 0)
        {
            for (int i = 0; i < batch.Length; i++)
                tokens[i] = (batch[i].Length + CharactersPerToken - 1) / CharactersPerToken;
            return tokens;
        }
        double total = batch.Sum(text => text.Length + 1.0);
        double cumulative = 0;
        long given = 0;
        for (int i = 0; i < batch.Length; i++)
        {
            cumulative += batch[i].Length + 1;
            long upTo = (long)Math.Round(reported.Value * cumulative / total);
            tokens[i] = (int)(upTo - given);
            given = upTo;
        }
        return tokens;
    }

    public void Dispose() => generator.Dispose();
}
