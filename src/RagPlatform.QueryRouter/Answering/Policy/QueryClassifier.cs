namespace RagPlatform.QueryRouter.Answering.Policy;

/// <summary>
/// The query type of a question by the policy's word lists: deterministic, no model. Types are tried
/// in the policy's order; the first whose opening words or contained words match wins.
/// </summary>
public sealed class QueryClassifier
{
    public const string Other = "other";

    private readonly (string Name, string[][] StartsWith, string[][] Contains)[] types;

    public QueryClassifier(StrategyPolicy policy) =>
        types = [.. policy.QueryTypes.Select(t => (t.Name, t.StartsWith.Select(Words).ToArray(), t.Contains.Select(Words).ToArray()))];

    public string Classify(string question)
    {
        var words = Words(question);
        foreach (var (name, startsWith, contains) in types)
        {
            if (startsWith.Any(phrase => StartsAt(words, phrase, 0)) || contains.Any(phrase => Occurs(words, phrase)))
                return name;
        }
        return Other;
    }

    private static bool Occurs(string[] words, string[] phrase)
    {
        for (int i = 0; i + phrase.Length <= words.Length; i++)
            if (StartsAt(words, phrase, i)) return true;
        return false;
    }

    private static bool StartsAt(string[] words, string[] phrase, int at)
    {
        if (phrase.Length == 0 || at + phrase.Length > words.Length) return false;
        for (int i = 0; i < phrase.Length; i++)
            if (words[at + i] != phrase[i]) return false;
        return true;
    }

    /// <summary>Lower-case words of letters and digits ("what's" stays one word).</summary>
    private static string[] Words(string text)
    {
        var words = new List<string>();
        int start = -1;
        for (int i = 0; i <= text.Length; i++)
        {
            bool inWord = i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '\'' && start >= 0);
            if (inWord && start < 0) start = i;
            else if (!inWord && start >= 0)
            {
                words.Add(text[start..i].ToLowerInvariant());
                start = -1;
            }
        }
        return [.. words];
    }
}
