using Google.Protobuf.WellKnownTypes;

namespace RagPlatform.QueryRouter.Retrieval;

/// <summary>A chunk that retrieval found, with the source it came from and its fused score.</summary>
public sealed record RetrievedChunk(string Source, string PointId, Struct Payload, float Score);
