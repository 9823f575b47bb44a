using RagPlatform.Contracts.Generation.V1;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.Generation.Prompting;

/// <summary>A passage as shown in the prompt: its 1-based number and how much of its text fit.</summary>
public sealed record ShownPassage(int Number, int ShownCharacters);

/// <summary>The messages to send, which passages they show, and what had to be left out to fit.</summary>
public sealed record PromptPlan(IReadOnlyList<PromptMessage> Messages, IReadOnlyList<ShownPassage> Shown,
    int TrimmedPassages, int DroppedHistoryTurns, int EstimatedTokens);

/// <summary>
/// The grounded prompt: numbered passages, the question last, and the instruction to cite every
/// claim as [n]. It fits the model's context window (prompt plus the answer's token allowance):
/// the lowest-ranked passages (the last given) are cut short or left out first, then the oldest
/// turns of the conversation; the question is never cut.
/// </summary>
public static class GroundedPrompt
{
    /// <summary>Changes whenever the wording changes, so answers can be traced to the prompt that produced them.</summary>
    public const string Version = "grounded-v1";

    /// <summary>Below this, a cut passage says too little to be worth its header.</summary>
    private const int MinimumPassageTokens = 24;
    /// <summary>Role markers and separators a chat template adds around each message.</summary>
    private const int MessageOverheadTokens = 8;

    private const string PassagesHeading = "Passages:\n\n";
    private const string CutMark = " …\n\n";

    private const string GroundedInstructions =
        "You answer questions using only the numbered passages the user gives. " +
        "After every claim, cite the passage it comes from by its number in square brackets, like [1] or [2][3]. " +
        "Cite only the passages given. If the passages do not contain the answer, say that they do not. " +
        "Be brief and factual.";

    private const string UngroundedInstructions = "Answer the question briefly and factually. If you do not know, say so.";

    public static PromptPlan Build(string question, IReadOnlyList<Passage> passages, IReadOnlyList<ChatTurn> history,
        int contextTokens, int answerTokens, double charactersPerToken)
    {
        int Tokens(int characters) => (int)Math.Ceiling(characters / charactersPerToken);
        int budget = contextTokens - answerTokens;

        string instructions = passages.Count > 0 ? GroundedInstructions : UngroundedInstructions;
        string questionBlock = passages.Count > 0 ? $"Question: {question}" : question;
        int fixedCost = Tokens(instructions.Length) + Tokens(questionBlock.Length) + 2 * MessageOverheadTokens
            + (passages.Count > 0 ? Tokens(PassagesHeading.Length) : 0);
        if (fixedCost > budget)
            throw new InvalidArgumentException("question",
                $"needs about {fixedCost} tokens with the instructions; the model's context window leaves {budget} after {answerTokens} for the answer");

        // The newest turns matter most to a follow-up: keep them while they fit.
        var turns = new List<ChatTurn>();
        int historyCost = 0;
        for (int i = history.Count - 1; i >= 0; i--)
        {
            int cost = Tokens(history[i].Content.Length) + MessageOverheadTokens;
            if (fixedCost + historyCost + cost > budget)
                break;
            historyCost += cost;
            turns.Insert(0, history[i]);
        }

        var shown = new List<ShownPassage>();
        var passageText = new System.Text.StringBuilder();
        int remaining = budget - fixedCost - historyCost;
        for (int i = 0; i < passages.Count; i++)
        {
            var passage = passages[i];
            string header = string.IsNullOrWhiteSpace(passage.Title) ? $"[{i + 1}] " : $"[{i + 1}] {passage.Title}\n";
            int headerCost = Tokens(header.Length + CutMark.Length);
            int fitCharacters = (int)Math.Min(passage.Text.Length, Math.Max(0, (remaining - headerCost) * charactersPerToken));
            if (fitCharacters < passage.Text.Length)
                fitCharacters = CutAtWord(passage.Text, fitCharacters);
            if (fitCharacters < passage.Text.Length && Tokens(fitCharacters) < MinimumPassageTokens)
                break; // this one and every lower-ranked one are left out
            passageText.Append(header).Append(passage.Text, 0, fitCharacters).Append(fitCharacters < passage.Text.Length ? CutMark : "\n\n");
            shown.Add(new ShownPassage(i + 1, fitCharacters));
            remaining -= headerCost + Tokens(fitCharacters);
            if (fitCharacters < passage.Text.Length)
                break;
        }
        int trimmed = passages.Count - shown.Count + (shown.Count > 0 && shown[^1].ShownCharacters < passages[shown.Count - 1].Text.Length ? 1 : 0);

        var messages = new List<PromptMessage> { new(PromptRole.System, instructions) };
        messages.AddRange(turns.Select(t => new PromptMessage(t.Role == Role.Assistant ? PromptRole.Assistant : PromptRole.User, t.Content)));
        string user = passages.Count > 0 ? $"{PassagesHeading}{passageText}{questionBlock}" : questionBlock;
        messages.Add(new PromptMessage(PromptRole.User, user));
        int estimated = messages.Sum(m => Tokens(m.Content.Length) + MessageOverheadTokens);
        return new PromptPlan(messages, shown, trimmed, history.Count - turns.Count, estimated);
    }

    /// <summary>Back to the last whitespace, so a passage is never cut mid-word (or mid-character).</summary>
    private static int CutAtWord(string text, int length)
    {
        int space = text.LastIndexOfAny([' ', '\n', '\t'], Math.Max(0, length - 1));
        int cut = space > 0 ? space : length;
        return cut > 0 && char.IsHighSurrogate(text[cut - 1]) ? cut - 1 : cut;
    }
}
