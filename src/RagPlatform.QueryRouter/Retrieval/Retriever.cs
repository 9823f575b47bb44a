using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.QueryRouter.Ingestion;
using RagPlatform.QueryRouter.Sources;

namespace RagPlatform.QueryRouter.Retrieval;

/// <summary>
/// Embeds the question once (dense and sparse together), searches every routed source with it,
/// and aggregates: sources' lists are merged by reciprocal rank (their scores do not compare),
/// identical passages are dropped, and the best top-k are kept.
/// </summary>
public sealed class Retriever(
    EmbeddingService.EmbeddingServiceClient embedding,
    VectorSearchService.VectorSearchServiceClient vectors,
    IOptions<QueryRouterOptions> options)
{
    private const int CrossSourceRrfK = 60;
    private const int MaxPerSource = 1000;

    /// <summary>The question's dense and sparse vectors, as the search of these retrieval options needs them.</summary>
    public Task<EmbedResponse> EmbedQueryAsync(string question, RetrievalOptions? retrieval, StageClock clock, CancellationToken cancellationToken)
    {
        var mode = retrieval?.Mode ?? SearchMode.Unspecified;
        return clock.TimeAsync("embed", () => embedding.EmbedAsync(new EmbedRequest
        {
            Texts = { question },
            InputType = InputType.Query,
            Model = retrieval?.RetrievalModel ?? "",
            Dense = mode != SearchMode.Sparse,
            Sparse = mode != SearchMode.Dense,
        }, cancellationToken: cancellationToken).ResponseAsync);
    }

    /// <param name="embedded">The question's vectors when the caller already has them (the answer cache computes them).</param>
    public async Task<List<RetrievedChunk>> RetrieveAsync(string question, IReadOnlyList<Collection> collections,
        RetrievalOptions? retrieval, StageClock clock, CancellationToken cancellationToken, EmbedResponse? embedded = null)
    {
        var settings = options.Value;
        var mode = retrieval?.Mode ?? SearchMode.Unspecified;
        bool dense = mode != SearchMode.Sparse, sparse = mode != SearchMode.Dense;
        int topK = retrieval is { TopK: > 0 } ? (int)retrieval.TopK : settings.TopK;

        var query = embedded ?? await EmbedQueryAsync(question, retrieval, clock, cancellationToken);
        var vectorsOfQuery = query.Embeddings[0];

        var perSource = await clock.TimeAsync("search", () => Task.WhenAll(collections.Select(async collection =>
        {
            var search = new SearchRequest
            {
                Collection = collection.Name,
                EmbeddingSpace = query.EmbeddingSpace,
                Filter = retrieval?.Filter,
                Limit = (uint)Math.Min(topK * 3, MaxPerSource),
                CandidateLimit = retrieval is { CandidateLimit: > 0 } ? retrieval.CandidateLimit : (uint)settings.CandidateLimit,
                Fusion = retrieval?.Fusion ?? new Fusion { Weighted = new WeightedBlend { DenseWeight = settings.DenseWeight } },
                WithPayload = true,
            };
            if (dense) search.Dense.Add(vectorsOfQuery.Dense);
            if (sparse && vectorsOfQuery.Sparse is { Indices.Count: > 0 }) search.Sparse = vectorsOfQuery.Sparse;
            if (search.Dense.Count == 0 && search.Sparse is null) return (collection, new List<ScoredPoint>());
            var response = await vectors.SearchAsync(search, cancellationToken: cancellationToken);
            return (collection, ChunkGenerations.LatestOnly(response.Points));
        })));

        return clock.Time("aggregate", () => Aggregate(perSource, topK));
    }

    private static List<RetrievedChunk> Aggregate(IEnumerable<(Collection Collection, List<ScoredPoint> Points)> perSource, int topK)
    {
        var lists = perSource.Where(p => p.Points.Count > 0).ToList();
        IEnumerable<RetrievedChunk> merged = lists.Count == 1
            ? lists[0].Points.Select(p => ToChunk(lists[0].Collection, p, p.Score))
            : lists
                .SelectMany(l => l.Points.Select((p, rank) => ToChunk(l.Collection, p, 1f / (CrossSourceRrfK + rank + 1))))
                .OrderByDescending(c => c.Score);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return merged
            .Where(c => seen.Add(NormalizedText(ChunkPayload.GetString(c.Payload, ChunkPayload.Text))))
            .Take(topK)
            .ToList();
    }

    private static RetrievedChunk ToChunk(Collection collection, ScoredPoint point, float score) =>
        new(SourceNames.SourceOf(collection.Name) ?? collection.Name, point.Id, point.Payload, score);

    private static string NormalizedText(string text) =>
        string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();
}
