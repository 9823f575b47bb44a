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
        var terms = new SortedSet<string>(Sequence(plain), StringComparer.Ordinal);
        if (negated) terms.Add("~not");
        return string.Join(' ', terms);
    }

    /// <summary>The content terms in the order the question uses them (first use of each), space-separated.</summary>
    public static string ContentSequence(string question) => string.Join(' ', Sequence(WithoutContractions(question).Plain));

    /// <summary>
    /// Whether two questions with the same content terms reverse a relation: two terms trade places
    /// around the same words ("does obesity cause diabetes" and "does diabetes cause obesity").
    /// Moving a phrase to the front ("in women, does aspirin ...") is no such swap.
    /// </summary>
    public static bool SwapsRoles(string sequence, string otherSequence)
    {
        var a = sequence.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var b = otherSequence.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < a.Length; i++)
        for (int j = i + 2; j < a.Length; j++)
        {
            int first = Array.IndexOf(b, a[j]), last = Array.IndexOf(b, a[i]);
            if (first < 0 || last - first != j - i) continue;
            if (a.AsSpan(i + 1, j - i - 1).SequenceEqual(b.AsSpan(first + 1, j - i - 1))) return true;
        }
        return false;
    }

    private static List<string> Sequence(string plain)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var terms = new List<string>();
        TextAnalyzer.Analyze(plain, term =>
        {
            if (!Filler.Contains(term) && seen.Add(term)) terms.Add(term);
        });
        return terms;
    }

    /// <summary>Analysed words that ask rather than mean ("can you tell me", "please explain").</summary>
    private static readonly HashSet<string> Filler = new(
        TextAnalyzer.Terms("me please tell explain describe know wonder want need like let us exactly actually really kindly " +
                           "each other one another among"),
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
            words[i] = IrregularVerbs.GetValueOrDefault(word, word);
        }
        return (string.Join(' ', words), negated);
    }

    /// <summary>Past forms the stemmer cannot relate to their verb ("won" and "win").</summary>
    private static readonly Dictionary<string, string> IrregularVerbs = new(StringComparer.Ordinal)
    {
        ["found"] = "find", ["won"] = "win", ["made"] = "make", ["kept"] = "keep", ["took"] = "take", ["taken"] = "take",
        ["gave"] = "give", ["given"] = "give", ["knew"] = "know", ["known"] = "know", ["saw"] = "see", ["seen"] = "see",
        ["began"] = "begin", ["begun"] = "begin", ["wrote"] = "write", ["written"] = "write", ["built"] = "build",
        ["brought"] = "bring", ["bought"] = "buy", ["taught"] = "teach", ["thought"] = "think", ["lost"] = "lose",
        ["held"] = "hold", ["led"] = "lead", ["meant"] = "mean", ["paid"] = "pay", ["sold"] = "sell", ["told"] = "tell",
        ["grew"] = "grow", ["grown"] = "grow", ["ate"] = "eat", ["eaten"] = "eat", ["fell"] = "fall", ["fallen"] = "fall",
        ["flew"] = "fly", ["flown"] = "fly", ["spoke"] = "speak", ["spoken"] = "speak", ["chose"] = "choose",
        ["chosen"] = "choose", ["broke"] = "break", ["broken"] = "break", ["went"] = "go", ["gone"] = "go",
        ["came"] = "come", ["got"] = "get", ["gotten"] = "get", ["ran"] = "run", ["caught"] = "catch", ["fought"] = "fight",
        ["sent"] = "send", ["spent"] = "spend", ["stood"] = "stand", ["understood"] = "understand", ["drove"] = "drive",
        ["driven"] = "drive", ["drank"] = "drink", ["drunk"] = "drink", ["sang"] = "sing", ["sung"] = "sing",
    };

    private static readonly char[] Punctuation = ",;:.?!\"()[]{}".ToCharArray();
}
