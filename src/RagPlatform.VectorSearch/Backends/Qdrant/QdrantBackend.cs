using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.ServiceDefaults.Tenancy;
using RagPlatform.VectorSearch.Engine;
using RagPlatform.VectorSearch.Engine.Collections;

namespace RagPlatform.VectorSearch.Backends.Qdrant;

/// <summary>
/// Collections in Qdrant (1.17 or newer) over its REST API, one Qdrant collection per tenant and
/// name. Writes wait for Qdrant to apply them, so a caller reads its own writes.
/// </summary>
public sealed class QdrantBackend(QdrantRestClient rest, IOptions<QdrantBackendOptions> options) : IVectorBackend, INativeHybridSearch
{
    // The spec each collection had when last read. The engine reads it just before searching, and a
    // search needs the distance (Qdrant reports Euclidean distances, the platform similarities).
    private readonly ConcurrentDictionary<string, CollectionSpec> lastSeenSpecs = new(StringComparer.Ordinal);

    public string Name => "qdrant";

    public async ValueTask<CollectionInfo> CreateAsync(CollectionSpec spec, CancellationToken cancellationToken)
    {
        var tenant = TenantContext.Require();
        var collection = QdrantCollectionNames.For(tenant, spec.Name);
        using (var activity = QdrantTelemetry.Start("create_collection", collection))
        {
            try
            {
                await Send(HttpMethod.Put, CollectionPath(collection), QdrantCollectionConfig.CreateBody(spec, tenant), spec.Name, "name", activity, cancellationToken);
            }
            catch (AlreadyExistsException)
            {
                // Replicas race to create the same collection at start-up: the same configuration is success.
                activity?.SetStatus(ActivityStatusCode.Unset);
                CollectionSpec existing;
                try { existing = await ReadSpecAsync(collection, spec.Name, activity, cancellationToken); }
                catch (FailedPreconditionException) { throw new AlreadyExistsException($"collection '{spec.Name}' exists in Qdrant, made by something other than this service"); }
                if (!existing.SameConfiguration(spec))
                    throw new AlreadyExistsException($"collection '{spec.Name}' exists with a different configuration");
            }
            // Also after a lost race: the winner may not have got this far. Creating an index is idempotent.
            foreach (var index in spec.PayloadIndexes)
            {
                var body = new JsonObject { ["field_name"] = index.Field, ["field_schema"] = QdrantCollectionConfig.IndexSchema(index.Type) };
                await Send(HttpMethod.Put, CollectionPath(collection, "/index?wait=true"), body, spec.Name, "payload_indexes", activity, cancellationToken);
            }
            await Send(HttpMethod.Put, CollectionPath(collection, "/index?wait=true"), QdrantDocumentLengths.IndexBody(), spec.Name, "payload_indexes", activity, cancellationToken);
        }
        return await GetAsync(spec.Name, cancellationToken);
    }

    public async ValueTask<CollectionSpec> GetSpecAsync(string name, CancellationToken cancellationToken)
    {
        var collection = QdrantName(name);
        using var activity = QdrantTelemetry.Start("get_collection", collection);
        return await ReadSpecAsync(collection, name, activity, cancellationToken);
    }

    public async ValueTask<CollectionInfo> GetAsync(string name, CancellationToken cancellationToken) =>
        await DescribeAsync(QdrantName(name), name, cancellationToken);

