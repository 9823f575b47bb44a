using RagPlatform.Generation.Extractive;

namespace RagPlatform.Tests.Unit;

public sealed class ExtractiveAnswererTests
{
    private static readonly ExtractiveSettings Sentences = new() { ShortAnswers = false };

    private static AnswerPassage Passage(string text, float score = 1, float[]? similarities = null) => new(text, [], score, similarities);

    [Fact]
    public void Quotes_the_sentence_that_answers_and_cites_its_passage()
    {
        var answer = ExtractiveAnswerer.Answer("Who decoded the waggle dance?",
        [
            Passage("Honeybees live in colonies. Karl von Frisch decoded the waggle dance in the 1940s."),
            Passage("The dance tells direction and distance."),
        ], Sentences);
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
        ], Sentences);
        Assert.Equal([0, 1], answer.Quotes.Select(q => q.Passage));
        Assert.EndsWith("[2]", answer.Text);
    }

    [Fact]
    public void Covers_the_question_with_the_fewest_sentences()
    {
        // The first sentence holds two of the question's three terms, the last the third: the middle one adds nothing new.
        var answer = ExtractiveAnswerer.Answer("Which glacier feeds the lake near the observatory?",
        [
            Passage("The Rhone glacier feeds the lake. The lake freezes in winter. An observatory stands on its northern shore."),
        ], Sentences);
        Assert.Equal(2, answer.Quotes.Count);
        Assert.Equal("The Rhone glacier feeds the lake. [1] An observatory stands on its northern shore. [1]", answer.Text);
    }

    [Fact]
    public void Sentence_vectors_decide_between_sentences_the_words_cannot_tell_apart()
    {
        const string text = "The reactor was cooled by water. The reactor was shut down after the storm.";
        var question = "Why was the reactor stopped?";
        var lexical = ExtractiveAnswerer.Answer(question, [Passage(text)], Sentences);
        Assert.StartsWith("The reactor was cooled by water.", lexical.Text);

        var byMeaning = ExtractiveAnswerer.Answer(question, [Passage(text, similarities: [0.2f, 0.9f])], Sentences);
        Assert.Equal("The reactor was shut down after the storm. [1]", byMeaning.Text);

        // Weight zero: the vectors are ignored.
        var unweighted = ExtractiveAnswerer.Answer(question, [Passage(text, similarities: [0.2f, 0.9f])],
            new ExtractiveSettings { ShortAnswers = false, EmbeddingWeight = 0 });
        Assert.Equal(lexical.Text, unweighted.Text);
    }

    [Fact]
    public void A_passage_without_sentence_vectors_is_still_answered_lexically_beside_one_with_them()
    {
        var answer = ExtractiveAnswerer.Answer("Where do emperor penguins breed?",
        [
            Passage("Seals hunt under the ice.", similarities: [0.3f]),
            Passage("Emperor penguins breed on the Antarctic sea ice in winter."),
        ], Sentences);
        var quote = Assert.Single(answer.Quotes);
        Assert.Equal(1, quote.Passage);
    }

    [Fact]
    public void Says_so_when_nothing_in_the_passages_answers()
    {
        var answer = ExtractiveAnswerer.Answer("What is the boiling point of mercury?", [Passage("Honeybees dance.")]);
        Assert.False(answer.Found);
        Assert.Equal(ExtractiveAnswerer.NoAnswer, answer.Text);
        Assert.False(ExtractiveAnswerer.Answer("What is it?", []).Found);
        // A vector that is only faintly close is no answer either.
        Assert.False(ExtractiveAnswerer.Answer("What is the boiling point of mercury?", [Passage("Honeybees dance.", similarities: [0.1f])]).Found);
    }

    [Theory]
    [InlineData("When did Karl von Frisch decode the waggle dance?", "1947")]
    [InlineData("In what year did von Frisch decode the dance?", "1947")]
    [InlineData("How many bees watched the waggle dance?", "40,000")]
    [InlineData("Who decoded the waggle dance in Munich?", "Karl von Frisch")]
    public void Answers_a_date_quantity_or_name_with_the_short_span_and_cites_its_sentence(string question, string expected)
    {
        const string text = "Bees are social. In 1947 in Munich, Karl von Frisch decoded the waggle dance that 40,000 bees watched.";
        var answer = ExtractiveAnswerer.Answer(question, [Passage("Hives hum."), Passage(text)]);
        Assert.Equal($"{expected} [2]", answer.Text);
        var quote = Assert.Single(answer.Quotes);
        Assert.Equal(1, quote.Passage);
        Assert.Equal(text[17..], text[quote.Span.Start..quote.Span.End]);
        Assert.Equal(expected, answer.Text[quote.AnswerSpan.Start..quote.AnswerSpan.End]);
    }

    [Fact]
    public void A_question_of_no_recognisable_kind_or_without_such_a_span_gets_the_sentence()
    {
        const string text = "Karl von Frisch decoded the waggle dance.";
        Assert.Equal(text + " [1]", ExtractiveAnswerer.Answer("What did Karl von Frisch decode?", [Passage(text)]).Text);
        Assert.Equal(text + " [1]", ExtractiveAnswerer.Answer("When was the waggle dance decoded?", [Passage(text)]).Text);
    }
}
