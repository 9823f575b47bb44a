using System.Text;
using Grpc.Core;
using RagPlatform.Cli.Client;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

/// <summary>
/// rag ingest and rag ask against a running platform: a folder of mixed formats, other files
/// reported, not sent; the answer streamed as it is written.
/// </summary>
public sealed class IngestCommandTests : IAsyncLifetime
{
    private ServiceHost host = null!;
    private string folder = null!;

    public async Task InitializeAsync()
    {
        host = await ServiceHost.StartStandaloneAsync(new Dictionary<string, string?> { ["Embedding:DefaultModel"] = "hashing-v1" });
        folder = Path.Combine(Path.GetTempPath(), "ragplatform-ingest-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(folder, "manuals"));
        File.WriteAllText(Path.Combine(folder, "notes.md"), "# Notes\n\nThe meeting moved to Thursday.");
        File.WriteAllText(Path.Combine(folder, "manuals", "guide.html"), TestDocuments.Html);
        File.WriteAllBytes(Path.Combine(folder, "manuals", "tides.pdf"), TestDocuments.Pdf());
        File.WriteAllBytes(Path.Combine(folder, "bread.docx"), TestDocuments.Docx());
        File.WriteAllBytes(Path.Combine(folder, "photo.png"), [0x89, 0x50, 0x4E, 0x47]);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void A_scan_finds_every_supported_file_in_order_and_reports_the_rest()
    {
        var scan = DocumentFiles.Scan([folder]);
        Assert.Equal(["bread.docx", "guide.html", "tides.pdf", "notes.md"], scan.Documents.Select(f => f.Name));
        var (file, reason) = Assert.Single(scan.Skipped);
        Assert.Equal("photo.png", file.Name);
        Assert.Equal("unsupported file type '.png'", reason);
        Assert.Throws<FileNotFoundException>(() => DocumentFiles.Scan([Path.Combine(folder, "missing")]));
    }

    [Fact]
    public async Task Ingests_a_folder_of_mixed_formats_and_fails_only_when_a_document_fails()
    {
        string[] args = ["ingest", folder, "--endpoint", host.Address.ToString(), "--tenant", "cli", "--source", "handbook"];
        Assert.Equal(0, await Cli.Program.Main(args));
        var router = new QueryRouterService.QueryRouterServiceClient(host.Channel);
        var answer = await router.AskAsync(new AskRequest { Question = "When is the meeting?", Sources = { "handbook" } }, ServiceHost.Tenant("cli"));
        Assert.Contains("Thursday", answer.Answer);

        File.WriteAllBytes(Path.Combine(folder, "broken.pdf"), "%PDF-1.7 garbage"u8.ToArray());
        Assert.Equal(1, await Cli.Program.Main(args));
    }

    [Fact]
    public async Task Ask_streams_the_answer_as_it_is_written_then_its_summary()
    {
        Assert.Equal(0, await Cli.Program.Main(["ingest", folder, "--endpoint", host.Address.ToString(), "--tenant", "cli-ask", "--source", "handbook"]));
        var router = new QueryRouterService.QueryRouterServiceClient(host.Channel);
        using var call = router.AskStream(new AskRequest { Question = "When is the meeting?", Sources = { "handbook" } }, ServiceHost.Tenant("cli-ask"));
        var written = new StringWriter();
        var summary = await AnswerPrinter.StreamAsync(call.ResponseStream.ReadAllAsync(), CancellationToken.None, written);
        Assert.Contains("Thursday", summary.Answer);
        Assert.Equal(summary.Answer + Environment.NewLine, written.ToString());
        Assert.Equal(0, await Cli.Program.Main(["ask", "When is the meeting?", "--endpoint", host.Address.ToString(), "--tenant", "cli-ask", "--source", "handbook"]));
    }
}
