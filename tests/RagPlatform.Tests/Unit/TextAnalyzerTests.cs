using RagPlatform.Text;

namespace RagPlatform.Tests.Unit;

public sealed class TextAnalyzerTests
{
    [Fact]
    public void Folds_case_and_diacritics_drops_stop_words_and_stems()
    {
        Assert.Equal(["vaccin", "caus", "etud"], TextAnalyzer.Terms("The Vaccines are causing ÉTUDES"));
    }

    [Fact]
    public void Inflections_of_one_word_share_a_term()
    {
        var forms = new[] { "cause", "causes", "caused", "causing" }.Select(w => Assert.Single(TextAnalyzer.Terms(w))).Distinct();
        Assert.Single(forms);
    }

    [Fact]
    public void Splits_on_punctuation_and_keeps_numbers()
    {
        Assert.Equal(["covid", "19", "2020"], TextAnalyzer.Terms("COVID-19 (2020)."));
    }

    [Fact]
    public void Term_ids_are_stable_and_distinguish_terms()
    {
        Assert.Equal(TermIds.Of("tide"), TermIds.Of("tide"));
        Assert.NotEqual(TermIds.Of("tide"), TermIds.Of("moon"));
        // Pinned: stored sparse vectors depend on these ids never changing.
        Assert.Equal(723832900u, TermIds.Of("a"));
    }
}
