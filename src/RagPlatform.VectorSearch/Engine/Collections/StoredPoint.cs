using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.VectorSearch.Engine.Spaces;

namespace RagPlatform.VectorSearch.Engine.Collections;

/// <summary>A point as the engine holds it: dense vector normalised for cosine, sparse as parallel arrays.</summary>
public sealed record StoredPoint(string Id, float[]? Dense, uint[] SparseIndices, float[] SparseValues, Struct Payload, int DocumentLength)
{
    /// <param name="prepared">The vector is already as stored (read back from a snapshot): normalising again would change its last bits.</param>
    public static StoredPoint From(Point point, Distance distance, bool prepared = false) => new(
        point.Id,
        point.Dense.Count == 0 ? null : prepared ? point.Dense.ToArray() : DenseSpace.Prepare(distance, point.Dense),
        point.Sparse?.Indices.ToArray() ?? [],
        point.Sparse?.Values.ToArray() ?? [],
        point.Payload ?? new Struct(),
        (int)point.DocumentLength);

    /// <summary>Back to the contract's form, vectors included on request.</summary>
    public Point ToPoint(bool withVectors)
    {
        var point = new Point { Id = Id, Payload = Payload, DocumentLength = (uint)DocumentLength };
        if (withVectors)
        {
            if (Dense is not null) point.Dense.Add(Dense);
            point.Sparse = new SparseVector { Indices = { SparseIndices }, Values = { SparseValues } };
        }
        return point;
    }
}

/// <summary>One search hit before fusion: the point's slot and its score in one list.</summary>
public readonly record struct Hit(int Slot, float Score);
