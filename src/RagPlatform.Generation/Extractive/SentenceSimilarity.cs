using System.Buffers;
using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using RagPlatform.Contracts.Generation.V1;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.Generation.Extractive;

/// <summary>
/// The cosine of each sentence vector a passage brought (computed at ingest) with the question's
/// vector of the same embedding space (computed by retrieval): no model call at answer time.
/// </summary>
public static class SentenceSimilarity
{
    /// <summary>Per sentence, in order; null when the passage has no vectors or the request no query vector of their space.</summary>
    public static float[]? Of(Passage passage, IReadOnlyList<QueryEmbedding> queries, string field)
    {
        if (passage.SentenceVectors is not { Dimension: > 0 } vectors) return null;
        int dimension = (int)vectors.Dimension, rows = passage.Sentences.Count;
        Require.That(vectors.Values.Length == rows * dimension * sizeof(ushort), $"{field}.sentence_vectors.values",
            $"holds {vectors.Values.Length} bytes; {rows} sentences of {dimension} half floats need {rows * dimension * sizeof(ushort)}");
        var query = queries.FirstOrDefault(q => q.Dense.Count == dimension && SameSpace(q, vectors));
        if (query is null) return null;

        var queryVector = ArrayPool<float>.Shared.Rent(dimension);
        var row = ArrayPool<float>.Shared.Rent(dimension);
        try
        {
            query.Dense.CopyTo(queryVector, 0);
            var halves = vectors.Values.Span;
            var similarities = new float[rows];
            for (int r = 0; r < rows; r++)
            {
                ReadRow(halves.Slice(r * dimension * sizeof(ushort), dimension * sizeof(ushort)), row.AsSpan(0, dimension));
                similarities[r] = TensorPrimitives.CosineSimilarity(queryVector.AsSpan(0, dimension), row.AsSpan(0, dimension));
            }
            return similarities;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(queryVector);
            ArrayPool<float>.Shared.Return(row);
        }
    }

    private static bool SameSpace(QueryEmbedding query, SentenceVectors vectors) =>
        query.EmbeddingSpace.Length > 0 && vectors.EmbeddingSpace.Length > 0
            ? query.EmbeddingSpace == vectors.EmbeddingSpace
            : query.Model == vectors.Model;

    private static void ReadRow(ReadOnlySpan<byte> bytes, Span<float> row)
    {
        if (BitConverter.IsLittleEndian)
        {
            TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(bytes), row);
            return;
        }
        for (int d = 0; d < row.Length; d++)
            row[d] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(d * sizeof(ushort))..]);
    }
}
