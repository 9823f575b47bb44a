using System.Diagnostics;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.VectorSearch.Engine.Collections;
using RagPlatform.VectorSearch.Engine.Filtering;
using RagPlatform.VectorSearch.Engine.Fusion;

namespace RagPlatform.VectorSearch.Engine;

/// <summary>
/// The service's core above the backend: checks points and queries against the collection's
/// configuration, runs dense and sparse searches, and fuses them for hybrid search.
/// </summary>
public sealed class VectorSearchEngine(IVectorBackend backend, IOptions<VectorSearchOptions> options)
{
    public string BackendName => backend.Name;

    public async Task<long> UpsertAsync(string collection, IReadOnlyList<Point> points, CancellationToken cancellationToken)
    {
        Require.Count(points.Count, 1, options.Value.MaxPointsPerUpsert, "points");
        var spec = await backend.GetSpecAsync(collection, cancellationToken);
        for (int i = 0; i < points.Count; i++)
            PointValidator.Validate(points[i], spec, $"points[{i}]");
        using var activity = VectorSearchTelemetry.Source.StartActivity("index upsert");
        activity?.SetTag("ragplatform.vectors.collection", collection);
        activity?.SetTag("ragplatform.vectors.points", points.Count);
        var written = await backend.UpsertAsync(collection, points, cancellationToken);
        VectorSearchTelemetry.PointsUpserted.Add(written);
        return written;
    }

    public async Task<SearchResponse> SearchAsync(SearchRequest request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var spec = await backend.GetSpecAsync(request.Collection, cancellationToken);
        bool dense = request.Dense.Count > 0, sparse = request.Sparse is { Indices.Count: > 0 };
        Require.That(dense || sparse, "dense", "a search needs a dense or a sparse query vector (or both, for hybrid)");
        if (dense)
        {
            Require.That(spec.Dense is not null, "dense", $"collection '{spec.Name}' has no dense vector");
            Require.That(request.Dense.Count == spec.Dense!.Dimension, "dense",
                $"has {request.Dense.Count} dimensions; collection '{spec.Name}' has {spec.Dense.Dimension}");
            Require.That(request.Dense.All(float.IsFinite), "dense", "holds a NaN or infinite value");
            if (request.EmbeddingSpace.Length > 0 && spec.EmbeddingSpace.Length > 0 && request.EmbeddingSpace != spec.EmbeddingSpace)
                throw new FailedPreconditionException(
                    $"the query comes from embedding space '{request.EmbeddingSpace}' but collection '{spec.Name}' holds '{spec.EmbeddingSpace}'; re-embed the collection or query with a model of its space");
        }
        if (sparse)
        {
            Require.That(spec.Sparse is not null, "sparse", $"collection '{spec.Name}' has no sparse vector");
            PointValidator.ValidateSparse(request.Sparse!, "sparse");
        }
        FilterValidator.Validate(request.Filter, "filter");
        int limit = request.Limit == 0 ? 10 : (int)request.Limit;
        int window = limit + (int)request.Offset;
        Require.That(window <= options.Value.MaxResults, "limit", $"limit + offset is {window}; the most is {options.Value.MaxResults}");

        using var activity = VectorSearchTelemetry.Source.StartActivity("index search");
        activity?.SetTag("ragplatform.vectors.collection", spec.Name);
        activity?.SetTag("ragplatform.vectors.mode", dense && sparse ? "hybrid" : dense ? "dense" : "sparse");

        IReadOnlyList<(Point Point, float Score, float? Dense, float? Sparse)> ranked;
        bool exact = true; // sparse scoring is always exhaustive; only a dense list may be approximate
        int candidates = request.CandidateLimit > 0 ? Math.Max((int)request.CandidateLimit, window) : Math.Max(100, window);
        if (dense && sparse && backend is INativeHybridSearch native && native.FusesNatively(spec, request.Fusion))
        {
            // One round trip; the backend computes exactly what ScoreFusion would, without per-list scores.
            var fused = await native.SearchHybridAsync(spec.Name, new HybridQuery(request.Dense, request.Sparse!, request.Filter,
                request.Fusion, candidates, window, request.Params, request.WithVectors), cancellationToken);
            exact = fused.Exact;
            ranked = fused.Hits.Select(h => (h.Point, h.Score, (float?)null, (float?)null)).ToList();
        }
        else if (dense && sparse)
        {
            var denseTask = backend.SearchDenseAsync(spec.Name, request.Dense, request.Filter, candidates, request.Params, request.WithVectors, cancellationToken);
            var sparseHits = await backend.SearchSparseAsync(spec.Name, request.Sparse!, request.Filter, candidates, request.WithVectors, cancellationToken);
            var (denseHits, denseExact) = await denseTask;
            exact = denseExact;
            var points = denseHits.Concat(sparseHits).GroupBy(h => h.Point.Id).ToDictionary(g => g.Key, g => g.First().Point);
            ranked = ScoreFusion.Fuse(
                    denseHits.Select(h => (h.Point.Id, h.Score)).ToList(),
                    sparseHits.Select(h => (h.Point.Id, h.Score)).ToList(),
                    request.Fusion)
                .Select(f => (points[f.Key], f.Score, f.DenseScore, f.SparseScore))
                .ToList();
        }
        else
        {
            IReadOnlyList<ScoredResult> hits;
            if (dense)
                (hits, exact) = await backend.SearchDenseAsync(spec.Name, request.Dense, request.Filter, window, request.Params, request.WithVectors, cancellationToken);
            else
                hits = await backend.SearchSparseAsync(spec.Name, request.Sparse!, request.Filter, window, request.WithVectors, cancellationToken);
            ranked = hits.Select(h => (h.Point, h.Score, dense ? h.Score : (float?)null, dense ? null : (float?)h.Score)).ToList();
        }

        var response = new SearchResponse { Exact = exact };
        foreach (var (point, score, denseScore, sparseScore) in ranked.Skip((int)request.Offset).Take(limit))
        {
            if (request.HasScoreThreshold && score < request.ScoreThreshold)
                break;
            var scored = new ScoredPoint { Id = point.Id, Score = score };
            if (request.WithPayload) scored.Payload = point.Payload;
            if (request.WithVectors)
            {
                scored.Dense.Add(point.Dense);
                scored.Sparse = point.Sparse;
            }
            if (denseScore is { } d) scored.DenseScore = d;
            if (sparseScore is { } s) scored.SparseScore = s;
            response.Points.Add(scored);
        }
        activity?.SetTag("ragplatform.vectors.results", response.Points.Count);
        VectorSearchTelemetry.SearchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        return response;
    }
}
