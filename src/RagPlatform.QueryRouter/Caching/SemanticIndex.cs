using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.ServiceDefaults.Tenancy;

namespace RagPlatform.QueryRouter.Caching;

/// <summary>
/// The questions answers were cached for, by embedding: a VectorSearch collection per tenant and
/// embedding space (Redis here has no vector search), each point naming its scope, its content
/// terms, when it expires and the key of its answer. A lookup finds the closest question of the
/// same scope and the same content terms within the similarity threshold.
/// </summary>
public sealed class SemanticIndex(VectorSearchService.VectorSearchServiceClient vectors, ILogger<SemanticIndex> logger)
{
    private const string Scope = "scope", Terms = "terms", Sequence = "sequence", Key = "key", Expires = "expires";

    /// <summary>A cached question found close enough: its answer's key and its content terms in order.</summary>
    public sealed record Match(string Key, string Sequence, float Similarity);
    private static readonly TimeSpan PurgeEvery = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, DateTimeOffset> ensured = new();

    /// <summary>Collection of cached questions for an embedding space (names allow only [A-Za-z0-9_-]).</summary>
    public static string CollectionOf(string embeddingSpace) =>
        "answer-cache-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(embeddingSpace)))[..16];

    /// <summary>The closest cached question of this scope and these content terms, or null.</summary>
    public async Task<Match?> FindAsync(string embeddingSpace, RepeatedField<float> dense, string scope, string terms,
        float threshold, CancellationToken cancellationToken)
    {
        try
        {
            var found = await vectors.SearchAsync(new SearchRequest
            {
                Collection = CollectionOf(embeddingSpace),
                EmbeddingSpace = embeddingSpace,
                Dense = { dense },
                Filter = new Filter
                {
                    Must =
                    {
                        Keyword(Scope, scope),
                        Keyword(Terms, terms),
                        new Condition { Field = new FieldCondition { Key = Expires, Range = new Contracts.Vectors.V1.Range { Gte = DateTimeOffset.UtcNow.ToUnixTimeSeconds() } } },
                    },
                },
                Limit = 1,
                ScoreThreshold = threshold,
                WithPayload = true,
            }, cancellationToken: cancellationToken);
            if (found.Points.Count == 0) return null;
            var fields = found.Points[0].Payload.Fields;
            return new Match(fields[Key].StringValue, fields[Sequence].StringValue, found.Points[0].Score);
        }
        catch (RpcException error) when (error.StatusCode == StatusCode.NotFound)
        {
            return null; // nothing cached yet in this space
        }
        catch (RpcException error) when (error.StatusCode != StatusCode.Cancelled)
        {
            logger.LogWarning("Semantic cache lookup failed ({Status}); answering without it", error.Status.StatusCode);
            return null;
        }
    }

    /// <summary>Records a question whose answer is cached under <paramref name="key"/>.</summary>
    public async Task AddAsync(string embeddingSpace, uint dimension, RepeatedField<float> dense, string scope, string terms,
        string sequence, string key, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        var collection = CollectionOf(embeddingSpace);
        await EnsureAsync(collection, embeddingSpace, dimension, cancellationToken);
        await vectors.UpsertAsync(new UpsertRequest
        {
            Collection = collection,
            Points =
            {
                new Point
                {
                    Id = key[(key.LastIndexOf(':') + 1)..],
                    Dense = { dense },
                    Payload = new Struct
                    {
                        Fields =
                        {
                            [Scope] = Value.ForString(scope),
                            [Terms] = Value.ForString(terms),
                            [Sequence] = Value.ForString(sequence),
                            [Key] = Value.ForString(key),
                            [Expires] = Value.ForNumber(expires.ToUnixTimeSeconds()),
                        },
                    },
                },
            },
        }, cancellationToken: cancellationToken);
    }

    /// <summary>Creates the collection once per process, and now and then drops the questions whose answers expired.</summary>
    private async Task EnsureAsync(string collection, string embeddingSpace, uint dimension, CancellationToken cancellationToken)
    {
        var id = TenantContext.Require() + "/" + collection;
        var now = DateTimeOffset.UtcNow;
        if (ensured.TryGetValue(id, out var purged))
        {
            if (now - purged < PurgeEvery || !ensured.TryUpdate(id, now, purged)) return;
            await vectors.DeletePointsAsync(new DeletePointsRequest
            {
                Collection = collection,
                Filter = new Filter { Must = { new Condition { Field = new FieldCondition { Key = Expires, Range = new Contracts.Vectors.V1.Range { Lt = now.ToUnixTimeSeconds() } } } } },
            }, cancellationToken: cancellationToken);
            return;
        }
        try
        {
            await vectors.GetCollectionAsync(new GetCollectionRequest { Name = collection }, cancellationToken: cancellationToken);
        }
        catch (RpcException error) when (error.StatusCode == StatusCode.NotFound)
        {
            // An identical create by another replica is success, so racing first stores are safe.
            await vectors.CreateCollectionAsync(new CreateCollectionRequest
            {
                Name = collection,
                Dense = new DenseVectorConfig { Dimension = dimension, Distance = Distance.Cosine },
                EmbeddingSpace = embeddingSpace,
                PayloadIndexes =
                {
                    new PayloadIndex { Field = Scope, Type = PayloadFieldType.Keyword },
                    new PayloadIndex { Field = Terms, Type = PayloadFieldType.Keyword },
                },
            }, cancellationToken: cancellationToken);
        }
        ensured[id] = now;
    }

    private static Condition Keyword(string key, string value) =>
        new() { Field = new FieldCondition { Key = key, Match = new MatchValue { Keyword = value } } };
}
