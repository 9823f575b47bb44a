using System.Buffers.Binary;
using System.Numerics.Tensors;

namespace RagPlatform.FineTuning.Adapters;

/// <summary>
/// The trained query map: q' = normalise((I + A) q). Documents are left as the base model made
/// them, so an index built with the base model is searched unchanged.
/// File format (little-endian): "RPQA", int32 version 1, int32 dimension, then the dimension²
/// floats of I + A, row by row.
/// </summary>
public static class QueryAdapter
{
    public static ReadOnlySpan<byte> Magic => "RPQA"u8;

    /// <summary>u = q + A q into <paramref name="destination"/>; returns |u|.</summary>
    public static float Apply(ReadOnlySpan<float> residual, int dimension, ReadOnlySpan<float> query, Span<float> destination)
    {
        for (int r = 0; r < dimension; r++)
            destination[r] = query[r] + TensorPrimitives.Dot(residual.Slice(r * dimension, dimension), query);
        return TensorPrimitives.Norm(destination);
    }

    public static void Write(string path, ReadOnlySpan<float> residual, int dimension)
    {
        var bytes = new byte[12 + 4 * dimension * dimension];
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 1);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), dimension);
        var matrix = residual.ToArray();
        for (int i = 0; i < dimension; i++) matrix[i * dimension + i] += 1f;
        for (int i = 0; i < matrix.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(12 + 4 * i), matrix[i]);
        Storage.AtomicFile.Write(path, bytes);
    }
}
