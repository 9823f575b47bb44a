using System.Text.Json.Nodes;

namespace RagPlatform.Tests.Infrastructure.Qdrant;

/// <summary>One collection in <see cref="FakeQdrant"/>: as created, its payload indexes and its points.</summary>
internal sealed class FakeCollection(JsonObject createBody)
{
    public Dictionary<string, JsonNode> Indexes { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, JsonObject> Points { get; } = new(StringComparer.Ordinal);

    /// <summary>A <c>CollectionInfo</c> as Qdrant reports it, with the metadata given at creation.</summary>
    public JsonObject Info() => new()
    {
        ["status"] = "green",
        ["optimizer_status"] = "ok",
        ["indexed_vectors_count"] = 0,
        ["points_count"] = Points.Count,
        ["segments_count"] = 2,
        ["config"] = new JsonObject
        {
            ["params"] = new JsonObject
            {
                ["vectors"] = createBody["vectors"]?.DeepClone() ?? new JsonObject(),
                ["shard_number"] = 1,
                ["replication_factor"] = 1,
                ["write_consistency_factor"] = 1,
                ["on_disk_payload"] = true,
                ["sparse_vectors"] = createBody["sparse_vectors"]?.DeepClone(),
            },
            ["hnsw_config"] = new JsonObject { ["m"] = 16, ["ef_construct"] = 100, ["full_scan_threshold"] = 10000, ["max_indexing_threads"] = 0, ["on_disk"] = false },
            ["optimizer_config"] = new JsonObject
            {
                ["deleted_threshold"] = 0.2, ["vacuum_min_vector_number"] = 1000, ["default_segment_number"] = 0,
                ["max_segment_size"] = null, ["indexing_threshold"] = 10000, ["flush_interval_sec"] = 5, ["max_optimization_threads"] = null,
            },
            ["wal_config"] = new JsonObject { ["wal_capacity_mb"] = 32, ["wal_segments_ahead"] = 0 },
            ["quantization_config"] = null,
            ["metadata"] = createBody["metadata"]?.DeepClone(),
        },
        ["payload_schema"] = new JsonObject(Indexes.Select(i => KeyValuePair.Create(i.Key, (JsonNode?)new JsonObject
        {
            ["data_type"] = i.Value is JsonObject parameters ? parameters["type"]!.DeepClone() : i.Value.DeepClone(),
            ["points"] = Points.Values.Count(p => p["payload"]?[i.Key] is not null),
        }))),
    };

    /// <summary>A <c>FacetResponse</c>: points per value of a payload key, most frequent first.</summary>
    public JsonObject Facet(string key, int limit) => new()
    {
        ["hits"] = new JsonArray(Points.Values
            .Select(p => p["payload"]?[key])
            .OfType<JsonValue>()
            .GroupBy(v => v.ToJsonString())
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(limit)
            .Select(g => (JsonNode)new JsonObject { ["value"] = g.First().DeepClone(), ["count"] = g.Count() })
            .ToArray()),
    };

    /// <summary>Ids of the points a filter selects, for no filter or one of ids alone; null for anything else.</summary>
    public List<string>? Select(JsonNode? filter)
    {
        if (filter is null)
            return Points.Keys.ToList();
        if (filter is JsonObject { Count: 1 } only && only["must"] is JsonArray { Count: 1 } must && must[0]?["has_id"] is JsonArray ids)
            return ids.Select(i => i!.GetValue<string>()).Where(Points.ContainsKey).ToList();
        return null;
    }
}
