using Google.Protobuf.WellKnownTypes;

namespace RagPlatform.VectorSearch.Engine.Collections;

/// <summary>A point as the engine holds it: dense vector normalised for cosine, sparse as parallel arrays.</summary>
public sealed record StoredPoint(string Id, float[]? Dense, uint[] SparseIndices, float[] SparseValues, Struct Payload, int DocumentLength);

/// <summary>One search hit before fusion: the point's slot and its score in one list.</summary>
public readonly record struct Hit(int Slot, float Score);
