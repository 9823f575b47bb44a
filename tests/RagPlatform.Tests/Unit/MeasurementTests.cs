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
}
