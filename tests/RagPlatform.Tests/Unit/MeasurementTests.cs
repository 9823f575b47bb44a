using RagPlatform.Cli.Measurement;

namespace RagPlatform.Tests.Unit;

public sealed class MeasurementTests
{
    private static readonly Dictionary<string, int> Judged = new() { ["d1"] = 2, ["d2"] = 1, ["d9"] = 0 };

    [Fact]
    public void Ndcg_uses_graded_gains_and_the_ideal_ranking()
    {
        Assert.Equal(1.0, RetrievalMetrics.NdcgAt(10, ["d1", "d2", "x"], Judged), 10);
        double dcg = 1 / Math.Log2(2) + 2 / Math.Log2(3);
        double ideal = 2 / Math.Log2(2) + 1 / Math.Log2(3);
        Assert.Equal(dcg / ideal, RetrievalMetrics.NdcgAt(10, ["d2", "d1"], Judged), 10);
        Assert.Equal(0.0, RetrievalMetrics.NdcgAt(1, ["x", "d1"], Judged));
    }

    [Fact]
    public void Recall_and_reciprocal_rank_count_only_relevant_documents()
    {
        Assert.Equal(0.5, RetrievalMetrics.RecallAt(2, ["d9", "d2", "d1"], Judged));
        Assert.Equal(0.5, RetrievalMetrics.ReciprocalRankAt(10, ["d9", "d2"], Judged));
        Assert.Equal(0.0, RetrievalMetrics.ReciprocalRankAt(1, ["d9", "d2"], Judged));
    }

    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        var stats = LatencyStats.Of(Enumerable.Range(1, 100).Select(i => (double)i).ToList());
        Assert.Equal(50, stats.P50);
        Assert.Equal(99, stats.P99);
        Assert.Equal(50.5, stats.Mean);
    }

    [Fact]
    public void The_paired_bootstrap_interval_brackets_the_mean_gain_and_excludes_zero_only_for_a_consistent_gain()
    {
        var consistent = Enumerable.Range(0, 100).Select(i => 0.05 + (i % 10 - 4.5) * 0.01).ToArray();
        var (low, high) = PairedBootstrap.Interval(consistent, 2000, seed: 3);
        Assert.InRange(consistent.Average(), low, high);
        Assert.True(low > 0, $"[{low}, {high}]");
        var noise = Enumerable.Range(0, 100).Select(i => i % 2 == 0 ? 0.3 : -0.3).ToArray();
        var (noiseLow, noiseHigh) = PairedBootstrap.Interval(noise, 2000, seed: 3);
        Assert.True(noiseLow < 0 && noiseHigh > 0, $"[{noiseLow}, {noiseHigh}]");
        Assert.Equal((low, high), PairedBootstrap.Interval(consistent, 2000, seed: 3));
    }
}
