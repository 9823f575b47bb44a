using RagPlatform.Generation.Extractive;

namespace RagPlatform.Tests.Unit;

public sealed class ExtractiveAnswererTests
{
    private static AnswerPassage Passage(string text, float score = 1) => new(text, [], score);

    [Fact]
    public void Quotes_the_sentence_that_answers_and_cites_its_passage()
    {
        var answer = ExtractiveAnswerer.Answer("Who decoded the waggle dance?",
        [
            Passage("Honeybees live in colonies. Karl von Frisch decoded the waggle dance in the 1940s."),
            Passage("The dance tells direction and distance."),
        ]);
        Assert.Equal("Karl von Frisch decoded the waggle dance in the 1940s. [1]", answer.Text);
        var quote = Assert.Single(answer.Quotes);
        Assert.Equal(0, quote.Passage);
        Assert.Equal("Karl von Frisch decoded the waggle dance in the 1940s.", answer.Text[quote.AnswerSpan.Start..quote.AnswerSpan.End]);
    }

    [Fact]
    public void Adds_a_sentence_that_covers_what_the_first_misses()
    {
        var answer = ExtractiveAnswerer.Answer("When was the Rosetta Stone found and where is it kept?",
        [
            Passage("French soldiers found the Rosetta Stone in 1799. It is a granodiorite slab."),
            Passage("The stone has been kept in the British Museum since 1802."),
        ]);
        Assert.Equal([0, 1], answer.Quotes.Select(q => q.Passage));
        Assert.EndsWith("[2]", answer.Text);
    }

    [Fact]
    public void Says_so_when_nothing_in_the_passages_answers()
    {
        var answer = ExtractiveAnswerer.Answer("What is the boiling point of mercury?", [Passage("Honeybees dance.")]);
        Assert.False(answer.Found);
        Assert.Equal(ExtractiveAnswerer.NoAnswer, answer.Text);
        Assert.False(ExtractiveAnswerer.Answer("What is it?", []).Found);
    }
}
