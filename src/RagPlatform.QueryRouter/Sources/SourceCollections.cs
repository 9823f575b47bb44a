using Grpc.Core;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.QueryRouter.Sources;

/// <summary>The VectorSearch collections behind sources: found, listed, created on first ingest.</summary>
public sealed class SourceCollections(
    EmbeddingService.EmbeddingServiceClient embedding,
    VectorSearchService.VectorSearchServiceClient vectors)
{
    private Model? defaultModel;

    /// <summary>The default retrieval model's description (dimension, space, token limit), asked once.</summary>
    public async Task<Model> ModelAsync(CancellationToken cancellationToken) =>
        defaultModel ??= await embedding.GetModelInfoAsync(new GetModelInfoRequest(), cancellationToken: cancellationToken);

    public async Task<Collection> EnsureAsync(string source, CancellationToken cancellationToken)
    {
        var name = SourceNames.Collection(source);
        try
        {
            return await vectors.GetCollectionAsync(new GetCollectionRequest { Name = name }, cancellationToken: cancellationToken);
        }
        catch (RpcException error) when (error.StatusCode == StatusCode.NotFound)
        {
            var model = await ModelAsync(cancellationToken);
            // An identical create by another replica is success, so racing first ingests are safe.
            return await vectors.CreateCollectionAsync(new CreateCollectionRequest
            {
                Name = name,
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
    }

    /// <summary>The named sources (NOT_FOUND for one that does not exist), or all of the tenant's.</summary>
    public async Task<List<Collection>> ResolveAsync(IReadOnlyList<string> requested, CancellationToken cancellationToken)
    {
        if (requested.Count > 0)
        {
            var found = new List<Collection>();
            for (int i = 0; i < requested.Count; i++)
            {
                SourceNames.Validate(requested[i], $"sources[{i}]");
                try
                {
                    found.Add(await vectors.GetCollectionAsync(new GetCollectionRequest { Name = SourceNames.Collection(requested[i]) }, cancellationToken: cancellationToken));
                }
                catch (RpcException error) when (error.StatusCode == StatusCode.NotFound)
                {
                    throw new NotFoundException($"source '{requested[i]}' does not exist");
                }
            }
            return found;
        }
        var all = new List<Collection>();
        string token = "";
        do
        {
            var page = await vectors.ListCollectionsAsync(new ListCollectionsRequest { PageToken = token }, cancellationToken: cancellationToken);
            all.AddRange(page.Collections.Where(c => SourceNames.SourceOf(c.Name) is not null));
            token = page.NextPageToken;
        } while (token.Length > 0);
        return all;
    }
}
