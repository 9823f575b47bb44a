using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.VectorSearch.Engine;
using RagPlatform.VectorSearch.Engine.Collections;

namespace RagPlatform.VectorSearch.Grpc;

/// <summary>Between the contract's collection messages and the engine's records.</summary>
public static class CollectionMapper
{
    public const uint MaxDimension = 65_536;

    public static CollectionSpec ToSpec(CreateCollectionRequest request)
    {
        CollectionNames.Validate(request.Name, "name");
        Require.That(request.Dense is not null || request.Sparse is not null, "dense", "a collection needs a dense or a sparse vector (or both)");
        if (request.Dense is { } dense)
        {
            Require.That(dense.Dimension is > 0 and <= MaxDimension, "dense.dimension", $"must be between 1 and {MaxDimension}");
            Require.That(dense.Distance != Distance.Unspecified, "dense.distance", "must be COSINE, DOT or EUCLID");
        }
        for (int i = 0; i < request.PayloadIndexes.Count; i++)
        {
            Require.NotBlank(request.PayloadIndexes[i].Field, $"payload_indexes[{i}].field");
            Require.That(request.PayloadIndexes[i].Type != PayloadFieldType.Unspecified, $"payload_indexes[{i}].type", "must be set");
        }
        return new CollectionSpec(request.Name, request.Dense, request.Sparse, request.EmbeddingSpace,
            request.PayloadIndexes.ToList(), DateTimeOffset.UtcNow);
    }

    public static Collection ToMessage(CollectionInfo info, string backend)
    {
        var message = new Collection
        {
            Name = info.Spec.Name,
            Dense = info.Spec.Dense,
            Sparse = info.Spec.Sparse,
            EmbeddingSpace = info.Spec.EmbeddingSpace,
            PointsCount = (ulong)info.PointsCount,
            Status = CollectionStatus.Ready,
            MemoryBytes = (ulong)info.MemoryBytes,
            AverageDocumentLength = info.AverageDocumentLength,
            CreatedAt = Timestamp.FromDateTimeOffset(info.Spec.CreatedAt),
            Backend = backend,
        };
        message.PayloadIndexes.Add(info.Spec.PayloadIndexes);
        return message;
    }
}
