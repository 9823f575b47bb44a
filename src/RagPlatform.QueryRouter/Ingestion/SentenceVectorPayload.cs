using System.Buffers.Binary;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.Generation.V1;

namespace RagPlatform.QueryRouter.Ingestion;

/// <summary>
/// The sentence vectors a chunk's payload carries: one dense vector per entry of its sentences, from
/// the source's retrieval model, as little-endian half floats in base64. They live in the payload so
/// they are written and deleted with their chunk in the same upsert, and come back with it from the
/// search that finds it; half precision keeps a 512-d sentence at about 1.4 KB.
/// </summary>
public static class SentenceVectorPayload
{
    public const string Key = "sentence_vectors";
    private const string Model = "model";
    private const string Space = "space";
    private const string Dimension = "dimension";
    private const string Values = "values";

    public static Value Create(string model, string embeddingSpace, IReadOnlyList<float[]> rows)
    {
        int dimension = rows.Count == 0 ? 0 : rows[0].Length;
        var bytes = new byte[rows.Count * dimension * sizeof(ushort)];
        for (int r = 0; r < rows.Count; r++)
        {
            if (rows[r].Length != dimension)
                throw new InvalidOperationException($"sentence vector {r} has {rows[r].Length} dimensions, not {dimension}");
            for (int d = 0; d < dimension; d++)
                BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan((r * dimension + d) * sizeof(ushort)), (Half)rows[r][d]);
        }
        return Value.ForStruct(new Struct
        {
            Fields =
            {
                [Model] = Value.ForString(model),
                [Space] = Value.ForString(embeddingSpace),
                [Dimension] = Value.ForNumber(dimension),
                [Values] = Value.ForString(Convert.ToBase64String(bytes)),
            },
        });
    }

    /// <summary>The chunk's sentence vectors as Generate takes them; null for a chunk stored without them.</summary>
    public static SentenceVectors? Read(Struct payload)
    {
        if (!payload.Fields.TryGetValue(Key, out var value) || value.StructValue is not { } stored) return null;
        string Text(string key) => stored.Fields.TryGetValue(key, out var v) ? v.StringValue : "";
        var dimension = stored.Fields.TryGetValue(Dimension, out var d) ? (uint)d.NumberValue : 0;
        if (dimension == 0) return null;
        return new SentenceVectors
        {
            Model = Text(Model),
            EmbeddingSpace = Text(Space),
            Dimension = dimension,
            Values = ByteString.FromBase64(Text(Values)),
        };
    }
}
