using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Embedding.V1;

namespace RagPlatform.QueryRouter.Retrieval;

/// <summary>The question's vectors from one retrieval model, and the space its dense vector lives in.</summary>
public sealed record QueryVectors(float[] Dense, SparseVector? Sparse, string EmbeddingSpace);

/// <summary>Embeds the question once per retrieval model the routed sources use (usually one), dense and sparse together.</summary>
public sealed class QueryEmbedder(EmbeddingService.EmbeddingServiceClient embedding)
{
    public async Task<Dictionary<string, QueryVectors>> EmbedAsync(string question, IEnumerable<string> models, bool dense, bool sparse,
        CancellationToken cancellationToken)
    {
        var calls = models.Distinct(StringComparer.Ordinal).Select(async model =>
        {
            var response = await embedding.EmbedAsync(new EmbedRequest
            {
                Texts = { question },
                InputType = InputType.Query,
                Model = model,
                Dense = dense,
                Sparse = sparse,
            }, cancellationToken: cancellationToken);
            var vectors = response.Embeddings[0];
            return (model, new QueryVectors(vectors.Dense.ToArray(), vectors.Sparse, response.EmbeddingSpace));
        });
        return (await Task.WhenAll(calls)).ToDictionary(r => r.model, r => r.Item2, StringComparer.Ordinal);
    }
}
