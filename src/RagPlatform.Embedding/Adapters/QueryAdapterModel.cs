using System.Buffers.Binary;
using System.Numerics.Tensors;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Embedding.Encoders;

namespace RagPlatform.Embedding.Adapters;

/// <summary>
/// A registered fine-tuned retrieval model: a base encoder plus a query map W, applied as
/// q' = normalise(W q) to query vectors only. Document vectors are the base model's, so an index
/// built with the base model is searched unchanged (the model declares the base's space).
/// </summary>
public sealed class QueryAdapterModel(Model description, IDenseEncoder baseEncoder, float[] matrix)
{
    public Model Description => description;
    public IDenseEncoder Base => baseEncoder;

    public float[] Apply(ReadOnlySpan<float> query)
    {
        int dimension = baseEncoder.Dimension;
        var adapted = new float[dimension];
        for (int r = 0; r < dimension; r++)
            adapted[r] = TensorPrimitives.Dot(matrix.AsSpan(r * dimension, dimension), query);
        float norm = TensorPrimitives.Norm(adapted);
        if (norm > 1e-12f) TensorPrimitives.Divide(adapted, norm, adapted);
        return adapted;
    }

    /// <summary>Reads the adapter file FineTuning writes: "RPQA", int32 version 1, int32 dimension, dimension² floats of W by rows.</summary>
    public static float[] ReadMatrix(string path, int expectedDimension)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 12 || !bytes.AsSpan(0, 4).SequenceEqual("RPQA"u8) || BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)) != 1)
            throw new InvalidDataException($"{path} is not a query adapter file");
        int dimension = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        if (dimension != expectedDimension || bytes.Length != 12 + 4L * dimension * dimension)
            throw new InvalidDataException($"{path} holds a {dimension}-d adapter; its base model is {expectedDimension}-d");
        var matrix = new float[dimension * dimension];
        for (int i = 0; i < matrix.Length; i++) matrix[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(12 + 4 * i));
        return matrix;
    }
}
