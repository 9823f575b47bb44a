using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.QueryRouter.Ingestion;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

/// <summary>
/// Ingestion of real files through the standalone composition (real gRPC hops, the USE-lite encoder
/// and its 128-piece input), checked against what the store holds afterwards.
/// </summary>
public sealed class IngestionTests(UseLiteWeights weights) : IClassFixture<UseLiteWeights>, IAsyncLifetime
{
    private ServiceHost host = null!;
    private QueryRouterService.QueryRouterServiceClient router = null!;
    private VectorSearchService.VectorSearchServiceClient vectors = null!;
    private EmbeddingService.EmbeddingServiceClient embedding = null!;

    public async Task InitializeAsync()
    {
        host = await ServiceHost.StartStandaloneAsync(new Dictionary<string, string?>
        {
            ["Embedding:UseLite:ModelDirectory"] = weights.Location.Directory,
            ["QueryRouter:MaxDocumentBytes"] = "65536",
            ["QueryRouter:MaxChunksPerDocument"] = "40",
        });
        router = new QueryRouterService.QueryRouterServiceClient(host.Channel);
        vectors = new VectorSearchService.VectorSearchServiceClient(host.Channel);
        embedding = new EmbeddingService.EmbeddingServiceClient(host.Channel);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    private static IngestRequest File(string id, byte[] content, string contentType = "", string title = "") => new()
    {
        DocumentId = id, FileName = id, ContentType = contentType, Title = title, Content = ByteString.CopyFrom(content),
    };

    private static IngestRequest Text(string id, string text, string contentType = DocumentParser.Markdown) =>
        File(id, Encoding.UTF8.GetBytes(text), contentType);

    private async Task<IngestResponse> IngestAsync(string tenant, IEnumerable<IngestRequest> documents)
    {
        using var call = router.Ingest(ServiceHost.Tenant(tenant));
        foreach (var document in documents) await call.RequestStream.WriteAsync(document);
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    /// <summary>Every chunk a source holds (of one document, when named), in chunk order.</summary>
    private async Task<List<ScoredPoint>> ChunksAsync(string tenant, string? documentId = null, string source = "default")
    {
        var search = new SearchRequest
        {
            Collection = "src-" + source,
            Dense = { Enumerable.Range(0, 512).Select(i => i == 0 ? 1f : 0f) },
            Limit = 1000,
            Params = new SearchParams { Exact = true },
            WithPayload = true,
        };
        if (documentId is not null) search.Filter = ChunkFilters.AllOf(documentId);
        var found = await vectors.SearchAsync(search, ServiceHost.Tenant(tenant));
        Assert.True(found.Points.Count < 1000, "the test reads every chunk, so it keeps fewer than 1000");
        return [.. found.Points.OrderBy(p => ChunkPayload.GetString(p.Payload, ChunkPayload.DocumentId), StringComparer.Ordinal)
            .ThenBy(p => ChunkPayload.GetInt(p.Payload, ChunkPayload.ChunkIndex))];
    }

    [Fact]
    public async Task Html_pdf_and_docx_chunks_carry_title_section_path_and_offsets_that_slice_the_extracted_text()
    {
        var files = new (IngestRequest Request, string Type, string Title, string[] Sections)[]
        {
            (File("guide.html", Encoding.UTF8.GetBytes(TestDocuments.Html)), DocumentParser.Html, "Install guide",
                ["Install", "Install > Linux", "Install > Windows"]),
            (File("tides.pdf", TestDocuments.Pdf()), DocumentParser.Pdf, "Tidal forces", ["Ocean tides", "Ocean tides > Spring tides"]),
            (File("bread.docx", TestDocuments.Docx()), DocumentParser.Docx, "Sourdough handbook", ["Starter", "Starter > Feeding"]),
        };
        var response = await IngestAsync("formats", files.Select(f => f.Request));
        Assert.Equal(3u, response.Indexed);

        foreach (var (request, type, title, sections) in files)
        {
            var extracted = DocumentParser.Parse(request.Content.Span, type, "").Text;
            var chunks = await ChunksAsync("formats", request.DocumentId);
            Assert.Equal((int)response.Results.Single(r => r.DocumentId == request.DocumentId).Chunks, chunks.Count);
            foreach (var chunk in chunks)
            {
                var payload = chunk.Payload;
                Assert.Equal(title, ChunkPayload.GetString(payload, ChunkPayload.Title));
                Assert.Equal("default", ChunkPayload.GetString(payload, ChunkPayload.Source));
                int start = ChunkPayload.GetInt(payload, ChunkPayload.StartChar), end = ChunkPayload.GetInt(payload, ChunkPayload.EndChar);
                Assert.Equal(extracted[start..end], ChunkPayload.GetString(payload, ChunkPayload.Text));
            }
            Assert.Equal(sections, chunks.Select(c => ChunkPayload.GetString(c.Payload, ChunkPayload.Section)).Distinct());
        }
        var answer = await router.AskAsync(new AskRequest { Question = "Which Debian version is supported?" }, ServiceHost.Tenant("formats"));
        Assert.Equal("guide.html", answer.Citations[0].DocumentId);
    }

    [Fact]
    public async Task One_bad_file_among_good_ones_fails_alone_naming_content_and_why()
    {
        var response = await IngestAsync("mixed",
        [
            File("good.html", Encoding.UTF8.GetBytes(TestDocuments.Html)),
            File("broken.pdf", "%PDF-1.7\n1 0 obj garbage"u8.ToArray()),
            File("locked.pdf", TestDocuments.EncryptedPdf()),
            File("locked.docx", TestDocuments.OleFile()),
            File("scan.pdf", TestDocuments.BlankPdf()),
            File("photo.png", [0x89, 0x50, 0x4E, 0x47], contentType: "image/png"),
            File("good.docx", TestDocuments.Docx()),
        ]);
        Assert.Equal([DocumentStatus.Indexed, DocumentStatus.Failed, DocumentStatus.Failed, DocumentStatus.Failed,
            DocumentStatus.Failed, DocumentStatus.Failed, DocumentStatus.Indexed], response.Results.Select(r => r.Status));
        (string Field, string Why)[] expected =
            [("content", "not a readable PDF"), ("content", "encrypted PDF"), ("content", "encrypted or legacy"),
             ("content", "no extractable text"), ("content_type", "not supported")];
        for (int i = 0; i < expected.Length; i++)
        {
            var error = response.Results[i + 1].Error;
            Assert.Equal((int)StatusCode.InvalidArgument, error.Code);
            Assert.StartsWith(expected[i].Field + ":", error.Message);
            Assert.Contains(expected[i].Why, error.Message);
        }
        Assert.Equal(2u, response.Indexed);
        Assert.NotEmpty(await ChunksAsync("mixed", "good.docx"));
    }

    [Fact]
    public async Task Limits_on_bytes_and_chunks_per_document_are_answered_clearly()
    {
        var manySections = string.Join("\n\n", Enumerable.Range(0, 50).Select(i => $"## Part {i}\n\nPart {i} is short."));
        var response = await IngestAsync("limits",
        [
            Text("huge.md", new string('a', 70_000)),
            Text("long.md", manySections),
            Text("fine.md", "# Fine\n\nThis one fits."),
        ]);
        Assert.Equal([DocumentStatus.Failed, DocumentStatus.Failed, DocumentStatus.Indexed], response.Results.Select(r => r.Status));
        Assert.Equal("content: is 70000 bytes; the limit is 65536 bytes per document", response.Results[0].Error.Message);
        Assert.Equal("content: makes 50 chunks; the limit is 40 per document (split it into smaller documents)", response.Results[1].Error.Message);
        Assert.Empty(await ChunksAsync("limits", "long.md"));
    }

    [Fact]
    public async Task Reingest_writes_a_new_generation_replacing_the_old_and_delete_removes_it()
    {
        var first = "# Notes\n\n" + string.Join(" ", Enumerable.Range(0, 60).Select(i => $"Sentence number {i} talks about topic {i}."));
        Assert.Equal(DocumentStatus.Indexed, (await IngestAsync("versions", [Text("notes.md", first)])).Results[0].Status);
        var before = await ChunksAsync("versions", "notes.md");
        Assert.True(before.Count > 1);
        long oldGeneration = ChunkGenerations.Of(before[0].Payload);
        Assert.All(before, c => Assert.Equal(oldGeneration, ChunkGenerations.Of(c.Payload)));

        Assert.Equal(DocumentStatus.Unchanged, (await IngestAsync("versions", [Text("notes.md", first)])).Results[0].Status);
        Assert.Equal(before.Select(c => c.Id), (await ChunksAsync("versions", "notes.md")).Select(c => c.Id));

        var changed = await IngestAsync("versions", [Text("notes.md", "# Notes\n\nThe meeting moved to Thursday.")]);
        Assert.Equal(1u, changed.Results[0].Chunks);
        var after = Assert.Single(await ChunksAsync("versions", "notes.md"));
        Assert.True(ChunkGenerations.Of(after.Payload) > oldGeneration);
        Assert.DoesNotContain(after.Id, before.Select(c => c.Id));
        var answer = await router.AskAsync(new AskRequest { Question = "When is the meeting?" }, ServiceHost.Tenant("versions"));
        Assert.Contains("Thursday", answer.Answer);

        var deleted = await router.DeleteDocumentAsync(new DeleteDocumentRequest { Source = "default", DocumentId = "notes.md" }, ServiceHost.Tenant("versions"));
        Assert.Equal(1ul, deleted.DeletedChunks);
        Assert.Empty(await ChunksAsync("versions", "notes.md"));
        Assert.Equal(0ul, (await router.DeleteDocumentAsync(new DeleteDocumentRequest { Source = "default", DocumentId = "notes.md" }, ServiceHost.Tenant("versions"))).DeletedChunks);
    }

    [Fact]
    public async Task Chunks_an_interrupted_reingest_left_behind_go_when_the_same_content_comes_again()
    {
        var old = Text("notes.md", "# Notes\n\nThe meeting is on Monday.");
        var current = Text("notes.md", "# Notes\n\nThe meeting moved to Thursday.");
        Assert.Equal(DocumentStatus.Indexed, (await IngestAsync("leftovers", [old])).Results[0].Status);
        var oldChunks = await vectors.ScrollAsync(new ScrollRequest { Collection = "src-default", WithPayload = true, WithVectors = true },
            ServiceHost.Tenant("leftovers"));
        Assert.Equal(DocumentStatus.Indexed, (await IngestAsync("leftovers", [current])).Results[0].Status);
        // A re-ingest that stopped between its upsert and its delete leaves the older generation stored.
        await vectors.UpsertAsync(new UpsertRequest { Collection = "src-default", Points = { oldChunks.Points } }, ServiceHost.Tenant("leftovers"));
        Assert.Equal(2, (await ChunksAsync("leftovers", "notes.md")).Count);

        Assert.Equal(DocumentStatus.Unchanged, (await IngestAsync("leftovers", [current])).Results[0].Status);
        var left = Assert.Single(await ChunksAsync("leftovers", "notes.md"));
        Assert.Contains("Thursday", ChunkPayload.GetString(left.Payload, ChunkPayload.Text));
    }

    [Fact]
    public async Task Documents_of_one_stream_are_ingested_together_yet_a_repeated_id_ends_at_its_last_version()
    {
        var documents = Enumerable.Range(0, 12).Select(i => Text($"doc-{i}.md", $"# Doc {i}\n\nDocument {i} is about topic number {i}.")).ToList();
        documents.Insert(3, Text("doc-1.md", "# Doc 1\n\nThe second version of document one."));
        documents.Insert(9, Text("doc-1.md", "# Doc 1\n\nThe third version of document one."));
        // Sent again unchanged within the same first load into an empty source: still found unchanged.
        documents.Add(documents[0].Clone());
        var response = await IngestAsync("stream", documents);
        Assert.Equal(Enumerable.Range(0, documents.Count).Select(i => (uint)i), response.Results.Select(r => r.Index));
        Assert.Equal(documents.Select(d => d.DocumentId), response.Results.Select(r => r.DocumentId));
        Assert.Equal((uint)documents.Count - 1, response.Indexed);
        Assert.Equal(DocumentStatus.Unchanged, response.Results[^1].Status);
        var chunk = Assert.Single(await ChunksAsync("stream", "doc-1.md"));
        Assert.Equal("The third version of document one.", ChunkPayload.GetString(chunk.Payload, ChunkPayload.Text));
    }

    [Fact]
    public async Task No_ingested_chunk_of_scifact_abstracts_or_the_samples_is_truncated_by_the_encoder()
    {
        var scifact = Path.Combine(RagPlatform.Launcher.RepositoryRoot.Find(), "..", "shared", "data", "scifact", "corpus.jsonl");
        // The longest abstracts of the first 600: the ones most likely to overflow the encoder's input.
        var abstracts = System.IO.File.ReadLines(scifact).Take(600).Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            return Text(root.GetProperty("_id").GetString()!,
                $"{root.GetProperty("title").GetString()}\n\n{root.GetProperty("text").GetString()}", DocumentParser.PlainText);
        }).OrderByDescending(d => d.Content.Length).Take(60);
        var samples = Directory.GetFiles(Path.Combine(RagPlatform.Launcher.RepositoryRoot.Find(), "samples")).Select(f => File(Path.GetFileName(f), System.IO.File.ReadAllBytes(f)));
        var response = await IngestAsync("scifact", abstracts.Concat(samples));
        Assert.Equal(0u, response.Failed);

        var chunks = await ChunksAsync("scifact");
        Assert.Equal(response.Results.Sum(r => (long)r.Chunks), chunks.Count);
        Assert.True(chunks.Count > 3 * 60, "long abstracts make several chunks each");
        foreach (var batch in chunks.Chunk(64))
        {
            var embedded = await embedding.EmbedAsync(new EmbedRequest
            {
                InputType = InputType.Document, Dense = true,
                Texts = { batch.Select(c => ChunkPayload.GetString(c.Payload, ChunkPayload.Text)) },
            });
            Assert.Equal("use-lite", embedded.Model);
            for (int i = 0; i < batch.Length; i++)
            {
                Assert.False(embedded.Embeddings[i].Truncated, $"chunk {batch[i].Id} was truncated at {embedded.Embeddings[i].TokenCount} pieces");
                Assert.InRange(embedded.Embeddings[i].TokenCount, 1u, 128u);
            }
        }
    }
}
