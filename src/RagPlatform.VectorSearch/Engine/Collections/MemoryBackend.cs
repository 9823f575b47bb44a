using System.Collections.Concurrent;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.ServiceDefaults.Tenancy;

namespace RagPlatform.VectorSearch.Engine.Collections;

/// <summary>Collections in this process's memory, per tenant. Fast and simple; lost on restart.</summary>
public sealed class MemoryBackend : IVectorBackend
{
    private readonly ConcurrentDictionary<(string Tenant, string Name), MemoryCollection> collections = new();

    public string Name => "memory";

    private static (string, string) Key(string name) => (TenantContext.Require(), name);

    private MemoryCollection Find(string name) =>
        collections.TryGetValue(Key(name), out var collection)
            ? collection
            : throw new NotFoundException($"collection '{name}' does not exist");

    public ValueTask<CollectionInfo> CreateAsync(CollectionSpec spec, CancellationToken cancellationToken)
    {
        var collection = collections.GetOrAdd(Key(spec.Name), _ => new MemoryCollection(spec));
        if (!collection.Spec.SameConfiguration(spec))
            throw new AlreadyExistsException($"collection '{spec.Name}' exists with a different configuration");
        return ValueTask.FromResult(collection.Describe());
    }

    public ValueTask<CollectionInfo> GetAsync(string name, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Find(name).Describe());

    public ValueTask<IReadOnlyList<CollectionInfo>> ListAsync(CancellationToken cancellationToken)
    {
        var tenant = TenantContext.Require();
        IReadOnlyList<CollectionInfo> list = collections
            .Where(c => c.Key.Tenant == tenant)
            .OrderBy(c => c.Key.Name, StringComparer.Ordinal)
            .Select(c => c.Value.Describe())
            .ToList();
        return ValueTask.FromResult(list);
    }

    public ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken) =>
        ValueTask.FromResult(collections.TryRemove(Key(name), out _));

    public ValueTask<long> UpsertAsync(string name, IReadOnlyList<Point> points, CancellationToken cancellationToken)
    {
        var collection = Find(name);
        var distance = collection.Spec.Dense?.Distance ?? Distance.Unspecified;
        return ValueTask.FromResult(collection.Upsert(points.Select(p => StoredPoint.From(p, distance)).ToList()));
    }

    public ValueTask<long> DeletePointsAsync(string name, IReadOnlyList<string> ids, Filter? filter, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Find(name).Delete(ids, filter));

    public ValueTask<long> CountAsync(string name, Filter? filter, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Find(name).Count(filter));

    public ValueTask<SearchHits> SearchDenseAsync(string name, IReadOnlyList<float> query, Filter? filter,
        int limit, SearchParams? parameters, bool withVectors, CancellationToken cancellationToken)
    {
        var hits = Find(name).SearchDense(query, filter, limit, parameters, out bool exact);
        return ValueTask.FromResult(new SearchHits(ScoredResult.From(hits, withVectors), exact));
    }

    public ValueTask<IReadOnlyList<ScoredResult>> SearchSparseAsync(string name, SparseVector query, Filter? filter,
        int limit, bool withVectors, CancellationToken cancellationToken)
    {
        return ValueTask.FromResult(ScoredResult.From(Find(name).SearchSparse(query, filter, limit), withVectors));
    }

    public ValueTask<ScrollPage> ScrollAsync(string name, string pageToken, int limit, Filter? filter, bool withVectors,
        CancellationToken cancellationToken) =>
        ValueTask.FromResult(ScrollPage.ById(Find(name).Scroll(pageToken, limit, filter), limit, withVectors));
}
