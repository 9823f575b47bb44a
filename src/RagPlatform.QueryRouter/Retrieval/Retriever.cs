using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.QueryRouter.Ingestion;
using RagPlatform.QueryRouter.Routing;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.QueryRouter.Retrieval;

/// <summary>
/// Searches every routed source with the question's vectors of that source's model, hybrid by
/// default with the source's fusion and candidate depth (a request may override both), and
/// aggregates: sources' lists merge by reciprocal rank (their scores do not compare), near
/// duplicates are dropped, and the best top-k are kept.
/// </summary>
public sealed class Retriever(VectorSearchService.VectorSearchServiceClient vectors, IOptions<QueryRouterOptions> options)
{
    private const int MaxPerSource = 1000;

    public async Task<List<RetrievedChunk>> RetrieveAsync(RoutePlan plan, RetrievalOptions? retrieval, StageClock clock, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var mode = retrieval?.Mode ?? SearchMode.Unspecified;
        bool dense = mode != SearchMode.Sparse, sparse = mode != SearchMode.Dense;
        int topK = retrieval is { TopK: > 0 } ? (int)retrieval.TopK : settings.TopK;

        var perSource = await clock.TimeAsync("search", () => Task.WhenAll(plan.Targets.Select(async target =>
        {
            var query = plan.Queries[target.Model];
            var source = target.Source;
            if (dense && source.EmbeddingSpace.Length > 0 && query.EmbeddingSpace != source.EmbeddingSpace)
                throw new FailedPreconditionException(
                    $"retrieval model '{target.Model}' embeds into space '{query.EmbeddingSpace}' but source '{source.Name}' holds '{source.EmbeddingSpace}'; " +
                    "query with a model of that space, or ReindexSource it into the new one");
            var search = new SearchRequest
            {
                Collection = source.Collection,
                EmbeddingSpace = query.EmbeddingSpace,
                Filter = retrieval?.Filter,
                Limit = (uint)Math.Min(topK * 3, MaxPerSource),
                CandidateLimit = retrieval is { CandidateLimit: > 0 } ? retrieval.CandidateLimit
                    : source.CandidateLimit > 0 ? source.CandidateLimit : (uint)settings.CandidateLimit,
                Fusion = retrieval?.Fusion ?? source.Fusion ?? new Fusion { Weighted = new WeightedBlend { DenseWeight = settings.DenseWeight } },
                WithPayload = true,
            };
            if (dense && query.Dense.Length > 0) search.Dense.Add(query.Dense);
            if (sparse && query.Sparse is { Indices.Count: > 0 }) search.Sparse = query.Sparse;
            if (search.Dense.Count == 0 && search.Sparse is null) return (source.Name, new List<ScoredPoint>());
            var response = await vectors.SearchAsync(search, cancellationToken: cancellationToken);
            return (source.Name, ChunkGenerations.LatestOnly(response.Points));
        })));

        return clock.Time("aggregate", () => Aggregate(perSource, topK, settings));
    }

    private static List<RetrievedChunk> Aggregate(IEnumerable<(string Source, List<ScoredPoint> Points)> perSource, int topK, QueryRouterOptions settings)
    {
        var lists = perSource.Where(p => p.Points.Count > 0).ToList();
        IEnumerable<RetrievedChunk> merged = lists.Count == 1
            ? lists[0].Points.Select(p => new RetrievedChunk(lists[0].Source, p.Id, p.Payload, p.Score))
            : lists
                .SelectMany(l => l.Points.Select((p, rank) => new RetrievedChunk(l.Source, p.Id, p.Payload, 1f / (settings.CrossSourceRrfK + rank + 1))))
                .OrderByDescending(c => c.Score);
        return PassageDeduplicator.Distinct(merged, settings.NearDuplicateSimilarity).Take(topK).ToList();
    }
}
