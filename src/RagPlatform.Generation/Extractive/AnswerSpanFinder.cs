using System.Text.RegularExpressions;
using RagPlatform.Text;

namespace RagPlatform.Generation.Extractive;

/// <summary>
/// Finds the short answer inside a sentence when the question asks for a kind of thing that can be
/// recognised by its form: a date or year ("when", "what year"), a quantity ("how many", "what
/// percentage"), or a name ("who", "where"). Of the spans of that form that the question does not
/// already hold, the one nearest the question's words in the sentence is taken.
/// </summary>
internal static partial class AnswerSpanFinder
{
    internal enum Kind { None, Date, Quantity, Name }

    public static Kind Classify(string question)
    {
        var q = question.Trim().ToLowerInvariant();
        if (q.StartsWith("when ") || WhatYear().IsMatch(q)) return Kind.Date;
        if (HowMuch().IsMatch(q)) return Kind.Quantity;
        if (q.StartsWith("who ") || q.StartsWith("whom ") || q.StartsWith("whose ") || q.StartsWith("where ")) return Kind.Name;
        return Kind.None;
    }

    /// <summary>The answer span within the passage text, or null when the sentence holds none of the asked form.</summary>
    public static TextSpan? Find(string question, HashSet<string> questionTerms, string text, TextSpan sentence)
    {
        var pattern = Classify(question) switch
        {
            Kind.Date => DatePattern(),
            Kind.Quantity => QuantityPattern(),
            Kind.Name => NamePattern(),
            _ => null,
        };
        if (pattern is null) return null;
        var body = text.Substring(sentence.Start, sentence.Length);

        // Where the question's words sit in the sentence: the answer is usually near them.
        var anchors = new List<int>();
        foreach (Match word in Word().Matches(body))
            if (TextAnalyzer.Terms(word.ValueSpan) is [var term] && questionTerms.Contains(term))
                anchors.Add(word.Index);

        TextSpan? best = null;
        int bestDistance = int.MaxValue;
        foreach (Match candidate in pattern.Matches(body))
        {
            var value = candidate.Value.Trim().TrimEnd('.', ',', '-');
            if (value.Length == 0) continue;
            var terms = TextAnalyzer.Terms(value);
            if (terms.Count == 0 || terms.All(questionTerms.Contains)) continue;
            // A name that opens the sentence is as often a plain capitalised word.
            if (pattern == NamePattern() && candidate.Index == 0 && !value.Contains(' ')) continue;
            int distance = anchors.Count == 0 ? candidate.Index
                : anchors.Min(a => a < candidate.Index ? candidate.Index - a : a > candidate.Index + candidate.Length ? a - candidate.Index - candidate.Length : 0);
            if (distance < bestDistance)
            {
                bestDistance = distance;
                int start = sentence.Start + candidate.Index + (candidate.Value.Length - candidate.Value.TrimStart().Length);
                best = new TextSpan(start, start + value.Length);
            }
        }
        return best;
    }

    [GeneratedRegex(@"\b(what|which|in what|in which) (year|date|day|month|century|decade|time|period)\b")]
    private static partial Regex WhatYear();

    [GeneratedRegex(@"\b(how (many|much|long|old|far|large|big|tall|high|often|fast)|what (percentage|percent|proportion|number|amount))\b")]
    private static partial Regex HowMuch();

    [GeneratedRegex(@"\b(?:(?:January|February|March|April|May|June|July|August|September|October|November|December)(?:\s+\d{1,2}(?:st|nd|rd|th)?)?,?\s+\d{3,4}|\d{1,2}\s+(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{3,4}|\d{1,2}(?:st|nd|rd|th)\s+century|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)|(?<![\d,.])\d{3,4}s?(?![,.]?\d))\b")]
    private static partial Regex DatePattern();

    [GeneratedRegex(@"(?:\$|£|€)?\b\d[\d,]*(?:\.\d+)?(?:\s*(?:%|percent|per cent|million|billion|trillion|thousand|hundred))?|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million)(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine|hundred|thousand|million))*\b")]
    private static partial Regex QuantityPattern();

    [GeneratedRegex(@"\b\p{Lu}[\p{L}'\-.]*(?:\s+(?:(?:of|de|von|van|der|da|la|du|del)\s+)?\p{Lu}[\p{L}'\-.]*)*")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"[\p{L}\p{N}][\p{L}\p{N}'\-]*")]
    private static partial Regex Word();
}
