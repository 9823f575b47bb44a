using RagPlatform.Contracts.Vectors.V1;

namespace RagPlatform.VectorSearch.Engine.Fusion;

/// <summary>A fused hit: its final score and its score in each input list, if it appeared there.</summary>
public sealed record FusedHit<TKey>(TKey Key, float Score, float? DenseScore, float? SparseScore);

/// <summary>
/// Merges a dense and a sparse result list (each best first) into one. Computed here, above any
/// backend, so every backend fuses the same way, including fusions a backend lacks.
/// </summary>
public static class ScoreFusion
{
    public const int DefaultRrfK = 60;

    public static List<FusedHit<TKey>> Fuse<TKey>(
        IReadOnlyList<(TKey Key, float Score)> dense, IReadOnlyList<(TKey Key, float Score)> sparse, Contracts.Vectors.V1.Fusion? fusion)
        where TKey : notnull
    {
        var method = fusion?.MethodCase ?? Contracts.Vectors.V1.Fusion.MethodOneofCase.None;
        var denseScores = Contribution(dense, method, fusion, isDense: true);
        var sparseScores = Contribution(sparse, method, fusion, isDense: false);

        var fused = new Dictionary<TKey, (float Score, float? Dense, float? Sparse)>();
        foreach (var (key, score) in dense)
            fused[key] = (denseScores[key], score, null);
        foreach (var (key, score) in sparse)
        {
            fused.TryGetValue(key, out var entry);
            fused[key] = (entry.Score + sparseScores[key], entry.Dense, score);
        }
        // Stable order on ties: first by score, then by best single-list position (dense first).
        var order = new Dictionary<TKey, int>();
        for (int i = 0; i < Math.Max(dense.Count, sparse.Count); i++)
        {
            if (i < dense.Count) order.TryAdd(dense[i].Key, order.Count);
            if (i < sparse.Count) order.TryAdd(sparse[i].Key, order.Count);
        }
        return fused
            .OrderByDescending(e => e.Value.Score).ThenBy(e => order[e.Key])
            .Select(e => new FusedHit<TKey>(e.Key, e.Value.Score, e.Value.Dense, e.Value.Sparse))
            .ToList();
    }

    private static Dictionary<TKey, float> Contribution<TKey>(
        IReadOnlyList<(TKey Key, float Score)> list, Contracts.Vectors.V1.Fusion.MethodOneofCase method,
        Contracts.Vectors.V1.Fusion? fusion, bool isDense) where TKey : notnull
    {
        var result = new Dictionary<TKey, float>(list.Count);
        switch (method)
        {
            case Contracts.Vectors.V1.Fusion.MethodOneofCase.Dbsf:
            {
                // Distribution-based: scale by mean ± 3 standard deviations of this list.
                if (list.Count == 0) break;
                double mean = list.Average(h => h.Score);
                double std = Math.Sqrt(list.Average(h => (h.Score - mean) * (h.Score - mean)));
                double low = mean - 3 * std, range = 6 * std;
                foreach (var (key, score) in list)
                    result[key] = range > 0 ? (float)Math.Clamp((score - low) / range, 0, 1) : 0.5f;
                break;
            }
            case Contracts.Vectors.V1.Fusion.MethodOneofCase.Weighted:
            {
                // Convex blend of min-max-normalised scores; a list's best gets 1, its worst 0.
                float weight = isDense ? fusion!.Weighted.DenseWeight : 1 - fusion!.Weighted.DenseWeight;
                if (list.Count == 0) break;
                float max = list.Max(h => h.Score), min = list.Min(h => h.Score);
                foreach (var (key, score) in list)
                    result[key] = weight * (max > min ? (score - min) / (max - min) : 1f);
                break;
            }
            default:
            {
                var rrf = fusion?.Rrf;
                int k = rrf is { K: > 0 } ? (int)rrf.K : DefaultRrfK;
                bool weighted = rrf is not null && (rrf.DenseWeight != 0 || rrf.SparseWeight != 0);
                float weight = !weighted ? 1f : isDense ? rrf!.DenseWeight : rrf!.SparseWeight;
                for (int rank = 0; rank < list.Count; rank++)
                    result[list[rank].Key] = weight / (k + rank + 1);
                break;
            }
        }
        return result;
    }
}
