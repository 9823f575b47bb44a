using System.Text;
using RagPlatform.QueryRouter.Ingestion;

namespace RagPlatform.Tests.Unit;

public sealed class ChunkerTests
{
    /// <summary>
    /// Counts words, plus one token for each line break inside a text: so a chunk joined across
    /// lines counts more than its sentences do apart, as real tokenizers sometimes do.
    /// </summary>
    private sealed class WordCounter(int maxTokens) : ITokenCounter
    {
        public int MaxTokens => maxTokens;
        public int Calls { get; private set; }
        public List<int> BatchSizes { get; } = [];

        public Task<int[]> CountAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
        {
            Calls++;
            BatchSizes.Add(texts.Count);
            return Task.FromResult(texts.Select(Count).ToArray());
        }

        public static int Count(string text) =>
            text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length + text.Count(c => c == '\n');
    }

    private const string Markdown = """
        # Ocean tides

        Tides rise and fall.

        ## Causes

        The Moon pulls the water. The Sun pulls too.
        It adds up.

        ## Local effects

        Bays resonate.
        """;

    private static ParsedDocument Parse(string text, string type = DocumentParser.Markdown) =>
        DocumentParser.Parse(Encoding.UTF8.GetBytes(text), type, "");

    private static Task<List<Chunk>> Split(ParsedDocument document, ITokenCounter counter, int maxTokens = 1000, int maxWords = 1000, int overlap = 1) =>
        Chunker.SplitAsync(document, new ChunkBudget(maxTokens, maxWords, overlap), counter, CancellationToken.None);

    [Fact]
    public async Task Chunks_stay_within_a_section_and_the_word_budget_and_overlap_by_sentences()
    {
        var document = Parse(Markdown);
        var chunks = await Split(document, new WordCounter(1000), maxWords: 10);
        Assert.Equal(["Tides rise and fall.", "The Moon pulls the water. The Sun pulls too.", "The Sun pulls too.\nIt adds up.", "Bays resonate."],
            chunks.Select(c => c.TextOf(document.Text)));
        Assert.Equal(["Ocean tides", "Ocean tides > Causes", "Ocean tides > Causes", "Ocean tides > Local effects"], chunks.Select(c => c.SectionPath));
        // Sentence spans are relative to the chunk.
        Assert.Equal("The Sun pulls too.", chunks[1].TextOf(document.Text)[chunks[1].Sentences[1].Start..chunks[1].Sentences[1].End]);
        Assert.Equal(Enumerable.Range(0, chunks.Count), chunks.Select(c => c.Index));
    }

    [Fact]
    public async Task Every_chunk_fits_the_models_own_count_even_when_joined_text_counts_more_than_its_parts()
    {
        // Short lines: each sentence is 4 words, each line break one more token when joined.
        var text = string.Join("\n", Enumerable.Range(0, 40).Select(i => $"Line {i} says hello."));
        var document = Parse(text, DocumentParser.PlainText);
        var counter = new WordCounter(maxTokens: 20);
        var chunks = await Split(document, counter, overlap: 0);
        Assert.All(chunks, c => Assert.InRange(WordCounter.Count(c.TextOf(document.Text)), 1, 20));
        // Packed by the parts' sum (5 sentences of 4), four of them fit once the joins count too.
        Assert.Equal(4, chunks[0].Sentences.Count);
        Assert.Equal(text, string.Join("\n", chunks.Select(c => c.TextOf(document.Text))));
    }

    [Fact]
    public async Task A_sentence_longer_than_the_model_reads_is_cut_at_words_until_it_fits()
    {
        var text = string.Join(' ', Enumerable.Range(1, 25).Select(i => $"w{i}")) + ".";
        var document = Parse(text, DocumentParser.PlainText);
        var chunks = await Split(document, new WordCounter(maxTokens: 10), overlap: 0);
        Assert.All(chunks, c => Assert.InRange(WordCounter.Count(c.TextOf(document.Text)), 1, 10));
        Assert.Equal(text, string.Join(' ', chunks.Select(c => c.TextOf(document.Text))));
    }

    [Fact]
    public async Task A_chunk_breaks_at_a_paragraph_rather_than_split_the_next_one()
    {
        var text = "One two three four five six. Seven eight nine ten.\n\nEleven twelve thirteen fourteen. Fifteen sixteen seventeen eighteen.";
        var document = Parse(text, DocumentParser.PlainText);
        var chunks = await Split(document, new WordCounter(maxTokens: 14), overlap: 0);
        Assert.Equal(["One two three four five six. Seven eight nine ten.", "Eleven twelve thirteen fourteen. Fifteen sixteen seventeen eighteen."],
            chunks.Select(c => c.TextOf(document.Text)));
    }

    [Fact]
    public async Task Counting_is_batched_per_document_not_one_call_per_sentence()
    {
        var text = "# Notes\n\n" + string.Join(" ", Enumerable.Range(0, 300).Select(i => $"Sentence number {i} talks about topic {i}."));
        var counter = new WordCounter(maxTokens: 60);
        var chunks = await Split(Parse(text), counter, overlap: 1);
        Assert.True(chunks.Count > 20);
        Assert.Equal(2, counter.Calls);
        Assert.Equal(300, counter.BatchSizes[0]);
    }

    [Fact]
    public async Task Whole_document_mode_makes_one_chunk_of_all_the_prose()
    {
        var document = Parse(Markdown);
        var whole = Assert.Single(Chunker.Whole(document));
        Assert.StartsWith("Tides rise and fall.", whole.TextOf(document.Text));
        Assert.EndsWith("Bays resonate.", whole.TextOf(document.Text));
        await Task.CompletedTask;
    }
}
