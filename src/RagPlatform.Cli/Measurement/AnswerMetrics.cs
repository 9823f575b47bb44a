using System.Text;
using System.Text.RegularExpressions;

namespace RagPlatform.Cli.Measurement;

/// <summary>
/// SQuAD's answer scores: exact match and token F1 after its normalisation (lower case, no
/// punctuation, no articles "a", "an", "the", single spaces), the best over the gold answers.
/// Citation markers ([1], [2, 3]) are not part of an answer's words.
/// </summary>
public static partial class AnswerMetrics
{
    [GeneratedRegex(@"\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]")]
    private static partial Regex CitationMarker();

    [GeneratedRegex(@"\b(a|an|the)\b")]
    private static partial Regex Article();

    public static string Normalize(string text)
    {
        var lower = CitationMarker().Replace(text, " ").ToLowerInvariant();
        var kept = new StringBuilder(lower.Length);
        foreach (char c in lower)
            if (!char.IsPunctuation(c) && !char.IsSymbol(c)) kept.Append(c);
        return string.Join(' ', Article().Replace(kept.ToString(), " ").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    public static double ExactMatch(string answer, IReadOnlyList<string> gold)
    {
        var normalized = Normalize(answer);
        return gold.Any(g => Normalize(g) == normalized) ? 1 : 0;
    }

    public static double TokenF1(string answer, IReadOnlyList<string> gold) =>
        gold.Count == 0 ? 0 : gold.Max(g => TokenF1(Normalize(answer), Normalize(g)));

    private static double TokenF1(string predicted, string truth)
    {
        var p = predicted.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var t = truth.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (p.Length == 0 || t.Length == 0)
            return p.Length == t.Length ? 1 : 0;
        var remaining = t.GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count());
        int common = 0;
        foreach (var word in p)
        {
            if (remaining.TryGetValue(word, out int n) && n > 0)
            {
                remaining[word] = n - 1;
                common++;
            }
        }
        if (common == 0) return 0;
        double precision = (double)common / p.Length, recall = (double)common / t.Length;
        return 2 * precision * recall / (precision + recall);
    }
}
