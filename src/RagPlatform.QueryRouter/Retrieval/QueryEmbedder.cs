using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Embedding.V1;

namespace RagPlatform.QueryRouter.Retrieval;

/// <summary>The question's vectors from one retrieval model, and the space its dense vector lives in.</summary>
public sealed record QueryVectors(float[] Dense, SparseVector? Sparse, string EmbeddingSpace);

/// <summary>Embeds the question once per retrieval model the routed sources use (usually one), dense and sparse together.</summary>
public sealed class QueryEmbedder(EmbeddingService.EmbeddingServiceClient embedding)
{
    /// <param name="known">Vectors already computed for some models (the answer cache embeds first); reused when they hold what is asked.</param>
    public async Task<Dictionary<string, QueryVectors>> EmbedAsync(string question, IEnumerable<string> models, bool dense, bool sparse,
        CancellationToken cancellationToken, IReadOnlyDictionary<string, QueryVectors>? known = null)
    {
        var calls = models.Distinct(StringComparer.Ordinal).Select(async model =>
        {
            if (Usable(known, model, dense, sparse) is { } ready)
                return (model, ready);
            return (model, ToVectors(await EmbedOneAsync(question, model, dense, sparse, cancellationToken)));
        });
        return (await Task.WhenAll(calls)).ToDictionary(r => r.model, r => r.Item2, StringComparer.Ordinal);
    }

    /// <summary>The known vectors of every model, when they already hold all that is asked; else null.</summary>
    public static Dictionary<string, QueryVectors>? AllKnown(IReadOnlyDictionary<string, QueryVectors>? known, IEnumerable<string> models,
        bool dense, bool sparse)
    {
        var all = new Dictionary<string, QueryVectors>(StringComparer.Ordinal);
        foreach (var model in models)
        {
            if (Usable(known, model, dense, sparse) is not { } ready) return null;
            all[model] = ready;
        }
        return all;
    }

    private static QueryVectors? Usable(IReadOnlyDictionary<string, QueryVectors>? known, string model, bool dense, bool sparse) =>
        known is not null && known.TryGetValue(model, out var ready) && (!dense || ready.Dense.Length > 0) && (!sparse || ready.Sparse is not null)
            ? ready
            : null;

    /// <summary>One model's embedding of the question, as the Embedding service answers it.</summary>
    public async Task<EmbedResponse> EmbedOneAsync(string question, string model, bool dense, bool sparse, CancellationToken cancellationToken) =>
        await embedding.EmbedAsync(new EmbedRequest
        {
            Texts = { question },
            InputType = InputType.Query,
            Model = model,
            Dense = dense,
            Sparse = sparse,
        }, cancellationToken: cancellationToken);

    public static QueryVectors ToVectors(EmbedResponse response)
    {
        var vectors = response.Embeddings[0];
        return new QueryVectors(vectors.Dense.ToArray(), vectors.Sparse, response.EmbeddingSpace);
    }
}
