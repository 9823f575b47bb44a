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

    [Fact]
    public void Cross_fitting_folds_put_every_query_in_one_fold_balanced_and_the_same_whatever_the_order()
    {
        var ids = Enumerable.Range(0, 653).Select(i => $"claim-{i}").ToList();
        var folds = CrossFitting.Folds(ids, 5);
        Assert.All(folds, f => Assert.InRange(f, 0, 4));
        var sizes = folds.GroupBy(f => f).Select(g => g.Count()).ToList();
        Assert.Equal(5, sizes.Count);
        Assert.True(sizes.Max() - sizes.Min() <= 1, string.Join(",", sizes));
        // Folds follow the ids, not their order in the file, so a reordered split keeps its folds.
        var reversed = ids.AsEnumerable().Reverse().ToList();
        var foldsReversed = CrossFitting.Folds(reversed, 5);
        Assert.All(Enumerable.Range(0, ids.Count), i => Assert.Equal(folds[i], foldsReversed[ids.Count - 1 - i]));
        // Not simply by position: neighbours land in different folds often.
        Assert.NotEqual(Enumerable.Range(0, ids.Count).Select(i => i % 5), folds);
    }

    [Fact]
    public void A_gain_summary_is_the_mean_paired_difference_on_its_subset_only()
    {
        double[] baseScores = [0.1, 0.2, 0.3, 0.9];
        double[] adapted = [0.3, 0.4, 0.5, 0.0];
        var subset = GainSummary.Of("first three", baseScores, adapted, [0, 1, 2]);
        Assert.Equal(3, subset.Queries);
        Assert.Equal(0.2, subset.Base, 10);
        Assert.Equal(0.4, subset.Adapted, 10);
        Assert.Equal(0.2, subset.Gain, 10);
        Assert.Equal(0.2, subset.Low, 10); // every difference is 0.2, so every resample is too
        Assert.Equal(0.2, subset.High, 10);
        Assert.Equal(0, GainSummary.Of("none", baseScores, adapted, []).Queries);
    }
}
