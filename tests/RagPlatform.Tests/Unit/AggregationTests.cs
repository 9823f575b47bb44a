using Google.Protobuf.WellKnownTypes;
using RagPlatform.QueryRouter.Retrieval;
using RagPlatform.QueryRouter.Routing;

namespace RagPlatform.Tests.Unit;

/// <summary>The router's own aggregation parts: duplicate removal, the token budget, declared rules.</summary>
public sealed class AggregationTests
{
    private static RetrievedChunk Chunk(string id, string document, int start, string text, string source = "s") => new(source, id, new Struct
    {
        Fields =
        {
            ["document_id"] = Value.ForString(document),
            ["start_char"] = Value.ForNumber(start),
            ["end_char"] = Value.ForNumber(start + text.Length),
            ["text"] = Value.ForString(text),
        },
    }, 1f);

    [Fact]
    public void Chunks_mostly_inside_a_better_one_of_the_same_document_are_dropped_and_a_small_overlap_is_kept()
    {
        var text = string.Concat(Enumerable.Range(0, 40).Select(i => $"word{i} "));
        var ranked = new[]
        {
            Chunk("a#0", "a", 0, text[..200]),
            Chunk("a#1", "a", 50, text[50..230]),   // 150 of its 180 characters are inside a#0
            Chunk("a#2", "a", 180, text[180..]),    // shares 20 characters: a neighbour, kept
            Chunk("b#0", "b", 0, text[..200]),      // another document with the very same text as a#0
            Chunk("c#0", "c", 50, text[50..230]),   // a#1's range in another document, and too little of a#0's text
        };
        Assert.Equal(["a#0", "a#2", "c#0"], PassageDeduplicator.Distinct(ranked, 0.9).Select(c => c.PointId));
    }

    [Fact]
    public void Near_identical_text_across_documents_is_dropped_and_a_different_text_is_kept()
    {
        const string Original = "The tides rise twice a day because the Moon pulls on the oceans of the Earth.";
        var ranked = new[]
        {
            Chunk("x", "one", 0, Original, "first"),
            Chunk("y", "two", 0, Original.ToUpperInvariant().Replace(" ", " \n  "), "second"),
            Chunk("z", "three", 0, "The tides rise twice a day because the Sun warms the air above the land.", "second"),
        };
        Assert.Equal(["x", "z"], PassageDeduplicator.Distinct(ranked, 0.9).Select(c => c.PointId));
    }

    [Fact]
    public void Packing_keeps_the_best_passages_that_fit_and_skips_one_that_does_not()
    {
        string[] passages = [new string('a', 40), new string('b', 200), new string('c', 20), new string('d', 60)];
        // 10 + (50 skipped) + 5 + 15 = 30 tokens.
        Assert.Equal([passages[0], passages[2], passages[3]], PassageBudget.Pack(passages, p => p, 30));
        Assert.Empty(PassageBudget.Pack(passages, p => p, 4));
    }

    [Fact]
    public void Rules_match_whole_keywords_in_any_case_and_patterns_in_declared_order()
    {
        var rules = new RuleMatcher(
        [
            new RoutingRule { Source = "billing", Keywords = ["invoice", "refund"] },
            new RoutingRule { Source = "legal", Pattern = @"\bGDPR\b|article \d+" },
            new RoutingRule { Source = "billing", Pattern = "never-needed" },
        ]);
        Assert.Equal([("billing", "rule: the question mentions 'refund'")], rules.Match("Can I get a REFUND?"));
        Assert.Empty(rules.Match("Are invoices and refundable things covered?"));
        Assert.Equal(
            [("billing", "rule: the question mentions 'invoice'"), ("legal", @"rule: the question matches /\bGDPR\b|article \d+/")],
            rules.Match("Does Article 17 allow an invoice to be erased?"));
    }
}