    public async ValueTask<IReadOnlyList<CollectionInfo>> ListAsync(CancellationToken cancellationToken)
    {
        var tenant = TenantContext.Require();
        List<string> names;
        using (var activity = QdrantTelemetry.Start("list_collections", null))
        {
            var result = await Send(HttpMethod.Get, "collections", null, "", "collections", activity, cancellationToken);
            names = (result?["collections"] as JsonArray ?? [])
                .Select(c => QdrantCollectionNames.NameOf(tenant, c!["name"]!.GetValue<string>()))
                .OfType<string>()
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        var infos = new CollectionInfo?[names.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, names.Count),
            new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                // One deleted meanwhile, or one this platform did not create, is not listed.
                try { infos[i] = await DescribeAsync(QdrantCollectionNames.For(tenant, names[i]), names[i], token); }
                catch (NotFoundException) { }
                catch (FailedPreconditionException) { }
            });
        return infos.OfType<CollectionInfo>().ToList();
    }

    public async ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var collection = QdrantName(name);
        using var activity = QdrantTelemetry.Start("delete_collection", collection);
        lastSeenSpecs.TryRemove(collection, out _);
        try
        {
            var result = await Send(HttpMethod.Delete, CollectionPath(collection), null, name, "name", activity, cancellationToken);
            return result?.GetValue<bool>() ?? false;
        }
        catch (NotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Points go in batches below Qdrant's request size limit, all serialised (and so checked)
    /// before the first is sent. A failure part-way leaves the earlier batches written; upserts
    /// are idempotent, so the caller retries the whole call.
    /// </summary>
    public async ValueTask<long> UpsertAsync(string name, IReadOnlyList<Point> points, CancellationToken cancellationToken)
    {
        var collection = QdrantName(name);
        var bodies = QdrantPointBatches.Build(points, options.Value.MaxRequestBytes);
        using var activity = QdrantTelemetry.Start("upsert", collection);
        activity?.SetTag("db.operation.batch.size", points.Count);
        foreach (var body in bodies)
        {
            var result = await SendBytes(HttpMethod.Put, CollectionPath(collection, "/points?wait=true"), body, name, "points", activity, cancellationToken);
            RequireApplied(result);
        }
        return points.Count;
    }

    /// <summary>
    /// Qdrant does not say how many points a delete removed, so they are counted under the same
    /// selection first; a concurrent writer can make that count differ from what was removed.
    /// </summary>
    public async ValueTask<long> DeletePointsAsync(string name, IReadOnlyList<string> ids, Filter? filter, CancellationToken cancellationToken)
    {
        if (filter is null && ids.Count == 0)
            return 0;
        var collection = QdrantName(name);
        using var activity = QdrantTelemetry.Start("delete_points", collection);
        var uuids = ids.Distinct().Select(id => (JsonNode)QdrantPointIds.ToUuid(id)).ToArray();
        var selection = filter is null
            ? new JsonObject { ["must"] = new JsonArray(new JsonObject { ["has_id"] = new JsonArray(uuids) }) }
            : QdrantFilters.Translate(filter)!;
        long count = await CountAsync(collection, name, selection.DeepClone().AsObject(), activity, cancellationToken);
        if (count == 0)
            return 0;
        var selector = filter is null
            ? new JsonObject { ["points"] = new JsonArray(uuids.Select(u => u.DeepClone()).ToArray()) }
            : new JsonObject { ["filter"] = selection };
        RequireApplied(await Send(HttpMethod.Post, CollectionPath(collection, "/points/delete?wait=true"), selector, name, "filter", activity, cancellationToken));
        return count;
    }

    public async ValueTask<long> CountAsync(string name, Filter? filter, CancellationToken cancellationToken)
    {
        var collection = QdrantName(name);
        using var activity = QdrantTelemetry.Start("count", collection);
        return await CountAsync(collection, name, QdrantFilters.Translate(filter), activity, cancellationToken);
    }

    public async ValueTask<SearchHits> SearchDenseAsync(string name, IReadOnlyList<float> query, Filter? filter,
        int limit, SearchParams? parameters, bool withVectors, CancellationToken cancellationToken)
    {
        var collection = QdrantName(name);
        var spec = await SpecForSearchAsync(collection, name, cancellationToken);
        using var activity = QdrantTelemetry.Start("query", collection);
        var result = await Send(HttpMethod.Post, CollectionPath(collection, "/points/query"),
            QdrantQueries.Dense(query, filter, limit, parameters, withVectors), name, "dense", activity, cancellationToken);
        // Qdrant does not say whether its graph was used, so only a forced full scan is reported exact.
        return new SearchHits(QdrantScoredPoints.Read(result, withVectors, spec.Dense?.Distance == Distance.Euclid ? -1f : 1f), parameters?.Exact == true);
    }

    public async ValueTask<IReadOnlyList<ScoredResult>> SearchSparseAsync(string name, SparseVector query, Filter? filter,
        int limit, bool withVectors, CancellationToken cancellationToken)
    {
        var collection = QdrantName(name);
        using var activity = QdrantTelemetry.Start("query", collection);
        var result = await Send(HttpMethod.Post, CollectionPath(collection, "/points/query"),
            QdrantQueries.Sparse(query, filter, limit, withVectors), name, "sparse", activity, cancellationToken);
        return QdrantScoredPoints.Read(result, withVectors);
    }

    /// <summary>Qdrant's scroll, in its own id order; the page token is Qdrant's next_page_offset.</summary>
    public async ValueTask<ScrollPage> ScrollAsync(string name, string pageToken, int limit, Filter? filter, bool withVectors,
        CancellationToken cancellationToken)
    {
        var collection = QdrantName(name);
        using var activity = QdrantTelemetry.Start("scroll", collection);
        var body = new JsonObject { ["limit"] = limit, ["with_payload"] = true, ["with_vector"] = withVectors };
        if (pageToken.Length > 0) body["offset"] = pageToken;
        if (QdrantFilters.Translate(filter) is { } translated) body["filter"] = translated;
        var result = await Send(HttpMethod.Post, CollectionPath(collection, "/points/scroll"), body, name, "filter", activity, cancellationToken);
        var points = (result?["points"] as JsonArray ?? []).Select(p => QdrantScoredPoints.ReadPoint(p!.AsObject(), withVectors)).ToList();
        return new ScrollPage(points, result?["next_page_offset"] is JsonValue next ? next.ToString() : "");
    }

    public bool FusesNatively(CollectionSpec spec, Contracts.Vectors.V1.Fusion? fusion) =>
        spec.Dense is not null && spec.Sparse is not null && QdrantFusion.IsNative(fusion);

    public async ValueTask<SearchHits> SearchHybridAsync(string name, HybridQuery query, CancellationToken cancellationToken)
    {
        var collection = QdrantName(name);
        using var activity = QdrantTelemetry.Start("query", collection);
        var result = await Send(HttpMethod.Post, CollectionPath(collection, "/points/query"),
            QdrantQueries.Hybrid(query), name, "fusion", activity, cancellationToken);
        return new SearchHits(QdrantScoredPoints.Read(result, query.WithVectors, QdrantFusion.ScoreFactor(query.Fusion)), query.Parameters?.Exact == true);
    }

    private static string QdrantName(string name) => QdrantCollectionNames.For(TenantContext.Require(), name);

    private static string CollectionPath(string collection, string rest = "") => $"collections/{Uri.EscapeDataString(collection)}{rest}";

    private async Task<CollectionInfo> DescribeAsync(string collection, string name, CancellationToken cancellationToken)
    {
        using var activity = QdrantTelemetry.Start("get_collection", collection);
        var info = Send(HttpMethod.Get, CollectionPath(collection), null, name, "name", activity, cancellationToken);
        var facet = Send(HttpMethod.Post, CollectionPath(collection, "/facet"), QdrantDocumentLengths.FacetBody(), name, "name", activity, cancellationToken);
        await Task.WhenAll(info, facet);
        var spec = Remember(collection, await info);
        var lengths = QdrantDocumentLengths.Read(await facet);
        long points = lengths.Complete ? lengths.Points : (await info)?["points_count"]?.GetValue<long>() ?? lengths.Points;
        // Qdrant's REST API reports no memory figure: this estimates the dense vectors alone.
        long memory = points * (spec.Dense?.Dimension ?? 0) * sizeof(float);
        return new CollectionInfo(spec, points, lengths.Average, memory);
    }

    private async Task<CollectionSpec> ReadSpecAsync(string collection, string name, Activity? activity, CancellationToken cancellationToken) =>
        Remember(collection, await Send(HttpMethod.Get, CollectionPath(collection), null, name, "name", activity, cancellationToken));

    private CollectionSpec Remember(string collection, JsonNode? info)
    {
        var spec = QdrantCollectionConfig.ReadSpec(info)
            ?? throw new FailedPreconditionException($"Qdrant collection '{collection}' holds no RagPlatform configuration; it was not created through this service");
        lastSeenSpecs[collection] = spec;
        return spec;
    }

    private async ValueTask<CollectionSpec> SpecForSearchAsync(string collection, string name, CancellationToken cancellationToken) =>
        lastSeenSpecs.TryGetValue(collection, out var spec) ? spec : await ReadSpecAsync(collection, name, null, cancellationToken);

    private async Task<long> CountAsync(string collection, string name, JsonObject? filter, Activity? activity, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["exact"] = true };
        if (filter is not null) body["filter"] = filter;
        var result = await Send(HttpMethod.Post, CollectionPath(collection, "/points/count"), body, name, "filter", activity, cancellationToken);
        return result?["count"]?.GetValue<long>() ?? 0;
    }

    /// <summary>With wait=true Qdrant answers "completed", or "wait_timeout" when it could not apply the write in time.</summary>
    private static void RequireApplied(JsonNode? updateResult)
    {
        var status = updateResult?["status"]?.GetValue<string>();
        if (status != "completed")
            throw new UnavailableException($"The vector store (Qdrant) did not confirm the write (status '{status ?? "none"}'); retry the call.");
    }

    private Task<JsonNode?> Send(HttpMethod method, string path, JsonNode? body, string name, string field, Activity? activity, CancellationToken cancellationToken) =>
        Traced(rest.SendAsync(method, path, body, new QdrantCallContext(name, field), cancellationToken), activity);

    private Task<JsonNode?> SendBytes(HttpMethod method, string path, byte[] body, string name, string field, Activity? activity, CancellationToken cancellationToken) =>
        Traced(rest.SendAsync(method, path, body, new QdrantCallContext(name, field), cancellationToken), activity);

    private static async Task<JsonNode?> Traced(Task<JsonNode?> call, Activity? activity)
    {
        try { return await call; }
        catch (Exception error)
        {
            activity?.SetStatus(ActivityStatusCode.Error, error.Message);
            throw;
        }
    }
}
