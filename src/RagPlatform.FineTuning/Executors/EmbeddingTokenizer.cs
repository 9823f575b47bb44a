using Grpc.Core;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.FineTuning.Datasets;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.FineTuning.Executors;

/// <summary>
/// A retrieval base's tokenizer: the Embedding service's CountTokens, many texts per call. A batch the
/// service refuses (a text over its length limit) is counted text by text, so only that text fails.
/// </summary>
public sealed class EmbeddingTokenizer(EmbeddingService.EmbeddingServiceClient embedding, string baseModel, int maxTokens) : IBaseTokenizer
{
    private const int MaxTextsPerCall = 256;
    private const int MaxCharactersPerCall = 1 << 20;

    public string BaseModel => baseModel;
    public int MaxTokens => maxTokens;

    public async Task<TokenCount[]> CountAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var counts = new TokenCount[texts.Count];
        int first = 0;
        while (first < texts.Count)
        {
            int count = 0, characters = 0;
            while (first + count < texts.Count && count < MaxTextsPerCall
                   && (count == 0 || characters + texts[first + count].Length <= MaxCharactersPerCall))
                characters += texts[first + count++].Length;
            try
            {
                var batch = await CallAsync(texts.Skip(first).Take(count), cancellationToken);
                for (int i = 0; i < count; i++) counts[first + i] = new TokenCount((int)batch[i]);
            }
            catch (RpcException error) when (error.StatusCode == StatusCode.InvalidArgument)
            {
                for (int i = first; i < first + count; i++)
                    counts[i] = await CountOneAsync(texts[i], cancellationToken);
            }
            first += count;
        }
        return counts;
    }

    private async Task<TokenCount> CountOneAsync(string text, CancellationToken cancellationToken)
    {
        try { return new TokenCount((int)(await CallAsync([text], cancellationToken))[0]); }
        catch (RpcException error) when (error.StatusCode == StatusCode.InvalidArgument) { return new TokenCount(0, error.Status.Detail); }
    }

    private async Task<IList<uint>> CallAsync(IEnumerable<string> texts, CancellationToken cancellationToken)
    {
        var request = new CountTokensRequest { Model = baseModel };
        request.Texts.Add(texts);
        try
        {
            return (await embedding.CountTokensAsync(request, cancellationToken: cancellationToken)).TokenCounts;
        }
        catch (RpcException error) when (error.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw new UnavailableException($"the Embedding service, which counts the tokens of '{baseModel}', is not reachable", error);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
