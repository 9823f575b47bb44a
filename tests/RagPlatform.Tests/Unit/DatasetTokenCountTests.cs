using System.Text;
using System.Text.Json;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Datasets;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.Tests.Unit;

/// <summary>Token counts in dataset validation, with a tokenizer that counts words (the reader's own logic under test).</summary>
public sealed class DatasetTokenCountTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("ragplatform-dstok-").FullName;

    /// <summary>Counts space-separated words; refuses texts containing "REFUSE"; records each call's size.</summary>
    private sealed class WordTokenizer(int maxTokens, bool unreachable = false) : IBaseTokenizer
    {
        public List<int> Calls { get; } = [];
        public List<string> Seen { get; } = [];
        public string BaseModel => "words";
        public int MaxTokens => maxTokens;

        public Task<TokenCount[]> CountAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
        {
            if (unreachable) throw new UnavailableException("the word counter is not reachable");
            Calls.Add(texts.Count);
            Seen.AddRange(texts);
            return Task.FromResult(texts.Select(t => t.Contains("REFUSE") ? new TokenCount(0, "too long to send")
                : new TokenCount(t.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length)).ToArray());
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private async Task<Dataset> ReadAsync(DatasetKind kind, string content, IBaseTokenizer? tokenizer, string baseModel = "words")
    {
        var header = new DatasetHeader { DisplayName = "t", Kind = kind, BaseModel = tokenizer is null ? "" : baseModel };
        using var reader = new DatasetReader(header, Path.Combine(directory, Guid.NewGuid() + ".tmp"), 64 << 20, 1 << 20, tokenizer);
        var bytes = Encoding.UTF8.GetBytes(content);
        for (int i = 0; i < bytes.Length; i += 4096)
        {
            reader.Append(bytes.AsSpan(i, Math.Min(4096, bytes.Length - i)));
            if (reader.CountingDue) await reader.CountPendingAsync(CancellationToken.None);
        }
        return await reader.CompleteAsync(CancellationToken.None);
    }

    private static string Words(int count, string word = "w") => string.Join(' ', Enumerable.Range(0, count).Select(i => word + i));

    private static string Pair(string query, string positive, params string[] negatives) =>
        JsonSerializer.Serialize(new { query, positive, negatives }) + "\n";

    [Fact]
    public async Task A_query_over_the_limit_is_an_error_a_passage_over_it_a_warning_each_with_its_count()
    {
        var file = Pair("short question", "short passage")
            + Pair(Words(9), "short passage two")
            + Pair("another question", Words(12), "fine negative", Words(10))
            + Pair("last question", "last passage");
        var tokenizer = new WordTokenizer(8);
        var dataset = await ReadAsync(DatasetKind.RetrievalPairs, file, tokenizer);

        Assert.Equal(DatasetStatus.Invalid, dataset.Status);
        Assert.Equal(4u, dataset.LineCount);
        Assert.Equal(3u, dataset.ValidLines);
        var error = Assert.Single(dataset.Errors);
        Assert.Equal((2ul, "query", 9u, 8u), (error.Line, error.Field, error.TokenCount, error.TokenLimit));
        Assert.Contains("9 tokens", error.Reason);
        Assert.Equal(2ul, dataset.WarningCount);
        Assert.Equal([(3ul, "positive", 12u), (3ul, "negatives[1]", 10u)],
            dataset.Warnings.Select(w => (w.Line, w.Field, w.TokenCount)));
        Assert.All(dataset.Warnings, w => Assert.Equal(8u, w.TokenLimit));
    }

    [Fact]
    public async Task Passages_over_the_limit_alone_leave_the_dataset_usable()
    {
        var dataset = await ReadAsync(DatasetKind.RetrievalPairs, Pair("q one", Words(20)) + Pair("q two", "p"), new WordTokenizer(8));
        Assert.Equal(DatasetStatus.Valid, dataset.Status);
        Assert.Equal(1ul, dataset.WarningCount);
    }

    [Fact]
    public async Task A_text_the_tokenizer_refuses_fails_its_line_alone()
    {
        var file = Pair("q one", "p one") + Pair("q two", "REFUSE this passage") + Pair("q three", "p three");
        var dataset = await ReadAsync(DatasetKind.RetrievalPairs, file, new WordTokenizer(8));
        var error = Assert.Single(dataset.Errors);
        Assert.Equal((2ul, "positive"), (error.Line, error.Field));
        Assert.Contains("too long to send", error.Reason);
        Assert.Equal(2u, dataset.ValidLines);
    }

    [Fact]
    public async Task Texts_are_counted_in_batches_and_only_those_of_schema_valid_lines()
    {
        var file = new StringBuilder();
        for (int i = 0; i < 1000; i++) file.Append(i == 500 ? "{\"query\":\"\"}\n" : Pair($"question {i}", $"passage {i}"));
        var tokenizer = new WordTokenizer(8);
        var dataset = await ReadAsync(DatasetKind.RetrievalPairs, file.ToString(), tokenizer);

        Assert.Equal(999u, dataset.ValidLines);
        Assert.Equal(999 * 2, tokenizer.Seen.Count);
        // Neither all at once (memory) nor a call per line: batches of a few hundred texts.
        Assert.InRange(tokenizer.Calls.Count, 4, 10);
        Assert.All(tokenizer.Calls, size => Assert.InRange(size, 1, 2 * 256));
    }

    [Fact]
    public async Task A_chat_example_is_counted_as_the_text_it_trains_on_against_the_context()
    {
        var longReply = Words(40);
        var file = $$"""
            {"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}
            {"messages":[{"role":"user","content":"tell me"},{"role":"assistant","content":"{{longReply}}"}]}
            """;
        var tokenizer = new WordTokenizer(32);
        var dataset = await ReadAsync(DatasetKind.Chat, file, tokenizer);

        Assert.Contains("<|im_start|>assistant\nhello<|im_end|>", tokenizer.Seen[0]);
        var error = Assert.Single(dataset.Errors);
        Assert.Equal((2ul, "", 32u), (error.Line, error.Field, error.TokenLimit));
        Assert.True(error.TokenCount > 32);
        Assert.Contains("context", error.Reason);
    }

    [Fact]
    public async Task Errors_read_in_line_order_though_counts_arrive_a_batch_late()
    {
        var file = new StringBuilder();
        for (int i = 0; i < 300; i++)
            file.Append(i switch { 10 => Pair(Words(9), "p"), 299 => "not json\n", _ => Pair($"q {i}", "p") });
        var dataset = await ReadAsync(DatasetKind.RetrievalPairs, file.ToString(), new WordTokenizer(8));
        Assert.Equal([11ul, 300ul], dataset.Errors.Select(e => e.Line));
    }

    [Fact]
    public async Task The_same_file_checked_against_another_base_is_another_dataset()
    {
        var file = Pair("q", "p");
        var unchecked_ = await ReadAsync(DatasetKind.RetrievalPairs, file, null);
        var checkedOnce = await ReadAsync(DatasetKind.RetrievalPairs, file, new WordTokenizer(8));
        var checkedTwice = await ReadAsync(DatasetKind.RetrievalPairs, file, new WordTokenizer(8));
        var otherBase = await ReadAsync(DatasetKind.RetrievalPairs, file, new WordTokenizer(8), baseModel: "other");
        Assert.Equal(checkedOnce.Id, checkedTwice.Id);
        Assert.NotEqual(unchecked_.Id, checkedOnce.Id);
        Assert.NotEqual(checkedOnce.Id, otherBase.Id);
    }

    [Fact]
    public async Task An_unreachable_tokenizer_fails_the_upload()
    {
        await Assert.ThrowsAsync<UnavailableException>(() =>
            ReadAsync(DatasetKind.RetrievalPairs, Pair("q", "p"), new WordTokenizer(8, unreachable: true)));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
