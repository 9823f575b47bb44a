using Lucene.Net.Analysis.Miscellaneous;
using Lucene.Net.Tartarus.Snowball.Ext;

namespace RagPlatform.Text;

/// <summary>
/// The keyword analyzer: splits on anything that is not a letter or digit, folds case and
/// diacritics, drops English stop words, and stems with Snowball's English stemmer, so "Vaccines" and
/// "vaccinated" meet. Used for sparse vectors and for lexical sentence scoring, so both agree on what a term is.
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

    /// <summary>Lower case without diacritics ("Études" becomes "etudes"), by Lucene's ASCII folding.</summary>
    private static string Fold(ReadOnlySpan<char> word)
    {
        var lower = new char[word.Length];
        bool ascii = true;
        for (int i = 0; i < word.Length; i++)
        {
            lower[i] = char.ToLowerInvariant(word[i]);
            ascii &= lower[i] < 128;
        }
        if (ascii)
            return new string(lower);
        // Folding can expand a character to up to four ("ß" to "ss"), hence the larger buffer.
        var folded = new char[word.Length * 4];
        int length = ASCIIFoldingFilter.FoldToASCII(lower, 0, folded, 0, lower.Length);
        return new string(folded, 0, length);
    }

    [ThreadStatic] private static EnglishStemmer? stemmer;

    /// <summary>The Snowball English (Porter2) stem: "causes", "caused" and "causing" all become "caus".</summary>
    private static string Stem(string word)
    {
        if (word.Length < 3 || char.IsDigit(word[0]))
            return word;
        var snowball = stemmer ??= new EnglishStemmer();
        snowball.SetCurrent(word);
        snowball.Stem();
        return snowball.Current;
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
