using System.Text;
using RagPlatform.Text;

namespace RagPlatform.QueryRouter.Caching;

/// <summary>How questions are compared for caching.</summary>
public static class QuestionText
{
    /// <summary>
    /// The exact cache's form of a question: lower case, punctuation dropped, whitespace collapsed,
    /// so "What causes the tides?" and "what causes  the tides" are one entry.
    /// </summary>
    public static string Normalize(ReadOnlySpan<char> question)
    {
        var text = new StringBuilder(question.Length);
        bool space = false;
        foreach (var c in question)
        {
            if (char.IsLetterOrDigit(c))
            {
                if (space && text.Length > 0) text.Append(' ');
                text.Append(char.ToLowerInvariant(c));
                space = false;
            }
            else space = true;
        }
        return text.ToString();
    }

    /// <summary>
    /// The semantic cache's guard: the analysed content terms of a question (stemmed, stop words and
    /// politeness dropped), sorted, with a marker for negation, which the analyzer drops as a stop word.
    /// Two questions may share an answer only when these are equal, so a question that differs in one
    /// entity, number or a "not" never gets another's answer, however close the embeddings are.
    /// </summary>
    public static string ContentTerms(string question)
    {
        var (plain, negated) = WithoutContractions(question);
        var terms = new SortedSet<string>(StringComparer.Ordinal);
        TextAnalyzer.Analyze(plain, term =>
        {
            if (!Filler.Contains(term)) terms.Add(term);
        });
        if (negated) terms.Add("~not");
        return string.Join(' ', terms);
    }

    /// <summary>Analysed words that ask rather than mean ("can you tell me", "please explain").</summary>
    private static readonly HashSet<string> Filler = new(
        TextAnalyzer.Terms("me please tell explain describe know wonder want like let us exactly actually really kindly"),
        StringComparer.Ordinal);

    private static readonly HashSet<string> Negations = new(StringComparer.Ordinal)
    {
        "not", "no", "never", "none", "nor", "neither", "nobody", "nothing", "without", "cannot",
    };

    /// <summary>
    /// The question with contractions cut to their stem ("what's" to "what", "doesn't" to "does"),
    /// so they match the spelled-out form, and whether anything in it negates.
    /// </summary>
    private static (string Plain, bool Negated) WithoutContractions(string question)
    {
        var words = question.Replace('\u2019', '\'').Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
        bool negated = false;
        for (int i = 0; i < words.Length; i++)
        {
            var word = words[i].Trim(Punctuation).ToLowerInvariant();
            int apostrophe = word.IndexOf('\'');
            if (apostrophe > 0)
            {
                var (stem, tail) = (word[..apostrophe], word[(apostrophe + 1)..]);
                if (tail == "t" && stem.EndsWith('n'))
                {
                    negated = true;
                    stem = stem switch { "can" => "can", "won" => "will", _ => stem[..^1] };
                }
                word = stem;
            }
            negated |= Negations.Contains(word);
            words[i] = word;
        }
        return (string.Join(' ', words), negated);
    }

    private static readonly char[] Punctuation = ",;:.?!\"()[]{}".ToCharArray();
}
