using Grpc.Core;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.VectorSearch.Engine;
using RagPlatform.VectorSearch.Engine.Filtering;

namespace RagPlatform.VectorSearch.Grpc;

/// <summary>The gRPC face of the vector engine: validates, maps, calls the core.</summary>
public sealed class VectorSearchGrpcService(IVectorBackend backend, VectorSearchEngine engine)
    : VectorSearchService.VectorSearchServiceBase
{
    public override async Task<Collection> CreateCollection(CreateCollectionRequest request, ServerCallContext context) =>
        CollectionMapper.ToMessage(await backend.CreateAsync(CollectionMapper.ToSpec(request), context.CancellationToken), backend.Name);

    public override async Task<Collection> GetCollection(GetCollectionRequest request, ServerCallContext context) =>
        CollectionMapper.ToMessage(await backend.GetAsync(CollectionNames.Validate(request.Name, "name"), context.CancellationToken), backend.Name);

    public override async Task<ListCollectionsResponse> ListCollections(ListCollectionsRequest request, ServerCallContext context)
    {
        int pageSize = request.PageSize == 0 ? 100 : (int)Math.Min(request.PageSize, 1000);
        var all = await backend.ListAsync(context.CancellationToken);
        var page = all.Where(c => string.CompareOrdinal(c.Spec.Name, request.PageToken) > 0).Take(pageSize + 1).ToList();
        var response = new ListCollectionsResponse();
        response.Collections.Add(page.Take(pageSize).Select(c => CollectionMapper.ToMessage(c, backend.Name)));
        if (page.Count > pageSize) response.NextPageToken = page[pageSize - 1].Spec.Name;
        return response;
    }

    public override async Task<DeleteCollectionResponse> DeleteCollection(DeleteCollectionRequest request, ServerCallContext context) =>
        new() { Deleted = await backend.DeleteAsync(CollectionNames.Validate(request.Name, "name"), context.CancellationToken) };

    public override async Task<UpsertResponse> Upsert(UpsertRequest request, ServerCallContext context) =>
        new() { Upserted = (ulong)await engine.UpsertAsync(CollectionNames.Validate(request.Collection, "collection"), request.Points, context.CancellationToken) };

    public override async Task<UpsertResponse> UpsertStream(IAsyncStreamReader<UpsertRequest> requestStream, ServerCallContext context)
    {
        // Each batch is applied as it arrives: a bad batch fails the call but loses none before it.
        string? collection = null;
        ulong total = 0;
        int index = 0;
        await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken))
        {
            collection ??= CollectionNames.Validate(batch.Collection, "collection");
            Require.That(batch.Collection == collection, $"messages[{index}].collection", $"must name '{collection}' like the first message");
            total += (ulong)await engine.UpsertAsync(collection, batch.Points, context.CancellationToken);
            index++;
        }
        return new UpsertResponse { Upserted = total };
    }

    public override async Task<DeletePointsResponse> DeletePoints(DeletePointsRequest request, ServerCallContext context)
    {
        var name = CollectionNames.Validate(request.Collection, "collection");
        Require.That((request.Ids.Count > 0) != (request.Filter is not null), "ids", "give exactly one of ids or filter");
        FilterValidator.Validate(request.Filter, "filter");
        return new() { Deleted = (ulong)await backend.DeletePointsAsync(name, request.Ids, request.Filter, context.CancellationToken) };
    }

    public override async Task<CountResponse> Count(CountRequest request, ServerCallContext context)
    {
        var name = CollectionNames.Validate(request.Collection, "collection");
        FilterValidator.Validate(request.Filter, "filter");
        return new() { Count = (ulong)await backend.CountAsync(name, request.Filter, context.CancellationToken) };
    }

    public override Task<SearchResponse> Search(SearchRequest request, ServerCallContext context)
    {
        CollectionNames.Validate(request.Collection, "collection");
        return engine.SearchAsync(request, context.CancellationToken);
    }

    public override async Task<ScrollResponse> Scroll(ScrollRequest request, ServerCallContext context)
    {
        var name = CollectionNames.Validate(request.Collection, "collection");
        Require.That(request.Limit <= 1000, "limit", "must be at most 1000");
        FilterValidator.Validate(request.Filter, "filter");
        var page = await backend.ScrollAsync(name, request.PageToken, request.Limit == 0 ? 100 : (int)request.Limit,
            request.Filter, request.WithVectors, context.CancellationToken);
        var response = new ScrollResponse { NextPageToken = page.NextPageToken };
        foreach (var point in page.Points)
        {
            if (!request.WithPayload) point.Payload = null;
            response.Points.Add(point);
        }
        return response;
    }
}
