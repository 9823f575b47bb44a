using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace RagPlatform.VectorSearch.Backends.Qdrant;

/// <summary>
/// A point's payload as Qdrant stores it: the caller's fields at the top level (so filters address
/// them unchanged) plus two reserved fields: the platform id (Qdrant only knows the derived UUID)
/// and the document length (summed by a facet for the average BM25 needs).
/// </summary>
public static class QdrantPayload
{
    public const string PointIdKey = "ragplatform_point_id";
    public const string DocumentLengthKey = "ragplatform_document_length";

    public static bool IsReserved(string key) => key is PointIdKey or DocumentLengthKey;

    public static JsonObject ToJson(string id, Struct? payload, uint documentLength)
    {
        var json = payload is null ? new JsonObject() : JsonNode.Parse(JsonFormatter.Default.Format(payload))!.AsObject();
        json[PointIdKey] = id;
        json[DocumentLengthKey] = documentLength;
        return json;
    }

    /// <summary>The caller's payload, without the reserved fields.</summary>
    public static Struct FromJson(JsonObject? payload)
    {
        if (payload is null)
            return new Struct();
        var own = new JsonObject();
        foreach (var (key, value) in payload)
        {
            if (!IsReserved(key))
                own[key] = value?.DeepClone();
        }
        return JsonParser.Default.Parse<Struct>(own.ToJsonString());
    }
}
