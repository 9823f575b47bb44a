using RagPlatform.Text;

namespace RagPlatform.Generation.Extractive;

/// <summary>A sentence of a passage as the answerer weighs it.</summary>
internal sealed class ScoredSentence(int passage, int index, TextSpan span, HashSet<string> matched, double score, float? similarity)
{
    public int Passage { get; } = passage;
    public int Index { get; } = index;
    public TextSpan Span { get; } = span;
    /// <summary>The question's content terms this sentence holds.</summary>
    public HashSet<string> Matched { get; } = matched;
    /// <summary>Lexical and embedding relevance blended, in [0, 1].</summary>
    public double Score { get; } = score;
    /// <summary>Cosine of the sentence's vector with the question's; null without vectors.</summary>
    public float? Similarity { get; } = similarity;
}

/// <summary>
/// Scores every sentence of the passages against the question: BM25 over sentences (term rarity
/// taken from the passages' own sentences, so it needs no corpus statistics) and, where the passage
/// brought sentence vectors of the question's space, their cosine with the question. Each signal is
/// scaled by its best value among the sentences, then blended by <see cref="ExtractiveSettings.EmbeddingWeight"/>.
/// </summary>
internal static class SentenceScorer
{
    private const double K1 = 1.2;
    private const double B = 0.75;

    public static (List<ScoredSentence> Sentences, Dictionary<string, double> Idf) Score(
        HashSet<string> questionTerms, IReadOnlyList<AnswerPassage> passages, ExtractiveSettings settings)
    {
        var raw = new List<(int Passage, int Index, TextSpan Span, Dictionary<string, int> Counts, int Length, float? Similarity)>();
        for (int p = 0; p < passages.Count; p++)
        {
            var passage = passages[p];
            var sentences = passage.Sentences.Count > 0 ? passage.Sentences : SentenceSplitter.Split(passage.Text);
            bool hasSimilarities = passage.Similarities is { } sims && sims.Count == sentences.Count;
            for (int s = 0; s < sentences.Count; s++)
            {
                var span = sentences[s];
                if (span.Start < 0 || span.End > passage.Text.Length || span.Length <= 0) continue;
                var counts = new Dictionary<string, int>(StringComparer.Ordinal);
                int length = 0;
                TextAnalyzer.Analyze(passage.Text.AsSpan(span.Start, span.Length), term =>
                {
                    length++;
                    if (questionTerms.Contains(term)) counts[term] = counts.GetValueOrDefault(term) + 1;
                });
                raw.Add((p, s, span, counts, length, hasSimilarities ? passage.Similarities![s] : null));
            }
        }

        var idf = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var term in questionTerms)
        {
            int df = raw.Count(r => r.Counts.ContainsKey(term));
            idf[term] = Math.Log(1 + (raw.Count - df + 0.5) / (df + 0.5));
        }
        double averageLength = raw.Count == 0 ? 1 : Math.Max(1, raw.Average(r => r.Length));
        var lexical = raw.Select(r => r.Counts.Sum(c => idf[c.Key] * c.Value * (K1 + 1) / (c.Value + K1 * (1 - B + B * r.Length / averageLength)))).ToArray();
        double bestLexical = lexical.DefaultIfEmpty(0).Max();
        double bestSimilarity = raw.Select(r => (double)(r.Similarity ?? 0)).DefaultIfEmpty(0).Max();

        var scored = new List<ScoredSentence>(raw.Count);
        for (int i = 0; i < raw.Count; i++)
        {
            var r = raw[i];
            double lex = bestLexical > 0 ? lexical[i] / bestLexical : 0;
            // A sentence without a vector (a passage stored before sentence vectors) is weighed lexically alone.
            double score = r.Similarity is { } similarity && bestSimilarity > 0
                ? (1 - settings.EmbeddingWeight) * lex + settings.EmbeddingWeight * Math.Max(0, similarity) / bestSimilarity
                : lex;
            scored.Add(new ScoredSentence(r.Passage, r.Index, r.Span, [.. r.Counts.Keys], score, r.Similarity));
        }
        return (scored, idf);
    }
}
