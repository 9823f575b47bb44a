using RagPlatform.QueryRouter.Conversations;

namespace RagPlatform.Tests.Unit;

public sealed class FollowUpRewriterTests
{
    private static readonly ConversationTurn Tides = new("What causes the tides?", "What causes the tides?", "Tides are caused by the Moon.");

    private static string Rewrite(string question, params ConversationTurn[] history) =>
        new FollowUpRewriter().RewriteAsync(question, history, CancellationToken.None).AsTask().Result;

    [Fact]
    public void A_pronoun_follow_up_carries_the_earlier_key_terms()
    {
        Assert.Equal("How often do they happen (causes tides)?", Rewrite("How often do they happen?", Tides));
        Assert.Equal("And in winter (causes tides)?", Rewrite("And in winter?", Tides));
    }

    [Fact]
    public void Terms_the_follow_up_already_has_are_not_repeated_and_chains_carry_on()
    {
        var second = new ConversationTurn("How often do they happen?", "How often do they happen (causes tides)?", "Twice a day.");
        Assert.Equal("Why does it take twice as long then (often happen causes tides)?", Rewrite("Why does it take twice as long then?", Tides, second));
        Assert.Equal("Are tides bigger there (causes)?", Rewrite("Are tides bigger there?", Tides));
    }

    [Fact]
    public void A_standalone_question_or_a_first_turn_is_left_alone()
    {
        Assert.Equal("Where is the Rosetta Stone kept?", Rewrite("Where is the Rosetta Stone kept?", Tides));
        Assert.Equal("How often do they happen?", Rewrite("How often do they happen?"));
    }
}
