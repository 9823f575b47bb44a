namespace RagPlatform.Generation.Extractive;

/// <summary>
/// Chooses the sentences to quote: the best-scored one, then, greedily, the sentence that covers
/// the most of the question's still uncovered content terms (by rarity; ties to the better score,
/// then the shorter sentence), until the terms any sentence holds are covered, the next sentence
/// adds too little, or the cap is reached. Greedy set cover: a short set, not always the shortest.
/// </summary>
internal static class SentenceCover
{
    /// <summary>Below this cosine, a sentence that shares no term with the question is not an answer.</summary>
    private const float MinimumSimilarityAlone = 0.5f;

    public static List<ScoredSentence> Choose(List<ScoredSentence> sentences, Dictionary<string, double> idf, ExtractiveSettings settings)
    {
        var first = sentences
            .OrderByDescending(s => s.Score).ThenBy(s => s.Passage).ThenBy(s => s.Index)
            .FirstOrDefault();
        if (first is null || first.Score <= 0 || (first.Matched.Count == 0 && (first.Similarity ?? 0) < MinimumSimilarityAlone))
            return [];

        var chosen = new List<ScoredSentence> { first };
        var covered = new HashSet<string>(first.Matched, StringComparer.Ordinal);
        double firstWeight = first.Matched.Sum(t => idf[t]);
        double Gain(ScoredSentence s) => s.Matched.Where(t => !covered.Contains(t)).Sum(t => idf[t]);
        while (chosen.Count < settings.MaxSentences)
        {
            var next = sentences
                .Where(s => !chosen.Contains(s))
                .Select(s => (Sentence: s, Gain: Gain(s)))
                .Where(x => x.Gain > 0)
                .OrderByDescending(x => x.Gain).ThenByDescending(x => x.Sentence.Score).ThenBy(x => x.Sentence.Span.Length)
                .FirstOrDefault();
            if (next.Sentence is null || next.Gain < settings.MinimumGainRatio * firstWeight)
                break;
            chosen.Add(next.Sentence);
            covered.UnionWith(next.Sentence.Matched);
        }
        return chosen;
    }
}
