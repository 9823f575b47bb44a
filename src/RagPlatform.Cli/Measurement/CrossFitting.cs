using System.Security.Cryptography;
using System.Text;

namespace RagPlatform.Cli.Measurement;

/// <summary>
/// Folds for cross-fitting: every query in exactly one fold, balanced, by a hash of its id, so the
/// folds are the same on every run and for every seed.
/// </summary>
public static class CrossFitting
{
    public static int[] Folds(IReadOnlyList<string> ids, int folds)
    {
        var fold = new int[ids.Count];
        var order = Enumerable.Range(0, ids.Count).OrderBy(i => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ids[i]))), StringComparer.Ordinal)
            .ThenBy(i => i).ToArray();
        for (int rank = 0; rank < order.Length; rank++) fold[order[rank]] = rank % folds;
        return fold;
    }
}

/// <summary>The mean per-query gain of adapted over base scores on a subset of queries, with its paired bootstrap 95% interval.</summary>
public sealed record GainSummary(string Label, int Queries, double Base, double Adapted, double Gain, double Low, double High)
{
    public static GainSummary Of(string label, IReadOnlyList<double> baseScores, IReadOnlyList<double> adaptedScores, IEnumerable<int> subset)
    {
        var chosen = subset.ToList();
        if (chosen.Count == 0) return new GainSummary(label, 0, 0, 0, 0, 0, 0);
        var differences = chosen.Select(i => adaptedScores[i] - baseScores[i]).ToArray();
        var (low, high) = PairedBootstrap.Interval(differences, resamples: 10_000, seed: 1);
        return new GainSummary(label, chosen.Count, chosen.Average(i => baseScores[i]), chosen.Average(i => adaptedScores[i]), differences.Average(), low, high);
    }
}
