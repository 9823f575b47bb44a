using System.Text;
using RagPlatform.Text;

namespace RagPlatform.Generation.Extractive;

/// <summary>
/// A passage as the answerer sees it: its text, its sentence boundaries, and (when its sentence
/// vectors were computed at ingest) each sentence's cosine with the question.
/// </summary>
public sealed record AnswerPassage(string Text, IReadOnlyList<TextSpan> Sentences, float RetrievalScore,
    IReadOnlyList<float>? Similarities = null);

/// <summary>One quoted sentence: which passage (0-based), where in it, and the claim it supports in the answer.</summary>
public sealed record QuotedSentence(int Passage, TextSpan Span, TextSpan AnswerSpan);

public sealed record ExtractiveAnswer(string Text, IReadOnlyList<QuotedSentence> Quotes)
{
    public bool Found => Quotes.Count > 0;
}

/// <summary>
/// Answers by quoting: scores every sentence of the passages against the question (lexically and,
/// where sentence vectors came along, by meaning), quotes the best one plus the few that cover the
/// question's terms it misses, and cites each. When the question asks for a date, quantity or name
/// that the best sentence holds, the answer is that short span, with the sentence cited as its
/// support. It writes nothing of its own, which is why it can run offline and never invents a fact.
/// </summary>
public static class ExtractiveAnswerer
{
    public const string ModelName = "extractive";
    public const string NoAnswer = "The sources do not contain an answer to this question.";

    public static ExtractiveAnswer Answer(string question, IReadOnlyList<AnswerPassage> passages, ExtractiveSettings? settings = null)
    {
        settings ??= new ExtractiveSettings();
        var questionTerms = TextAnalyzer.Terms(question).ToHashSet(StringComparer.Ordinal);
        if (questionTerms.Count == 0 || passages.Count == 0)
            return new ExtractiveAnswer(NoAnswer, []);

        var (sentences, idf) = SentenceScorer.Score(questionTerms, passages, settings);
        var chosen = SentenceCover.Choose(sentences, idf, settings);
        if (chosen.Count == 0)
            return new ExtractiveAnswer(NoAnswer, []);

        var best = chosen[0];
        if (settings.ShortAnswers && AnswerSpanFinder.Find(question, questionTerms, passages[best.Passage].Text, best.Span) is { } span)
        {
            var shortAnswer = passages[best.Passage].Text[span.Start..span.End];
            return new ExtractiveAnswer($"{shortAnswer} [{best.Passage + 1}]",
                [new QuotedSentence(best.Passage, best.Span, new TextSpan(0, shortAnswer.Length))]);
        }

        // Read in source order: passage by passage, sentence by sentence.
        var text = new StringBuilder();
        var quotes = new List<QuotedSentence>();
        foreach (var c in chosen.OrderBy(c => c.Passage).ThenBy(c => c.Index))
        {
            if (text.Length > 0) text.Append(' ');
            int start = text.Length;
            text.Append(passages[c.Passage].Text, c.Span.Start, c.Span.Length);
            quotes.Add(new QuotedSentence(c.Passage, c.Span, new TextSpan(start, text.Length)));
            text.Append(" [").Append(c.Passage + 1).Append(']');
        }
        return new ExtractiveAnswer(text.ToString(), quotes);
    }
}
