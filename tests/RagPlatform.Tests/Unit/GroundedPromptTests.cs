using RagPlatform.Contracts.Generation.V1;
using RagPlatform.Generation.Prompting;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.Tests.Unit;

public sealed class GroundedPromptTests
{
    private static Passage Passage(string id, int words, string title = "") =>
        new() { Id = id, Title = title, Text = string.Join(' ', Enumerable.Range(0, words).Select(i => $"w{i:0000}")) };

    [Fact]
    public void Numbers_every_passage_and_asks_the_question_last()
    {
        var plan = GroundedPrompt.Build("Why?", [Passage("a", 5, "Alpha"), Passage("b", 5)], [], 4096, 256, 3);
        Assert.Equal(0, plan.TrimmedPassages);
        Assert.Equal([1, 2], plan.Shown.Select(s => s.Number));
        Assert.Equal(PromptRole.System, plan.Messages[0].Role);
        Assert.Contains("[1]", plan.Messages[0].Content); // the instruction shows the citation form
        var user = plan.Messages[^1].Content;
        Assert.Contains("[1] Alpha\nw0000", user);
        Assert.Contains("[2] w0000", user);
        Assert.EndsWith("Question: Why?", user);
    }

    [Fact]
    public void Too_much_context_cuts_the_lowest_ranked_passages_never_the_question()
    {
        // 4 passages of ~100 words (~500 characters) each; room for about one and a half.
        var passages = Enumerable.Range(0, 4).Select(i => Passage($"p{i}", 100)).ToList();
        string question = "What is the longest question that still fits? " + new string('q', 300);
        var plan = GroundedPrompt.Build(question, passages, [], contextTokens: 700, answerTokens: 200, charactersPerToken: 3);

        Assert.Equal(1, plan.Shown[0].Number);
        Assert.Equal(passages[0].Text.Length, plan.Shown[0].ShownCharacters);
        Assert.True(plan.Shown.Count < 4);
        Assert.Equal(4 - plan.Shown.Count + (plan.Shown[^1].ShownCharacters < passages[plan.Shown.Count - 1].Text.Length ? 1 : 0), plan.TrimmedPassages);
        Assert.True(plan.TrimmedPassages >= 2);
        Assert.EndsWith("Question: " + question, plan.Messages[^1].Content);
        Assert.True(plan.EstimatedTokens <= 700 - 200, $"{plan.EstimatedTokens} tokens estimated");
    }

    [Fact]
    public void A_cut_passage_ends_on_a_word_boundary()
    {
        var plan = GroundedPrompt.Build("Q?", [Passage("a", 400)], [], contextTokens: 600, answerTokens: 100, charactersPerToken: 3);
        var shown = Assert.Single(plan.Shown);
        Assert.Equal(1, plan.TrimmedPassages);
        Assert.True(shown.ShownCharacters < Passage("a", 400).Text.Length);
        Assert.Equal(' ', Passage("a", 400).Text[shown.ShownCharacters]);
    }

    [Fact]
    public void A_question_that_cannot_fit_is_invalid()
    {
        var error = Assert.Throws<InvalidArgumentException>(() =>
            GroundedPrompt.Build(new string('x', 3000), [Passage("a", 10)], [], contextTokens: 600, answerTokens: 100, charactersPerToken: 3));
        Assert.Equal("question", error.Field);
    }

    [Fact]
    public void The_oldest_turns_go_before_the_question_would()
    {
        var history = Enumerable.Range(0, 6).Select(i => new ChatTurn { Role = i % 2 == 0 ? Role.User : Role.Assistant, Content = $"turn {i} " + new string('h', 300) }).ToList();
        var plan = GroundedPrompt.Build("And then?", [], history, contextTokens: 600, answerTokens: 100, charactersPerToken: 3);
        Assert.True(plan.DroppedHistoryTurns > 0);
        var kept = plan.Messages.Skip(1).SkipLast(1).Select(m => m.Content).ToList();
        Assert.Equal(history.Skip(plan.DroppedHistoryTurns).Select(t => t.Content), kept); // the newest kept, in order
        Assert.Equal("And then?", plan.Messages[^1].Content);
    }
}
