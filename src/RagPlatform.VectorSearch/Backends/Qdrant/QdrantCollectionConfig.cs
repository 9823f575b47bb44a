using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.VectorSearch.Engine.Collections;

namespace RagPlatform.VectorSearch.Backends.Qdrant;

/// <summary>
/// A collection's contract configuration as a Qdrant collection: a named dense vector "dense" and a
/// named sparse vector "sparse", plus the whole contract configuration in the collection's
/// <c>metadata</c>, so Get and List give back exactly the spec that was created.
/// </summary>
public static class QdrantCollectionConfig
{
    public const string DenseVector = "dense";
    public const string SparseVector = "sparse";
    private const string MetadataKey = "ragplatform";
    private const int MetadataFormat = 1;

    /// <summary>Body of PUT /collections/{name}.</summary>
    public static JsonObject CreateBody(CollectionSpec spec, string tenant)
    {
        var body = new JsonObject();
        if (spec.Dense is { } dense)
            body["vectors"] = new JsonObject { [DenseVector] = DenseParams(dense) };
        if (spec.Sparse is { } sparse)
        {
            body["sparse_vectors"] = new JsonObject
            {
                [SparseVector] = new JsonObject { ["modifier"] = sparse.Idf ? "idf" : "none" },
            };
        }
        body["metadata"] = new JsonObject
        {
            [MetadataKey] = new JsonObject
            {
                ["format"] = MetadataFormat,
                ["tenant"] = tenant,
                ["collection"] = JsonNode.Parse(JsonFormatter.Default.Format(ToMessage(spec))),
            },
        };
        return body;
    }

    private static JsonObject DenseParams(DenseVectorConfig dense)
    {
        var json = new JsonObject { ["size"] = dense.Dimension, ["distance"] = DistanceName(dense.Distance) };
        if (dense.Hnsw is { } hnsw)
        {
            var config = new JsonObject();
            if (hnsw.M > 0) config["m"] = hnsw.M;
            if (hnsw.EfConstruct > 0) config["ef_construct"] = hnsw.EfConstruct;
            // The contract counts points; Qdrant counts kilobytes of vectors (its minimum is 10).
            if (hnsw.FullScanThreshold > 0)
                config["full_scan_threshold"] = Math.Max(10, (long)Math.Ceiling(hnsw.FullScanThreshold * (double)dense.Dimension * sizeof(float) / 1024));
            if (config.Count > 0) json["hnsw_config"] = config;
        }
        return json;
    }

    public static string DistanceName(Distance distance) => distance switch
    {
        Distance.Cosine => "Cosine",
        Distance.Dot => "Dot",
        Distance.Euclid => "Euclid",
        _ => throw new ArgumentOutOfRangeException(nameof(distance), distance, "no Qdrant distance"),
    };

    /// <summary>Qdrant's schema name for a contract payload index type.</summary>
    public static string IndexSchema(PayloadFieldType type) => type switch
    {
        PayloadFieldType.Keyword => "keyword",
        PayloadFieldType.Integer => "integer",
        PayloadFieldType.Float => "float",
        PayloadFieldType.Bool => "bool",
        PayloadFieldType.Datetime => "datetime",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "no Qdrant payload schema"),
    };

    /// <summary>
    /// The spec kept in a Qdrant collection's info (<c>result</c> of GET /collections/{name}), or
    /// null when the collection holds no RagPlatform configuration.
    /// </summary>
    public static CollectionSpec? ReadSpec(JsonNode? collectionInfo)
    {
        if (collectionInfo?["config"]?["metadata"]?[MetadataKey] is not JsonObject metadata
            || metadata["format"]?.GetValueKind() != System.Text.Json.JsonValueKind.Number
            || metadata["format"]!.GetValue<int>() != MetadataFormat
            || metadata["collection"] is not JsonObject stored)
            return null;
        Collection message;
        try { message = JsonParser.Default.Parse<Collection>(stored.ToJsonString()); }
        catch (InvalidProtocolBufferException) { return null; }
        return new CollectionSpec(message.Name, message.Dense, message.Sparse, message.EmbeddingSpace,
            message.PayloadIndexes.ToList(), message.CreatedAt?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch);
    }

    private static Collection ToMessage(CollectionSpec spec)
    {
        var message = new Collection
        {
            Name = spec.Name,
            Dense = spec.Dense,
            Sparse = spec.Sparse,
            EmbeddingSpace = spec.EmbeddingSpace,
            CreatedAt = Timestamp.FromDateTimeOffset(spec.CreatedAt),
        };
        message.PayloadIndexes.Add(spec.PayloadIndexes);
        return message;
    }
}
