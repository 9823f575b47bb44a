using System.Numerics.Tensors;
using RagPlatform.Contracts.Vectors.V1;

namespace RagPlatform.VectorSearch.Engine.Spaces;

/// <summary>
/// A distance as a similarity where higher is always better: cosine (vectors normalised once, at
/// write time, so scoring is a dot product), dot product, and negated Euclidean distance.
/// </summary>
public static class DenseSpace
{
    /// <summary>The vector as stored: a normalised copy for cosine, else a copy.</summary>
    public static float[] Prepare(Distance distance, IReadOnlyList<float> vector)
    {
        var stored = vector.ToArray();
        if (distance == Distance.Cosine)
        {
            float norm = TensorPrimitives.Norm(stored);
            if (norm > 0) TensorPrimitives.Divide(stored, norm, stored);
        }
        return stored;
    }

    public static float Score(Distance distance, ReadOnlySpan<float> query, ReadOnlySpan<float> stored) => distance switch
    {
        Distance.Euclid => -TensorPrimitives.Distance(query, stored),
        _ => TensorPrimitives.Dot(query, stored),
    };
}
