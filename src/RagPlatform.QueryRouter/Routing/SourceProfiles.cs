using System.Collections.Concurrent;
using System.Numerics.Tensors;
using Grpc.Core;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.QueryRouter.Sources;
using RagPlatform.ServiceDefaults.Tenancy;

namespace RagPlatform.QueryRouter.Routing;

/// <summary>
/// A source's profile: the embedding of its description blended with the centroid of its
/// documents' first chunks, unit length. Computed when first needed and kept until the source's
/// corpus version moves, at most once per refresh interval, so routing costs a dot product per source.
/// </summary>
public sealed class SourceProfiles(
    EmbeddingService.EmbeddingServiceClient embedding,
    VectorSearchService.VectorSearchServiceClient vectors,
    SourceRegistry registry,
    CorpusVersions versions,
    IOptions<QueryRouterOptions> options)
{
    private sealed record Entry(float[]? Vector, long Version, DateTime ComputedAt);

    private readonly ConcurrentDictionary<(string Tenant, string Collection, string Model), Entry> cache = new();

    /// <summary>The profile in <paramref name="model"/>'s space, or null when the source has neither description nor chunks.</summary>
    public async Task<float[]?> GetAsync(Source source, string model, CancellationToken cancellationToken)
    {
        var key = (TenantContext.Require(), source.Collection, model);
        long version = await versions.CurrentAsync(source.Name);
        var now = DateTime.UtcNow;
        if (cache.TryGetValue(key, out var entry)
            && (entry.Version == version || now - entry.ComputedAt < options.Value.Routing.ProfileRefreshInterval))
            return entry.Vector;
        var vector = await ComputeAsync(source, model, cancellationToken);
        cache[key] = new Entry(vector, version, now);
        return vector;
    }

    private async Task<float[]?> ComputeAsync(Source source, string model, CancellationToken cancellationToken)
    {
        var settings = options.Value.Routing;
        var described = source.Description.Length == 0 ? null : await DescriptionAsync(source.Description, model, cancellationToken);
        // Chunk vectors of another space say nothing about a query in this one.
        var space = (await registry.ModelAsync(model, "retrieval_model", cancellationToken)).EmbeddingSpace;
        var centroid = space == source.EmbeddingSpace ? await CentroidAsync(source.Collection, settings.ProfileSampleChunks, cancellationToken) : null;
        if (described is null || centroid is null)
            return described ?? centroid;
        var blend = new float[described.Length];
        TensorPrimitives.Multiply(described, (float)settings.DescriptionWeight, blend);
        TensorPrimitives.MultiplyAdd(centroid, (float)(1 - settings.DescriptionWeight), blend, blend);
        return Normalized(blend);
    }

    private async Task<float[]?> DescriptionAsync(string description, string model, CancellationToken cancellationToken)
    {
        var response = await embedding.EmbedAsync(new EmbedRequest
        {
            Texts = { description }, InputType = InputType.Document, Model = model, Dense = true,
        }, cancellationToken: cancellationToken);
        return Normalized(response.Embeddings[0].Dense.ToArray());
    }

    /// <summary>Mean of the first chunk of up to <paramref name="limit"/> documents: one vote per document, however long.</summary>
    private async Task<float[]?> CentroidAsync(string collection, int limit, CancellationToken cancellationToken)
    {
        float[]? sum = null;
        int seen = 0;
        string token = "";
        var firstChunks = new Filter { Must = { new Condition { Field = new FieldCondition { Key = "chunk_index", Match = new MatchValue { Integer = 0 } } } } };
        do
        {
            ScrollResponse page;
            try
            {
                page = await vectors.ScrollAsync(new ScrollRequest
                {
                    Collection = collection, Filter = firstChunks, Limit = (uint)Math.Min(256, limit - seen), PageToken = token, WithVectors = true,
                }, cancellationToken: cancellationToken);
            }
            catch (RpcException error) when (error.StatusCode == StatusCode.NotFound)
            {
                // Dropped by a delete or a finished reindex since the source was read: the next route reads it afresh.
                return null;
            }
            foreach (var point in page.Points)
            {
                if (point.Dense.Count == 0) continue;
                sum ??= new float[point.Dense.Count];
                var dense = point.Dense.ToArray();
                TensorPrimitives.Add(sum, Normalized(dense), sum);
                seen++;
            }
            token = page.NextPageToken;
        } while (token.Length > 0 && seen < limit);
        return sum is null ? null : Normalized(sum);
    }

    private static float[] Normalized(float[] vector)
    {
        float norm = TensorPrimitives.Norm(vector);
        if (norm > 0) TensorPrimitives.Divide(vector, norm, vector);
        return vector;
    }
}
