using System.Globalization;
using System.Text;

namespace RagPlatform.Text;

/// <summary>
/// The keyword analyzer: splits on anything that is not a letter or digit, folds case and
/// diacritics, drops English stop words, and strips plural endings, so "Vaccines" and "vaccine"
/// meet. Used for sparse vectors and for lexical sentence scoring, so both agree on what a term is.
/// </summary>
public static class TextAnalyzer
{
    /// <summary>Calls <paramref name="onTerm"/> for every indexable term of the text, in order.</summary>
    public static void Analyze(ReadOnlySpan<char> text, Action<string> onTerm)
    {
        Span<char> buffer = stackalloc char[64];
        int length = 0;
        bool overflow = false;
        for (int i = 0; i <= text.Length; i++)
        {
            char c = i < text.Length ? text[i] : ' ';
            if (char.IsLetterOrDigit(c))
            {
                if (length < buffer.Length) buffer[length++] = c;
                else overflow = true;
                continue;
            }
            if (length > 0 && !overflow)
            {
                var term = Normalize(buffer[..length]);
                if (term is not null) onTerm(term);
            }
            length = 0;
            overflow = false;
        }
    }

    /// <summary>The terms of a text, in order, duplicates kept.</summary>
    public static List<string> Terms(ReadOnlySpan<char> text)
    {
        var terms = new List<string>();
        Analyze(text, terms.Add);
        return terms;
    }

    private static string? Normalize(ReadOnlySpan<char> word)
    {
        string folded = Fold(word);
        if (folded.Length == 0 || StopWords.Contains(folded))
            return null;
        return Stem(folded);
    }

    /// <summary>Lower case without diacritics ("Études" becomes "etudes").</summary>
    private static string Fold(ReadOnlySpan<char> word)
    {
        bool ascii = true;
        foreach (char c in word) ascii &= c < 128;
        if (ascii)
        {
            Span<char> lower = stackalloc char[word.Length];
            for (int i = 0; i < word.Length; i++) lower[i] = char.ToLowerInvariant(word[i]);
            return new string(lower);
        }
        var decomposed = word.ToString().ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var result = new StringBuilder(decomposed.Length);
        foreach (char c in decomposed)
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
                result.Append(c);
        return result.ToString().Normalize(NormalizationForm.FormC);
    }

    /// <summary>Harman's S-stemmer: conservative plural stripping that rarely conflates unrelated words.</summary>
    private static string Stem(string word)
    {
        if (word.Length < 4 || !word.EndsWith('s') || char.IsDigit(word[0]))
            return word;
        if (word.EndsWith("ies") && !word.EndsWith("eies") && !word.EndsWith("aies"))
            return word[..^3] + "y";
        if (word.EndsWith("es") && !word.EndsWith("aes") && !word.EndsWith("ees") && !word.EndsWith("oes"))
            return word[..^1];
        if (!word.EndsWith("us") && !word.EndsWith("ss"))
            return word[..^1];
        return word;
    }

    private static readonly HashSet<string> StopWords =
    [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
        "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
        "they", "this", "to", "was", "will", "with", "what", "which", "who", "whom", "how", "when",
        "where", "why", "does", "did", "do", "has", "have", "had", "been", "being", "were", "its",
        "from", "than", "can", "could", "would", "should", "may", "might", "i", "you", "he", "she",
        "we", "our", "your", "his", "her", "them", "so", "also", "about",
    ];
}
