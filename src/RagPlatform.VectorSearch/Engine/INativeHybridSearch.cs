using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.VectorSearch.Engine.Collections;

namespace RagPlatform.VectorSearch.Engine;

/// <summary>
/// A hybrid search for a backend to fuse itself: each list takes <paramref name="Candidates"/>
/// points (at least <paramref name="Limit"/>), and the best <paramref name="Limit"/> fused come back.
/// </summary>
public sealed record HybridQuery(
    IReadOnlyList<float> Dense,
    SparseVector Sparse,
    Filter? Filter,
    Contracts.Vectors.V1.Fusion? Fusion,
    int Candidates,
    int Limit,
    SearchParams? Parameters,
    bool WithVectors);

/// <summary>
/// Optional for a backend: dense and sparse lists fused in one round trip. A backend claims only
/// the fusions it computes exactly as <see cref="Fusion.ScoreFusion"/> does, so results never depend
/// on the backend; everything else the engine fuses above it. Per-list scores are not reported.
/// </summary>
public interface INativeHybridSearch
{
    bool FusesNatively(CollectionSpec spec, Contracts.Vectors.V1.Fusion? fusion);

    ValueTask<SearchHits> SearchHybridAsync(string name, HybridQuery query, CancellationToken cancellationToken);
}
