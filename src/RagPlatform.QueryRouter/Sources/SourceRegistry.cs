using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.ServiceDefaults.Tenancy;

namespace RagPlatform.QueryRouter.Sources;

/// <summary>
/// The tenant's sources: their definitions in the <see cref="ISourceStore"/>, their chunks in a
/// VectorSearch collection each, created in the embedding space of the source's retrieval model.
/// </summary>
public sealed class SourceRegistry(
    ISourceStore store,
    EmbeddingService.EmbeddingServiceClient embedding,
    VectorSearchService.VectorSearchServiceClient vectors,
    CorpusVersions versions)
{
    private readonly ConcurrentDictionary<string, Model> models = new(StringComparer.Ordinal);

    /// <summary>A retrieval model's description ("" is the default model); unknown → INVALID_ARGUMENT on <paramref name="field"/>.</summary>
    public async Task<Model> ModelAsync(string name, string field, CancellationToken cancellationToken)
    {
        if (models.TryGetValue(name, out var known)) return known;
        try
        {
            var model = await embedding.GetModelInfoAsync(new GetModelInfoRequest { Model = name }, cancellationToken: cancellationToken);
            return models[name] = model;
        }
        catch (RpcException error) when (error.StatusCode is StatusCode.NotFound or StatusCode.InvalidArgument)
        {
            throw new InvalidArgumentException(field, $"unknown retrieval model '{name}': {error.Status.Detail}");
        }
    }

    public async Task<Source> CreateAsync(CreateSourceRequest request, CancellationToken cancellationToken)
    {
        SourceValidator.Validate(request.Source, "source");
        Require.MaxLength(request.IdempotencyKey, SourceValidator.MaxIdempotencyKeyLength, "idempotency_key");
        var tenant = TenantContext.Require();
        if (await ReplayAsync(tenant, request.IdempotencyKey, cancellationToken) is { } replayed)
            return replayed;
        var wanted = request.Source;
        if (await store.GetAsync(tenant, wanted.Name, cancellationToken) is not null)
            return await ReplayAsync(tenant, request.IdempotencyKey, cancellationToken) // a racing create with this key finished first
                ?? throw new AlreadyExistsException($"source '{wanted.Name}' already exists");

        var model = await ModelAsync(wanted.RetrievalModel, "source.retrieval_model", cancellationToken);
        var source = new Source
        {
            Name = wanted.Name,
            Description = wanted.Description,
            Volatility = wanted.Volatility == Volatility.Unspecified ? Volatility.Daily : wanted.Volatility,
            AccessTags = { wanted.AccessTags.Distinct() },
            Fusion = wanted.Fusion,
            CandidateLimit = wanted.CandidateLimit,
            CreatedAt = Timestamp.FromDateTime(DateTime.UtcNow),
        };
        await CreateCollectionAsync(source, SourceNames.Collection(source.Name), model, cancellationToken);
        if (!await store.TryAddAsync(tenant, source, request.IdempotencyKey, cancellationToken))
        {
            // A racing create won: with the same key it made what was asked, else the name is taken.
            return await ReplayAsync(tenant, request.IdempotencyKey, cancellationToken)
                ?? throw new AlreadyExistsException($"source '{wanted.Name}' already exists");
        }
        return await DescribeAsync(source, cancellationToken);
    }

    /// <summary>A source the caller may see, with its counts; NOT_FOUND otherwise (hidden sources are not revealed).</summary>
    public async Task<Source> GetAsync(string name, IReadOnlyCollection<string> callerTags, string field, CancellationToken cancellationToken) =>
        await DescribeAsync(await FindVisibleAsync(name, callerTags, field, cancellationToken), cancellationToken);

    public async Task<Source> FindVisibleAsync(string name, IReadOnlyCollection<string> callerTags, string field, CancellationToken cancellationToken)
    {
        SourceNames.Validate(name, field);
        var source = await store.GetAsync(TenantContext.Require(), name, cancellationToken);
        return source is not null && SourceAccess.CanSee(source, callerTags)
            ? source
            : throw new NotFoundException($"source '{name}' does not exist");
    }

    /// <summary>The stored definition, whoever asks (for ingestion and deletes by document).</summary>
    public Task<Source?> FindOrNullAsync(string name, CancellationToken cancellationToken) =>
        store.GetAsync(TenantContext.Require(), name, cancellationToken);

    /// <summary>The stored definition, read from the store itself (never a remembered copy).</summary>
    public Task<Source?> FindLatestOrNullAsync(string name, CancellationToken cancellationToken) =>
        store.GetLatestAsync(TenantContext.Require(), name, cancellationToken);

    /// <summary>Every source the caller may see, by name.</summary>
    public async Task<List<Source>> VisibleAsync(IReadOnlyCollection<string> callerTags, CancellationToken cancellationToken) =>
        (await store.ListAsync(TenantContext.Require(), cancellationToken)).Where(s => SourceAccess.CanSee(s, callerTags)).ToList();

    public async Task<ListSourcesResponse> ListAsync(ListSourcesRequest request, CancellationToken cancellationToken)
    {
        Require.That(request.PageSize <= 1000, "page_size", "must be at most 1000");
        SourceValidator.ValidateTags(request.AccessTags, "access_tags");
        int pageSize = request.PageSize == 0 ? 100 : (int)request.PageSize;
        var page = (await VisibleAsync(request.AccessTags, cancellationToken))
            .Where(s => string.CompareOrdinal(s.Name, request.PageToken) > 0)
            .Take(pageSize + 1)
            .ToList();
        var response = new ListSourcesResponse();
        foreach (var source in page.Take(pageSize))
            response.Sources.Add(await DescribeAsync(source, cancellationToken));
        if (page.Count > pageSize) response.NextPageToken = page[pageSize - 1].Name;
        return response;
    }

    /// <summary>Removes the source, then its collection; cached answers over it go stale.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        SourceNames.Validate(name, "name");
        var tenant = TenantContext.Require();
        var source = await store.GetAsync(tenant, name, cancellationToken);
        if (source is null || !await store.DeleteAsync(tenant, name, cancellationToken))
            return false;
        await DropCollectionAsync(source.Collection, cancellationToken);
        if (source.SwitchingFrom.Length > 0) await DropCollectionAsync(source.SwitchingFrom, cancellationToken);
        await versions.BumpAsync(name);
        return true;
    }

    /// <summary>The source documents go to: created with the defaults on first use (ingest into a new name).</summary>
    public async Task<Source> EnsureAsync(string name, CancellationToken cancellationToken)
    {
        var tenant = TenantContext.Require();
        if (await store.GetAsync(tenant, name, cancellationToken) is { } existing)
            return existing;
        var model = await ModelAsync("", "retrieval_model", cancellationToken);
        var source = new Source { Name = name, Volatility = Volatility.Daily, CreatedAt = Timestamp.FromDateTime(DateTime.UtcNow) };
        await CreateCollectionAsync(source, SourceNames.Collection(name), model, cancellationToken);
        if (await store.TryAddAsync(tenant, source, "", cancellationToken))
            return source;
        return await store.GetAsync(tenant, name, cancellationToken)
            ?? throw new UnavailableException($"source '{name}' was deleted while being created; retry");
    }

    /// <summary>Switches a source to another collection if nobody changed it meanwhile.</summary>
    public Task<bool> TrySwapAsync(Source expected, Source updated, CancellationToken cancellationToken) =>
        store.TryReplaceAsync(TenantContext.Require(), expected, updated, cancellationToken);

    /// <summary>Fills the source's collection, space and model fields and creates the collection (idempotent).</summary>
    public async Task<Collection> CreateCollectionAsync(Source source, string collection, Model model, CancellationToken cancellationToken)
    {
        source.Collection = collection;
        source.RetrievalModel = model.Name;
        source.EmbeddingSpace = model.EmbeddingSpace;
        try
        {
            return await vectors.CreateCollectionAsync(new CreateCollectionRequest
            {
                Name = collection,
                Dense = new DenseVectorConfig { Dimension = model.Dimension, Distance = Distance.Cosine },
                Sparse = new SparseVectorConfig { Idf = true },
                EmbeddingSpace = model.EmbeddingSpace,
                PayloadIndexes =
                {
                    new PayloadIndex { Field = "document_id", Type = PayloadFieldType.Keyword },
                    new PayloadIndex { Field = "chunk_index", Type = PayloadFieldType.Integer },
                },
            }, cancellationToken: cancellationToken);
        }
        catch (RpcException error) when (error.StatusCode == StatusCode.AlreadyExists)
        {
            throw new AlreadyExistsException($"source '{source.Name}': its collection exists with another configuration ({error.Status.Detail})");
        }
    }

    public async Task DropCollectionAsync(string collection, CancellationToken cancellationToken)
    {
        try { await vectors.DeleteCollectionAsync(new DeleteCollectionRequest { Name = collection }, cancellationToken: cancellationToken); }
        catch (RpcException error) when (error.StatusCode == StatusCode.NotFound) { }
    }

    private async Task<Source?> ReplayAsync(string tenant, string idempotencyKey, CancellationToken cancellationToken)
    {
        if (idempotencyKey.Length == 0 || await store.NameForKeyAsync(tenant, idempotencyKey, cancellationToken) is not { } name)
            return null;
        var source = await store.GetAsync(tenant, name, cancellationToken)
            ?? throw new FailedPreconditionException($"idempotency_key was used to create source '{name}', which has since been deleted; use a new key");
        return await DescribeAsync(source, cancellationToken);
    }

    /// <summary>The stored definition with live counts and corpus version.</summary>
    public async Task<Source> DescribeAsync(Source stored, CancellationToken cancellationToken)
    {
        var source = stored.Clone();
        source.CorpusVersion = (ulong)await versions.CurrentAsync(source.Name);
        try
        {
            var collection = await vectors.GetCollectionAsync(new GetCollectionRequest { Name = source.Collection }, cancellationToken: cancellationToken);
            source.ChunkCount = collection.PointsCount;
            source.DocumentCount = (await vectors.CountAsync(new CountRequest
            {
                Collection = source.Collection,
                Filter = new Filter { Must = { new Condition { Field = new FieldCondition { Key = "chunk_index", Match = new MatchValue { Integer = 0 } } } } },
            }, cancellationToken: cancellationToken)).Count;
        }
        catch (RpcException error) when (error.StatusCode == StatusCode.NotFound) { }
        return source;
    }
}
