using RagPlatform.QueryRouter.Caching;

namespace RagPlatform.Tests.Unit;

public sealed class QuestionTextTests
{
    [Fact]
    public void Normalising_folds_case_punctuation_and_whitespace_only()
    {
        Assert.Equal("what causes the tides", QuestionText.Normalize("  What causes\tthe TIDES?! "));
        Assert.Equal("is it 2 5 mg", QuestionText.Normalize("Is it 2.5 mg?"));
        Assert.NotEqual(QuestionText.Normalize("Does it cause tides?"), QuestionText.Normalize("Does it not cause tides?"));
    }

    [Theory]
    [InlineData("What causes the tides?", "what is causing tides")]
    [InlineData("Where is the Rosetta Stone kept?", "Can you tell me where the Rosetta Stone's kept?")]
    [InlineData("Who won the Nobel Prize in 1973?", "Who wins the Nobel Prize in 1973?")]
    [InlineData("Doesn't smoking cause cancer?", "Does smoking not cause cancer?")]
    public void Rephrasings_share_their_content_terms(string a, string b) =>
        Assert.Equal(QuestionText.ContentTerms(a), QuestionText.ContentTerms(b));

    [Theory]
    [InlineData("Does smoking cause cancer?", "Does smoking not cause cancer?")]
    [InlineData("Does smoking cause cancer?", "Doesn't smoking cause cancer?")]
    [InlineData("Is vitamin D linked to fractures?", "Is vitamin C linked to fractures?")]
    [InlineData("Do statins help patients over 65?", "Do statins help patients over 75?")]
    [InlineData("What causes the tides?", "What causes the waves?")]
    public void One_entity_number_or_negation_apart_changes_the_content_terms(string a, string b) =>
        Assert.NotEqual(QuestionText.ContentTerms(a), QuestionText.ContentTerms(b));
}

public sealed class RoleSwapTests
{
    private static bool Swaps(string a, string b) =>
        QuestionText.SwapsRoles(QuestionText.ContentSequence(a), QuestionText.ContentSequence(b));

    [Theory]
    [InlineData("Does obesity cause diabetes?", "Does diabetes cause obesity?")]
    [InlineData("Is the Moon's pull stronger than the Sun's?", "Is the Sun's pull stronger than the Moon's?")]
    [InlineData("Did the British defeat the French in Egypt?", "In Egypt, did the French defeat the British?")]
    public void A_reversed_relation_is_a_swap(string a, string b) => Assert.True(Swaps(a, b));

    [Theory]
    [InlineData("Does aspirin lower the risk of heart attack in women?", "In women, does aspirin lower heart attack risk?")]
    [InlineData("Where did French soldiers find the Rosetta Stone?", "Where was the Rosetta Stone found by French soldiers?")]
    [InlineData("Does vitamin D supplementation reduce the risk of fractures?", "Does supplementation with vitamin D reduce fracture risk?")]
    [InlineData("What causes the tides?", "What causes the tides?")]
    public void Fronting_or_reordering_a_phrase_is_not(string a, string b) => Assert.False(Swaps(a, b));
}
