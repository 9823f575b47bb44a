using RagPlatform.Generation.Prompting;

namespace RagPlatform.Tests.Unit;

public sealed class CitationParserTests
{
    private static readonly HashSet<int> FirstThree = [1, 2, 3];

    private static string Claim(string answer, ParsedCitation citation) => answer[citation.ClaimStart..citation.ClaimEnd];

    [Fact]
    public void Each_marker_cites_the_sentence_before_it()
    {
        const string answer = "The stone was found in 1799 [1]. It is kept in London [2].";
        var parsed = CitationParser.Parse(answer, FirstThree);
        Assert.Equal(0, parsed.Dropped);
        Assert.Equal([1, 2], parsed.Citations.Select(c => c.PassageNumber));
        Assert.Equal("The stone was found in 1799", Claim(answer, parsed.Citations[0]));
        Assert.Equal("It is kept in London", Claim(answer, parsed.Citations[1]));
    }

    [Fact]
    public void Adjacent_and_listed_markers_share_one_claim()
    {
        const string answer = "Tides follow the moon [1][3]. Both agree [2, 3].";
        var parsed = CitationParser.Parse(answer, FirstThree);
        Assert.Equal([1, 3, 2, 3], parsed.Citations.Select(c => c.PassageNumber));
        Assert.Equal(["Tides follow the moon", "Tides follow the moon", "Both agree", "Both agree"], parsed.Citations.Select(c => Claim(answer, c)));
    }

    [Fact]
    public void A_claim_runs_back_to_the_previous_marker_within_a_sentence()
    {
        const string answer = "It was found in 1799 [1] and moved in 1802 [2].";
        var parsed = CitationParser.Parse(answer, FirstThree);
        Assert.Equal("It was found in 1799", Claim(answer, parsed.Citations[0]));
        Assert.Equal("and moved in 1802", Claim(answer, parsed.Citations[1]));
    }

    [Fact]
    public void Markers_naming_passages_not_shown_are_dropped_and_counted()
    {
        const string answer = "One [1]. Nine [9]. Zero [0]. Mixed [2, 7].";
        var parsed = CitationParser.Parse(answer, FirstThree);
        Assert.Equal([1, 2], parsed.Citations.Select(c => c.PassageNumber));
        Assert.Equal(3, parsed.Dropped);
    }

    [Fact]
    public void Brackets_that_are_not_citations_are_ignored()
    {
        const string answer = "See [note] and [a, b]; an array x[] holds [ 2 ].";
        var parsed = CitationParser.Parse(answer, FirstThree);
        Assert.Equal(0, parsed.Dropped);
        Assert.Equal(2, Assert.Single(parsed.Citations).PassageNumber);
    }

    [Fact]
    public void An_answer_without_markers_cites_nothing()
    {
        var parsed = CitationParser.Parse("The passages do not say.", FirstThree);
        Assert.Empty(parsed.Citations);
        Assert.Equal(0, parsed.Dropped);
    }

    [Fact]
    public void A_leading_marker_has_an_empty_claim_at_the_start()
    {
        var parsed = CitationParser.Parse("[1] says so.", FirstThree);
        var citation = Assert.Single(parsed.Citations);
        Assert.Equal((0, 0), (citation.ClaimStart, citation.ClaimEnd));
    }
}
