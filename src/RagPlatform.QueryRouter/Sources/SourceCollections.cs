using Grpc.Core;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Vectors.V1;

namespace RagPlatform.QueryRouter.Sources;

/// <summary>What ingestion needs of sources: a source's collection (the source is created on first ingest) and its model.</summary>
public sealed class SourceCollections(SourceRegistry registry, VectorSearchService.VectorSearchServiceClient vectors)
{
    /// <summary>The default retrieval model's description (dimension, space, token limit).</summary>
    public Task<Model> ModelAsync(CancellationToken cancellationToken) => registry.ModelAsync("", "retrieval_model", cancellationToken);

    /// <summary>The source's retrieval model: ingest embeds its chunks with this one.</summary>
    public async Task<Model> ModelAsync(string source, CancellationToken cancellationToken) =>
        await registry.ModelAsync((await registry.EnsureAsync(source, cancellationToken)).RetrievalModel, "retrieval_model", cancellationToken);

    /// <summary>The collection that holds the source's chunks now, created with the source when it is new.</summary>
    public async Task<Collection> EnsureAsync(string source, CancellationToken cancellationToken)
    {
        var defined = await registry.EnsureAsync(source, cancellationToken);
        try
        {
            return await vectors.GetCollectionAsync(new GetCollectionRequest { Name = defined.Collection }, cancellationToken: cancellationToken);
        }
        catch (RpcException error) when (error.StatusCode == StatusCode.NotFound)
        {
            var model = await registry.ModelAsync(defined.RetrievalModel, "retrieval_model", cancellationToken);
            return await registry.CreateCollectionAsync(defined.Clone(), defined.Collection, model, cancellationToken);
        }
    }

    /// <summary>The collection name of an existing source, or null (never creates one).</summary>
    public async Task<string?> CollectionOfAsync(string source, CancellationToken cancellationToken) =>
        (await registry.FindOrNullAsync(source, cancellationToken))?.Collection;
}
