using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.VectorSearch.Engine.Fusion;

namespace RagPlatform.Tests.Unit;

public sealed class ScoreFusionTests
{
    private static readonly List<(string Key, float Score)> Dense = [("a", 0.9f), ("b", 0.8f), ("c", 0.1f)];
    private static readonly List<(string Key, float Score)> Sparse = [("c", 12f), ("d", 6f), ("a", 3f)];

    [Fact]
    public void Rrf_sums_reciprocal_ranks_with_k_and_weights()
    {
        var fused = ScoreFusion.Fuse(Dense, Sparse, new Fusion { Rrf = new Rrf { K = 10, DenseWeight = 1, SparseWeight = 2 } });
        var score = fused.ToDictionary(f => f.Key, f => f.Score);
        Assert.Equal(1f / 11 + 2f / 13, score["a"], 5);
        Assert.Equal(1f / 13 + 2f / 11, score["c"], 5);
        Assert.Equal(2f / 12, score["d"], 5);
        Assert.Equal(["c", "a", "d", "b"], fused.Select(f => f.Key));
        Assert.Equal(0.9f, fused.Single(f => f.Key == "a").DenseScore);
        Assert.Equal(3f, fused.Single(f => f.Key == "a").SparseScore);
        Assert.Null(fused.Single(f => f.Key == "d").DenseScore);
    }

    [Fact]
    public void Default_is_rrf_with_k_60_and_equal_weights()
    {
        var fused = ScoreFusion.Fuse(Dense, Sparse, null).ToDictionary(f => f.Key, f => f.Score);
        Assert.Equal(1f / 61 + 1f / 63, fused["a"], 6);
    }

    [Fact]
    public void Weighted_blend_min_max_normalises_each_list()
    {
        var fused = ScoreFusion.Fuse(Dense, Sparse, new Fusion { Weighted = new WeightedBlend { DenseWeight = 0.3f } })
            .ToDictionary(f => f.Key, f => f.Score);
        // dense: a 1, b 0.875, c 0; sparse: c 1, d 1/3, a 0
        Assert.Equal(0.3f * 1 + 0.7f * 0, fused["a"], 5);
        Assert.Equal(0.3f * 0.875f, fused["b"], 5);
        Assert.Equal(0.3f * 0 + 0.7f * 1, fused["c"], 5);
        Assert.Equal(0.7f / 3, fused["d"], 5);
    }

    [Fact]
    public void Dbsf_scales_each_list_by_mean_and_three_deviations()
    {
        var fused = ScoreFusion.Fuse(Dense, Sparse, new Fusion { Dbsf = new Dbsf() }).ToDictionary(f => f.Key, f => f.Score);
        static float Scaled(float x, float[] all)
        {
            double mean = all.Average(), std = Math.Sqrt(all.Average(v => (v - mean) * (v - mean)));
            return (float)((x - (mean - 3 * std)) / (6 * std));
        }
        float[] dense = [0.9f, 0.8f, 0.1f], sparse = [12f, 6f, 3f];
        Assert.Equal(Scaled(0.9f, dense) + Scaled(3f, sparse), fused["a"], 5);
        Assert.Equal(Scaled(6f, sparse), fused["d"], 5);
    }
}
