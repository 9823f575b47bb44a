using RagPlatform.VectorSearch.Engine.Fusion;
using ContractFusion = RagPlatform.Contracts.Vectors.V1.Fusion;

namespace RagPlatform.VectorSearch.Backends.Qdrant;

/// <summary>
/// Which hybrid fusions Qdrant computes exactly as <see cref="ScoreFusion"/> does, and how.
/// <list type="bullet">
/// <item>RRF: Qdrant scores position p (from 0) as 1 / ((p + 1) / w + k - 1); ours is w / (k + p + 1).
/// With Qdrant's k = ours + 1 and equal weights they agree up to the common factor w, which is
/// applied to the results. Unequal weights stretch Qdrant's positions instead of scaling scores,
/// so they are fused above the backend.</item>
/// <item>DBSF: Qdrant normalises with the sample standard deviation, does not clamp, and treats
/// Euclidean distances as if larger were better; ours uses the population deviation and clamps
/// to [0, 1]. Fused above the backend.</item>
/// <item>Weighted min-max blend: Qdrant has none. Fused above the backend.</item>
/// </list>
/// </summary>
public static class QdrantFusion
{
    public static bool IsNative(ContractFusion? fusion) => RrfWeight(fusion) is > 0;

    /// <summary>Qdrant's k for the contract's (zero means 60).</summary>
    public static int QdrantK(ContractFusion? fusion) =>
        (fusion?.Rrf is { K: > 0 } rrf ? (int)rrf.K : ScoreFusion.DefaultRrfK) + 1;

    /// <summary>The factor Qdrant's RRF scores take to equal ours.</summary>
    public static float ScoreFactor(ContractFusion? fusion) => RrfWeight(fusion) ?? 1f;

    /// <summary>The common weight of both lists when fusion is RRF with equal weights; else null.</summary>
    private static float? RrfWeight(ContractFusion? fusion)
    {
        if (fusion is not null && fusion.MethodCase is not (ContractFusion.MethodOneofCase.None or ContractFusion.MethodOneofCase.Rrf))
            return null;
        var rrf = fusion?.Rrf;
        if (rrf is null || (rrf.DenseWeight == 0 && rrf.SparseWeight == 0))
            return 1f;
        return rrf.DenseWeight == rrf.SparseWeight ? rrf.DenseWeight : null;
    }
}
