using System.Text;
using RagPlatform.QueryRouter.Ingestion;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.Tests.Unit;

public sealed class IngestionParsingTests
{
    private const string Markdown = """
        # Ocean tides

        Tides rise and fall.

        ## Causes

        The Moon pulls the water. The Sun pulls too.
        It adds up.

        ## Local effects

        Bays resonate.
        """;

    [Fact]
    public void Markdown_blocks_carry_their_heading_path_and_exact_ranges()
    {
        var document = DocumentParser.Parse(Encoding.UTF8.GetBytes(Markdown), DocumentParser.Markdown, "");
        Assert.Equal("Ocean tides", document.Title);
        Assert.Equal(["Ocean tides", "Ocean tides > Causes", "Ocean tides > Local effects"], document.Blocks.Select(b => b.SectionPath));
        Assert.Equal("The Moon pulls the water. The Sun pulls too.\nIt adds up.", document.Text[document.Blocks[1].Start..document.Blocks[1].End]);
    }

    [Fact]
    public void Chunks_stay_within_a_section_respect_the_word_budget_and_overlap()
    {
        var document = DocumentParser.Parse(Encoding.UTF8.GetBytes(Markdown), DocumentParser.Markdown, "");
        var chunks = Chunker.Split(document, maxWords: 10, overlapSentences: 1);
        Assert.All(chunks, c => Assert.InRange(Chunker.Words(document.Text, new(c.Start, c.End)), 1, 10));
        Assert.Equal(["Tides rise and fall.", "The Moon pulls the water. The Sun pulls too.", "The Sun pulls too.\nIt adds up.", "Bays resonate."],
            chunks.Select(c => c.TextOf(document.Text)));
        Assert.Equal("Ocean tides > Causes", chunks[2].SectionPath);
        // Sentence spans are relative to the chunk.
        Assert.Equal("The Sun pulls too.", chunks[1].TextOf(document.Text)[chunks[1].Sentences[1].Start..chunks[1].Sentences[1].End]);
        Assert.Equal(Enumerable.Range(0, chunks.Count), chunks.Select(c => c.Index));
    }

    [Fact]
    public void A_sentence_longer_than_the_budget_is_cut_at_words()
    {
        var text = string.Join(' ', Enumerable.Range(1, 25).Select(i => $"w{i}")) + ".";
        var document = DocumentParser.Parse(Encoding.UTF8.GetBytes(text), DocumentParser.PlainText, "t");
        var chunks = Chunker.Split(document, maxWords: 10, overlapSentences: 0);
        Assert.Equal([10, 10, 5], chunks.Select(c => Chunker.Words(document.Text, new(c.Start, c.End))));
        Assert.Equal(text, string.Join(' ', chunks.Select(c => c.TextOf(document.Text))));
    }

    [Fact]
    public void Unsupported_types_empty_text_and_bad_utf8_are_rejected_by_field()
    {
        Assert.Equal("content_type", Assert.Throws<InvalidArgumentException>(() => DocumentParser.Parse("x"u8, "application/pdf", "")).Field);
        Assert.Equal("content", Assert.Throws<InvalidArgumentException>(() => DocumentParser.Parse("  \n\n "u8, DocumentParser.PlainText, "")).Field);
        Assert.Equal("content", Assert.Throws<InvalidArgumentException>(() => DocumentParser.Parse(new byte[] { 0xC3, 0x28 }, DocumentParser.PlainText, "")).Field);
        Assert.Equal(DocumentParser.Markdown, DocumentParser.ResolveContentType("", "notes.MD"));
        Assert.Equal(DocumentParser.PlainText, DocumentParser.ResolveContentType("text/plain; charset=utf-8", "x.md"));
    }
}
