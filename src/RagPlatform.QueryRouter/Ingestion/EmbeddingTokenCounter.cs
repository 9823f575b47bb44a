using RagPlatform.Contracts.Embedding.V1;

namespace RagPlatform.QueryRouter.Ingestion;

/// <summary>
/// Token counts from the Embedding service's CountTokens for the model that will embed the chunks,
/// sent in batches that stay well inside its request limits.
/// </summary>
public sealed class EmbeddingTokenCounter(EmbeddingService.EmbeddingServiceClient embedding, string model, int maxTokens) : ITokenCounter
{
    private const int MaxTextsPerCall = 256;
    private const int MaxCharactersPerCall = 1 << 20;

    public int MaxTokens => maxTokens;

    public async Task<int[]> CountAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var counts = new int[texts.Count];
        int first = 0;
        while (first < texts.Count)
        {
            var request = new CountTokensRequest { Model = model };
            int characters = 0;
            while (first + request.Texts.Count < texts.Count && request.Texts.Count < MaxTextsPerCall
                && (request.Texts.Count == 0 || characters + texts[first + request.Texts.Count].Length <= MaxCharactersPerCall))
            {
                characters += texts[first + request.Texts.Count].Length;
                request.Texts.Add(texts[first + request.Texts.Count]);
            }
            var response = await embedding.CountTokensAsync(request, cancellationToken: cancellationToken);
            for (int i = 0; i < response.TokenCounts.Count; i++) counts[first + i] = (int)response.TokenCounts[i];
            first += request.Texts.Count;
        }
        return counts;
    }
}
