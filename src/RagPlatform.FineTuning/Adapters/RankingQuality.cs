using System.Numerics.Tensors;

namespace RagPlatform.FineTuning.Adapters;

/// <summary>nDCG@10 of validation queries ranked against the document pool (binary gains).</summary>
public static class RankingQuality
{
    public static double NdcgAt10(AdapterValidationSet validation, float[][] documents, float[] residual, int dimension)
    {
        if (validation.Queries.Length == 0) return 0;
        var adapted = new float[dimension];
        var scores = new float[documents.Length];
        double total = 0;
        for (int i = 0; i < validation.Queries.Length; i++)
        {
            QueryAdapter.Apply(residual, dimension, validation.Queries[i], adapted);
            for (int d = 0; d < documents.Length; d++) scores[d] = TensorPrimitives.Dot(adapted, documents[d]);
            total += Ndcg(scores, validation.Relevant[i], 10);
        }
        return total / validation.Queries.Length;
    }

    /// <summary>nDCG@k of one ranking given by scores (ties broken by index, so the figure is deterministic).</summary>
    public static double Ndcg(ReadOnlySpan<float> scores, IReadOnlySet<int> relevant, int k)
    {
        var top = new List<int>(k + 1);
        for (int d = 0; d < scores.Length; d++)
        {
            int at = top.Count;
            while (at > 0 && scores[top[at - 1]] < scores[d]) at--;
            if (at >= k) continue;
            top.Insert(at, d);
            if (top.Count > k) top.RemoveAt(k);
        }
        double dcg = 0, ideal = 0;
        for (int rank = 0; rank < top.Count; rank++)
            if (relevant.Contains(top[rank])) dcg += 1 / Math.Log2(rank + 2);
        for (int rank = 0; rank < Math.Min(k, relevant.Count); rank++) ideal += 1 / Math.Log2(rank + 2);
        return ideal == 0 ? 0 : dcg / ideal;
    }
}
