using System.Text;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Datasets;

namespace RagPlatform.Tests.Unit;

public sealed class DatasetReaderTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("ragplatform-ds-").FullName;

    private Dataset Read(DatasetKind kind, string content, int chunkSize = 7, int maxLineBytes = 1 << 20)
    {
        var header = new DatasetHeader { DisplayName = "t", Kind = kind };
        using var reader = new DatasetReader(header, Path.Combine(directory, Guid.NewGuid() + ".tmp"), 1 << 20, maxLineBytes);
        var bytes = Encoding.UTF8.GetBytes(content);
        for (int i = 0; i < bytes.Length; i += chunkSize)
            reader.Append(bytes.AsSpan(i, Math.Min(chunkSize, bytes.Length - i)));
        return reader.CompleteAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    [Fact]
    public void A_clean_chat_file_is_valid_and_content_addressed()
    {
        const string file = """
            {"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}
            {"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"2+2"},{"role":"assistant","content":"4"}]}
            """;
        var first = Read(DatasetKind.Chat, file);
        Assert.Equal(DatasetStatus.Valid, first.Status);
        Assert.Equal(2u, first.LineCount);
        Assert.Equal(2u, first.ValidLines);
        Assert.Matches("^ds-[0-9a-f]{24}$", first.Id);
        Assert.Equal(first.Id, Read(DatasetKind.Chat, file, chunkSize: 3).Id);
        Assert.NotEqual(first.Id, Read(DatasetKind.PromptCompletion, file).Id);
    }

    [Fact]
    public void Every_bad_line_is_reported_with_its_number_and_field_and_the_rest_still_count()
    {
        var file = string.Join("\n",
            """{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"ok"}]}""",
            """{"messages":[{"role":"robot","content":"hi"},{"role":"assistant","content":""}]}""",
            """not json""",
            "",
            """{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"ok"}]}""",
            """{"messages":[{"role":"user","content":"no answer"}]}""") + "\n";
        var dataset = Read(DatasetKind.Chat, file);
        Assert.Equal(DatasetStatus.Invalid, dataset.Status);
        Assert.Equal(6u, dataset.LineCount);
        Assert.Equal(1u, dataset.ValidLines);
        Assert.Contains(dataset.Errors, e => e.Line == 2 && e.Field == "messages[0].role" && e.Reason.Contains("robot"));
        Assert.Contains(dataset.Errors, e => e.Line == 2 && e.Field == "messages[1].content" && e.Reason == "is empty");
        Assert.Contains(dataset.Errors, e => e.Line == 3 && e.Reason.StartsWith("is not valid JSON"));
        Assert.Contains(dataset.Errors, e => e.Line == 4 && e.Reason == "is empty");
        Assert.Contains(dataset.Errors, e => e.Line == 5 && e.Reason == "duplicates line 1");
        Assert.Contains(dataset.Errors, e => e.Line == 6 && e.Field == "messages" && e.Reason.Contains("assistant"));
        Assert.Equal((ulong)dataset.Errors.Count, dataset.ErrorCount);
    }

    [Fact]
    public void Retrieval_pairs_and_prompt_completion_schemas_are_checked()
    {
        var pairs = Read(DatasetKind.RetrievalPairs, """
            {"query":"q1","positive":"p","negatives":["n1"]}
            {"query":"q2","positive":"p","positive_id":"d1"}
            {"query":"","positive_id":"d2","negatives":[""]}
            """);
        Assert.Equal(1u, pairs.ValidLines);
        Assert.Contains(pairs.Errors, e => e.Line == 2 && e.Field == "positive");
        Assert.Contains(pairs.Errors, e => e.Line == 3 && e.Field == "query");
        Assert.Contains(pairs.Errors, e => e.Line == 3 && e.Field == "negatives[0]");

        var completions = Read(DatasetKind.PromptCompletion, """{"prompt":"a"}""");
        Assert.Contains(completions.Errors, e => e.Line == 1 && e.Field == "completion" && e.Reason == "is missing");
    }

    [Fact]
    public void An_oversize_line_is_an_error_not_a_failure()
    {
        var file = "{\"prompt\":\"" + new string('x', 200) + "\",\"completion\":\"y\"}\n{\"prompt\":\"a\",\"completion\":\"b\"}\n";
        var dataset = Read(DatasetKind.PromptCompletion, file, maxLineBytes: 100);
        Assert.Equal(2u, dataset.LineCount);
        Assert.Equal(1u, dataset.ValidLines);
        Assert.Contains(dataset.Errors, e => e.Line == 1 && e.Reason.Contains("longer than 100 bytes"));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
