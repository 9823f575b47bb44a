namespace RagPlatform.Cli.Measurement;

/// <summary>
/// The standard ranking metrics over graded relevance judgments: nDCG@k (gain = judged grade,
/// log2 discount, ideal ranking from the judgments), recall@k and MRR@k.
/// </summary>
public static class RetrievalMetrics
{
    public static double NdcgAt(int k, IReadOnlyList<string> ranking, IReadOnlyDictionary<string, int> judgments)
    {
        double dcg = 0;
        for (int i = 0; i < Math.Min(k, ranking.Count); i++)
            if (judgments.TryGetValue(ranking[i], out var grade) && grade > 0)
                dcg += grade / Math.Log2(i + 2);
        var ideal = judgments.Values.Where(g => g > 0).OrderDescending().Take(k).Select((g, i) => g / Math.Log2(i + 2)).Sum();
        return ideal > 0 ? dcg / ideal : 0;
    }

    public static double RecallAt(int k, IReadOnlyList<string> ranking, IReadOnlyDictionary<string, int> judgments)
    {
        int relevant = judgments.Values.Count(g => g > 0);
        if (relevant == 0) return 0;
        return (double)ranking.Take(k).Count(d => judgments.TryGetValue(d, out var g) && g > 0) / relevant;
    }

    public static double ReciprocalRankAt(int k, IReadOnlyList<string> ranking, IReadOnlyDictionary<string, int> judgments)
    {
        for (int i = 0; i < Math.Min(k, ranking.Count); i++)
            if (judgments.TryGetValue(ranking[i], out var grade) && grade > 0)
                return 1.0 / (i + 1);
        return 0;
    }
}
