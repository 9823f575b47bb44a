using RagPlatform.Text;

namespace RagPlatform.Tests.Unit;

public sealed class SentenceSplitterTests
{
    private static List<string> Sentences(string text) => SentenceSplitter.Split(text).Select(s => text[s.Start..s.End]).ToList();

    [Fact]
    public void Splits_at_terminal_punctuation_before_a_capital()
    {
        Assert.Equal(["The Moon pulls.", "The Sun pulls too!", "Does it?"], Sentences("The Moon pulls. The Sun pulls too! Does it?"));
    }

    [Fact]
    public void Does_not_split_after_abbreviations_initials_or_decimals()
    {
        Assert.Equal(["Dr. Smith and J. Doe measured 3.5 m, e.g. at noon.", "Then they left."],
            Sentences("Dr. Smith and J. Doe measured 3.5 m, e.g. at noon. Then they left."));
    }

    [Fact]
    public void A_blank_line_ends_a_sentence_and_spans_exclude_surrounding_space()
    {
        var text = "  Heading without stop\n\nBody text here.  ";
        Assert.Equal(["Heading without stop", "Body text here."], Sentences(text));
    }
}
