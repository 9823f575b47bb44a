using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.VectorSearch.Engine.Collections;

namespace RagPlatform.VectorSearch.Engine;

/// <summary>One scored point from a single list (dense or sparse).</summary>
public sealed record ScoredResult(Point Point, float Score)
{
    /// <summary>The in-process backends' hits in the contract's form.</summary>
    public static IReadOnlyList<ScoredResult> From(List<(StoredPoint Point, float Score)> hits, bool withVectors) =>
        hits.Select(h => new ScoredResult(h.Point.ToPoint(withVectors), h.Score)).ToList();
}

/// <summary>A page of a scroll; an empty token means the last page.</summary>
public sealed record ScrollPage(IReadOnlyList<Point> Points, string NextPageToken)
{
    /// <summary>In-process backends page by id: the token is the last id of the page.</summary>
    public static ScrollPage ById(List<StoredPoint> page, int limit, bool withVectors) =>
        new(page.Select(p => p.ToPoint(withVectors)).ToList(), page.Count == limit ? page[^1].Id : "");
}

/// <summary>
/// A dense (or fused) result list, and whether every candidate was scored exactly: false when an
/// approximate index may have left some out.
/// </summary>
public sealed record SearchHits(IReadOnlyList<ScoredResult> Hits, bool Exact);

/// <summary>A collection's description and statistics.</summary>
public sealed record CollectionInfo(CollectionSpec Spec, long PointsCount, double AverageDocumentLength, long MemoryBytes);

/// <summary>
/// Where collections live. Every call is scoped to the tenant in <c>TenantContext</c>. Backends
/// return plain scored lists; fusion of dense and sparse happens above them, identically for all.
/// </summary>
public interface IVectorBackend
{
    string Name { get; }
    /// <summary>Creates the collection, or returns it when one with the same configuration exists.</summary>
    ValueTask<CollectionInfo> CreateAsync(CollectionSpec spec, CancellationToken cancellationToken);
    ValueTask<CollectionInfo> GetAsync(string name, CancellationToken cancellationToken);
    /// <summary>The configuration alone, for validating a request; remote backends skip the statistics.</summary>
    async ValueTask<CollectionSpec> GetSpecAsync(string name, CancellationToken cancellationToken) =>
        (await GetAsync(name, cancellationToken)).Spec;
    ValueTask<IReadOnlyList<CollectionInfo>> ListAsync(CancellationToken cancellationToken);
    ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken);
    /// <summary>Writes all points or none (they are validated before the first is applied).</summary>
    ValueTask<long> UpsertAsync(string name, IReadOnlyList<Point> points, CancellationToken cancellationToken);
    ValueTask<long> DeletePointsAsync(string name, IReadOnlyList<string> ids, Filter? filter, CancellationToken cancellationToken);
    ValueTask<long> CountAsync(string name, Filter? filter, CancellationToken cancellationToken);
    ValueTask<SearchHits> SearchDenseAsync(string name, IReadOnlyList<float> query, Filter? filter, int limit, SearchParams? parameters, bool withVectors, CancellationToken cancellationToken);
    /// <summary>One page of points with payloads (vectors on request), in the backend's stable order; empty token starts.</summary>
    ValueTask<ScrollPage> ScrollAsync(string name, string pageToken, int limit, Filter? filter, bool withVectors, CancellationToken cancellationToken);
    ValueTask<IReadOnlyList<ScoredResult>> SearchSparseAsync(string name, SparseVector query, Filter? filter, int limit, bool withVectors, CancellationToken cancellationToken);
}
