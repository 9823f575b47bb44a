using System.Numerics.Tensors;
using RagPlatform.Text;

namespace RagPlatform.Embedding.Encoders;

/// <summary>
/// A dense encoder without a trained model: analyzer terms and adjacent-term pairs hashed into
/// signed buckets (feature hashing), sublinearly weighted and L2-normalised. Deterministic and fast;
/// kept as a named backend for tests and as a floor to compare trained encoders against.
/// </summary>
public sealed class HashingEncoder : IDenseEncoder
{
    public const string ModelName = "hashing-v1";
    private const float PairWeight = 0.5f;

    public string Name => ModelName;
    public string EmbeddingSpace => ModelName;
    public int Dimension { get; } = 384;
    public int MaxTokens => 512;
    public string Backend => "hashing";

    public int CountTokens(string text) => TextAnalyzer.Terms(text).Count;

    public IReadOnlyList<DenseResult> Encode(IReadOnlyList<string> texts, bool isQuery)
    {
        var results = new DenseResult[texts.Count];
        for (int i = 0; i < texts.Count; i++)
            results[i] = EncodeOne(texts[i]);
        return results;
    }

    private DenseResult EncodeOne(string text)
    {
        var terms = TextAnalyzer.Terms(text);
        bool truncated = terms.Count > MaxTokens;
        int used = Math.Min(terms.Count, MaxTokens);
        var vector = new float[Dimension];
        for (int t = 0; t < used; t++)
        {
            uint id = TermIds.Of(terms[t]);
            Add(vector, id, 1f);
            if (t + 1 < used)
                Add(vector, id * 31 + TermIds.Of(terms[t + 1]), PairWeight);
        }
        // Sublinear weighting: a term repeated ten times should not drown the rest.
        for (int d = 0; d < vector.Length; d++)
            vector[d] = MathF.Sign(vector[d]) * MathF.Log(1 + MathF.Abs(vector[d]));
        float norm = TensorPrimitives.Norm(vector);
        if (norm > 0)
            TensorPrimitives.Divide(vector, norm, vector);
        return new DenseResult(vector, terms.Count, truncated);
    }

    private void Add(float[] vector, uint feature, float weight)
    {
        uint mixed = feature * 2654435761u;
        int bucket = (int)(mixed % (uint)Dimension);
        vector[bucket] += (mixed & 0x80000000u) != 0 ? -weight : weight;
    }
}
