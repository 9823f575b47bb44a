using RagPlatform.Text;

namespace RagPlatform.QueryRouter.Conversations;

/// <summary>
/// A deterministic rewrite without a chat model: a follow-up that leans on the previous turn (it
/// uses a pronoun such as "it" or "they", or names almost nothing itself, like "and in winter?")
/// gets the previous standalone question's key terms appended, so "When did he win the prize?"
/// after "Who decoded the waggle dance?" searches for "When did he win the prize (decoded waggle
/// dance)?". Self-contained questions pass unchanged. Chains work, as the previous turn's
/// standalone form already carries its own context.
/// </summary>
public sealed class FollowUpRewriter : IQuestionRewriter
{
    private const int MaxCarriedTerms = 8;

    private static readonly HashSet<string> Anaphora = new(StringComparer.OrdinalIgnoreCase)
    {
        "it", "its", "they", "them", "their", "theirs", "this", "that", "these", "those", "he", "him", "his",
        "she", "her", "hers", "one", "ones", "former", "latter", "there", "such",
    };

    public ValueTask<string> RewriteAsync(string question, IReadOnlyList<ConversationTurn> history, CancellationToken cancellationToken)
    {
        if (history.Count == 0) return ValueTask.FromResult(question);
        var own = new HashSet<string>(TextAnalyzer.Terms(question), StringComparer.Ordinal);
        if (!LeansOnContext(question, own.Count)) return ValueTask.FromResult(question);

        var carried = KeyWords(history[^1].StandaloneQuestion, own);
        if (carried.Count == 0) return ValueTask.FromResult(question);
        var body = question.TrimEnd().TrimEnd('?', '.', '!').TrimEnd();
        return ValueTask.FromResult($"{body} ({string.Join(' ', carried)})?");
    }

    private static bool LeansOnContext(string question, int ownTerms) =>
        ownTerms <= 1 || Words(question).Any(Anaphora.Contains);

    /// <summary>Words of the earlier question that carry meaning, in order, that the follow-up lacks.</summary>
    private static List<string> KeyWords(string earlier, HashSet<string> own)
    {
        var words = new List<string>();
        var taken = new HashSet<string>(own, StringComparer.Ordinal);
        foreach (var word in Words(earlier))
        {
            if (Anaphora.Contains(word)) continue;
            var terms = TextAnalyzer.Terms(word);
            if (terms.Count == 0 || !terms.All(taken.Add)) continue;
            words.Add(word);
            if (words.Count == MaxCarriedTerms) break;
        }
        return words;
    }

    private static IEnumerable<string> Words(string text) =>
        text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.Trim(',', ';', ':', '.', '?', '!', '"', '(', ')', '[', ']', '\''))
            .Where(w => w.Length > 0);
}
