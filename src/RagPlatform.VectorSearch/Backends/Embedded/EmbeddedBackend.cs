using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.ServiceDefaults.Tenancy;
using RagPlatform.VectorSearch.Engine;
using RagPlatform.VectorSearch.Engine.Collections;
using RagPlatform.VectorSearch.Engine.Storage;
using RagPlatform.VectorSearch.Engine.Storage.Proto;

namespace RagPlatform.VectorSearch.Backends.Embedded;

/// <summary>
/// The single-machine default: durable collections under a data directory, one folder per tenant
/// and collection (its configuration, log segments and snapshots). Single-node by design: one
/// process owns a data directory; scale-out is the Qdrant backend's job.
/// </summary>
public sealed class EmbeddedBackend : IVectorBackend, IDisposable
{
    private const string SpecFile = "collection.pb";
    private readonly IStorage storage;
    private readonly string root;
    private readonly DurabilityOptions durability;
    private readonly ILogger<EmbeddedBackend> logger;
    private readonly ConcurrentDictionary<string, Lazy<ConcurrentDictionary<string, DurableCollection>>> tenants = new();
    private readonly Lock createGate = new();

    public EmbeddedBackend(IOptions<VectorSearchOptions> options, IHostEnvironment environment, ILogger<EmbeddedBackend> logger, IStorage? storage = null)
    {
        this.storage = storage ?? new DiskStorage();
        root = Path.GetFullPath(options.Value.DataDirectory, environment.ContentRootPath);
        durability = options.Value.Durability;
        this.logger = logger;
    }

    public string Name => "embedded";

    private ConcurrentDictionary<string, DurableCollection> Tenant()
    {
        var tenant = TenantContext.Require();
        return tenants.GetOrAdd(tenant, t => new(() => Load(t))).Value;
    }

    private string TenantDirectory(string tenant) => Path.Combine(root, tenant);

    /// <summary>Opens every collection a tenant has on disk, recovering each from its snapshot and log.</summary>
    private ConcurrentDictionary<string, DurableCollection> Load(string tenant)
    {
        var collections = new ConcurrentDictionary<string, DurableCollection>(StringComparer.Ordinal);
        foreach (var directory in storage.List(TenantDirectory(tenant), "*"))
        {
            var specPath = Path.Combine(directory, SpecFile);
            if (!storage.Exists(specPath)) continue; // a create that never finished
            var spec = ToSpec(StoredCollection.Parser.ParseFrom(storage.ReadAll(specPath)));
            collections[spec.Name] = DurableCollection.Open(storage, directory, spec, durability, logger);
        }
        return collections;
    }

    private DurableCollection Find(string name) =>
        Tenant().TryGetValue(name, out var collection) ? collection : throw new NotFoundException($"collection '{name}' does not exist");

    public ValueTask<CollectionInfo> CreateAsync(CollectionSpec spec, CancellationToken cancellationToken)
    {
        var collections = Tenant();
        lock (createGate)
        {
            if (collections.TryGetValue(spec.Name, out var existing))
            {
                if (!existing.State.Spec.SameConfiguration(spec))
                    throw new AlreadyExistsException($"collection '{spec.Name}' exists with a different configuration");
                return ValueTask.FromResult(existing.State.Describe());
            }
            var directory = Path.Combine(TenantDirectory(TenantContext.Require()), spec.Name);
            storage.CreateDirectory(directory);
            // The configuration is written last: a folder without it is an unfinished create, ignored on load.
            storage.WriteAtomically(Path.Combine(directory, SpecFile), ToStored(spec).ToByteArray());
            var collection = DurableCollection.Open(storage, directory, spec, durability, logger);
            collections[spec.Name] = collection;
            return ValueTask.FromResult(collection.State.Describe());
        }
    }

    public ValueTask<CollectionInfo> GetAsync(string name, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Find(name).State.Describe());

    public ValueTask<IReadOnlyList<CollectionInfo>> ListAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<CollectionInfo> list = Tenant().Values.Select(c => c.State.Describe())
            .OrderBy(c => c.Spec.Name, StringComparer.Ordinal).ToList();
        return ValueTask.FromResult(list);
    }

    public ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var collections = Tenant();
        lock (createGate)
        {
            if (!collections.TryRemove(name, out var collection)) return ValueTask.FromResult(false);
            collection.Dispose();
            var directory = Path.Combine(TenantDirectory(TenantContext.Require()), name);
            // The configuration goes first, so a crash mid-delete leaves a folder that loads as nothing.
            storage.Delete(Path.Combine(directory, SpecFile));
            storage.DeleteDirectory(directory);
            return ValueTask.FromResult(true);
        }
    }

    public async ValueTask<long> UpsertAsync(string name, IReadOnlyList<Point> points, CancellationToken cancellationToken) =>
        await Find(name).UpsertAsync(points, cancellationToken);

    public async ValueTask<long> DeletePointsAsync(string name, IReadOnlyList<string> ids, Filter? filter, CancellationToken cancellationToken) =>
        await Find(name).DeleteAsync(ids, filter, cancellationToken);

    public ValueTask<long> CountAsync(string name, Filter? filter, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Find(name).State.Count(filter));

    public ValueTask<SearchHits> SearchDenseAsync(string name, IReadOnlyList<float> query, Filter? filter,
        int limit, SearchParams? parameters, bool withVectors, CancellationToken cancellationToken)
    {
        var hits = Find(name).State.SearchDense(query, filter, limit, parameters, out bool exact);
        return ValueTask.FromResult(new SearchHits(ScoredResult.From(hits, withVectors), exact));
    }

    public ValueTask<ScrollPage> ScrollAsync(string name, string pageToken, int limit, Filter? filter, bool withVectors,
        CancellationToken cancellationToken) =>
        ValueTask.FromResult(ScrollPage.ById(Find(name).State.Scroll(pageToken, limit, filter), limit, withVectors));

    public ValueTask<IReadOnlyList<ScoredResult>> SearchSparseAsync(string name, SparseVector query, Filter? filter,
        int limit, bool withVectors, CancellationToken cancellationToken)
    {
        return ValueTask.FromResult(ScoredResult.From(Find(name).State.SearchSparse(query, filter, limit), withVectors));
    }

    private static StoredCollection ToStored(CollectionSpec spec)
    {
        var stored = new StoredCollection
        {
            Name = spec.Name, Dense = spec.Dense, Sparse = spec.Sparse, EmbeddingSpace = spec.EmbeddingSpace,
            CreatedAtUnixMs = spec.CreatedAt.ToUnixTimeMilliseconds(),
        };
        stored.PayloadIndexes.Add(spec.PayloadIndexes);
        return stored;
    }

    private static CollectionSpec ToSpec(StoredCollection stored) => new(
        stored.Name, stored.Dense, stored.Sparse, stored.EmbeddingSpace, stored.PayloadIndexes.ToList(),
        DateTimeOffset.FromUnixTimeMilliseconds(stored.CreatedAtUnixMs));

    public void Dispose()
    {
        foreach (var tenant in tenants.Values.Where(t => t.IsValueCreated))
            foreach (var collection in tenant.Value.Values)
                collection.Dispose();
    }
}
