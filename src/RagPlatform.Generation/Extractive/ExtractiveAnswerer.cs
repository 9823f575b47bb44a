using RagPlatform.Text;

namespace RagPlatform.Generation.Extractive;

/// <summary>A passage as the answerer sees it: its text and its sentence boundaries.</summary>
public sealed record AnswerPassage(string Text, IReadOnlyList<TextSpan> Sentences, float RetrievalScore);

/// <summary>One quoted sentence: which passage (0-based), where in it, and where in the answer.</summary>
public sealed record QuotedSentence(int Passage, TextSpan Span, TextSpan AnswerSpan);

public sealed record ExtractiveAnswer(string Text, IReadOnlyList<QuotedSentence> Quotes)
{
    public bool Found => Quotes.Count > 0;
}

/// <summary>
/// Answers by quoting: scores every sentence of the passages by the question terms it holds,
/// weighted by how rare each term is among the sentences, takes the best one, then adds the few
/// sentences that cover question terms the chosen ones miss. Every sentence is cited. It writes
/// nothing of its own, which is why it can run offline and never invents a fact.
/// </summary>
public static class ExtractiveAnswerer
{
    public const string ModelName = "extractive";
    public const string NoAnswer = "The sources do not contain an answer to this question.";
    private const int MaxSentences = 3;
    private const double MinimumGainRatio = 0.35;

    public static ExtractiveAnswer Answer(string question, IReadOnlyList<AnswerPassage> passages)
    {
        var questionTerms = TextAnalyzer.Terms(question).ToHashSet(StringComparer.Ordinal);
        var candidates = new List<Candidate>();
        for (int p = 0; p < passages.Count; p++)
        {
            var passage = passages[p];
            var sentences = passage.Sentences.Count > 0 ? passage.Sentences : SentenceSplitter.Split(passage.Text);
            for (int s = 0; s < sentences.Count; s++)
            {
                var span = sentences[s];
                if (span.Start < 0 || span.End > passage.Text.Length || span.Length <= 0) continue;
                var terms = TextAnalyzer.Terms(passage.Text.AsSpan(span.Start, span.Length)).ToHashSet(StringComparer.Ordinal);
                terms.IntersectWith(questionTerms);
                candidates.Add(new Candidate(p, s, span, terms, passage.RetrievalScore));
            }
        }
        if (questionTerms.Count == 0 || candidates.Count == 0)
            return new ExtractiveAnswer(NoAnswer, []);

        var idf = InverseSentenceFrequency(candidates, questionTerms);
        double Gain(Candidate c, HashSet<string> covered) => c.Terms.Where(t => !covered.Contains(t)).Sum(t => idf[t]);

        var covered = new HashSet<string>(StringComparer.Ordinal);
        var chosen = new List<Candidate>();
        double best = 0;
        while (chosen.Count < MaxSentences)
        {
            // Ties go to the better-retrieved passage, then the earlier sentence.
            var next = candidates.Except(chosen)
                .Select(c => (Candidate: c, Gain: Gain(c, covered)))
                .OrderByDescending(x => x.Gain).ThenByDescending(x => x.Candidate.RetrievalScore)
                .ThenBy(x => x.Candidate.Passage).ThenBy(x => x.Candidate.Sentence)
                .FirstOrDefault();
            if (next.Candidate is null || next.Gain <= 0 || (chosen.Count > 0 && next.Gain < MinimumGainRatio * best))
                break;
            if (chosen.Count == 0) best = next.Gain;
            chosen.Add(next.Candidate);
            covered.UnionWith(next.Candidate.Terms);
        }
        if (chosen.Count == 0)
            return new ExtractiveAnswer(NoAnswer, []);

        // Read in source order: passage by passage, sentence by sentence.
        var text = new System.Text.StringBuilder();
        var quotes = new List<QuotedSentence>();
        foreach (var c in chosen.OrderBy(c => c.Passage).ThenBy(c => c.Sentence))
        {
            if (text.Length > 0) text.Append(' ');
            int start = text.Length;
            text.Append(passages[c.Passage].Text, c.Span.Start, c.Span.Length);
            quotes.Add(new QuotedSentence(c.Passage, c.Span, new TextSpan(start, text.Length)));
            text.Append(" [").Append(c.Passage + 1).Append(']');
        }
        return new ExtractiveAnswer(text.ToString(), quotes);
    }

    private static Dictionary<string, double> InverseSentenceFrequency(List<Candidate> candidates, HashSet<string> questionTerms)
    {
        var idf = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var term in questionTerms)
        {
            int df = candidates.Count(c => c.Terms.Contains(term));
            idf[term] = Math.Log(1 + (candidates.Count - df + 0.5) / (df + 0.5));
        }
        return idf;
    }

    private sealed record Candidate(int Passage, int Sentence, TextSpan Span, HashSet<string> Terms, float RetrievalScore);
}
