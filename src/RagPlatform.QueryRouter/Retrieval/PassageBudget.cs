namespace RagPlatform.QueryRouter.Retrieval;

/// <summary>
/// Packs ranked passages into the answering model's budget, best first: a passage that does not fit
/// in what is left is skipped, and a smaller one after it may still fit. Tokens are estimated at
/// four characters each, the usual rate of English text in subword vocabularies.
/// </summary>
public static class PassageBudget
{
    public static int EstimateTokens(string text) => (text.Length + 3) / 4;

    public static List<T> Pack<T>(IEnumerable<T> ranked, Func<T, string> textOf, int budget)
    {
        var packed = new List<T>();
        int left = budget;
        foreach (var passage in ranked)
        {
            int tokens = EstimateTokens(textOf(passage));
            if (tokens > left) continue;
            packed.Add(passage);
            left -= tokens;
        }
        return packed;
    }
}
