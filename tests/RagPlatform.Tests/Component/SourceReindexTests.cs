using Google.Protobuf;
using Grpc.Core;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.QueryRouter.Ingestion;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

/// <summary>
/// A source's retrieval model and its embedding space: queries from another space are refused, and
/// ReindexSource moves a source from the hashing encoder to the sentence encoder while it is queried.
/// </summary>
public sealed class SourceReindexTests : IClassFixture<UseLiteWeights>, IAsyncLifetime
{
    private ServiceHost host = null!;
    private QueryRouterService.QueryRouterServiceClient router = null!;
    private VectorSearchService.VectorSearchServiceClient vectors = null!;

    public async Task InitializeAsync()
    {
        host = await ServiceHost.StartStandaloneAsync(new Dictionary<string, string?> { ["Embedding:DefaultModel"] = "hashing-v1" });
        router = new QueryRouterService.QueryRouterServiceClient(host.Channel);
        vectors = new VectorSearchService.VectorSearchServiceClient(host.Channel);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    private const string Needle = "The lighthouse keeper on Skerry Island feeds the puffins every morning at dawn.";

    private async Task IngestLibraryAsync(int documents)
    {
        using var call = router.Ingest();
        for (int i = 0; i < documents; i++)
            await call.RequestStream.WriteAsync(new IngestRequest
            {
                Source = "library", DocumentId = $"book-{i}", ContentType = "text/plain",
                Content = ByteString.CopyFromUtf8(i == 7 ? Needle : $"Book {i} is a record of harvest number {i} in valley {i % 13}, with {i} sacks of grain."),
            });
        await call.RequestStream.CompleteAsync();
        Assert.Equal((uint)documents, (await call).Indexed);
    }

    private Task<RetrieveResponse> FindNeedleAsync(string model = "") => router.RetrieveAsync(new RetrieveRequest
    {
        Question = "Who feeds the puffins on Skerry Island?",
        Retrieval = new RetrievalOptions { TopK = 3, RetrievalModel = model },
    }).ResponseAsync;

    [Fact]
    public async Task A_model_of_another_space_is_refused_until_the_source_is_reindexed_into_it()
    {
        await router.CreateSourceAsync(new CreateSourceRequest { Source = new Source { Name = "library", RetrievalModel = "hashing-v1" } });
        await IngestLibraryAsync(200);
        var error = await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, () => FindNeedleAsync("use-lite"));
        Assert.Contains("ReindexSource", error.Status.Detail);
        Assert.Equal("book-7", (await FindNeedleAsync()).Passages[0].DocumentId);

        var reindex = router.ReindexSourceAsync(new ReindexSourceRequest { Name = "library", RetrievalModel = "use-lite" }).ResponseAsync;
        int answeredDuring = 0;
        do
        {
            // Every query during the reindex is answered, from the old collection or the new one.
            var during = await FindNeedleAsync();
            Assert.Equal("book-7", during.Passages[0].DocumentId);
            if (!reindex.IsCompleted) answeredDuring++;
        } while (!reindex.IsCompleted);
        var reindexed = await reindex;
        Assert.True(answeredDuring > 0, "no query ran while the reindex did");

        Assert.Equal("use-lite", reindexed.RetrievalModel);
        Assert.StartsWith("use-lite", reindexed.EmbeddingSpace);
        Assert.NotEqual("src-library", reindexed.Collection);
        Assert.Equal(200ul, reindexed.DocumentCount);
        Assert.Equal(200ul, reindexed.ChunkCount);
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => vectors.GetCollectionAsync(new GetCollectionRequest { Name = "src-library" }).ResponseAsync);
        var collection = await vectors.GetCollectionAsync(new GetCollectionRequest { Name = reindexed.Collection });
        Assert.Equal(reindexed.EmbeddingSpace, collection.EmbeddingSpace);
        Assert.Equal(512u, collection.Dense.Dimension);
        // Sentence vectors moved to the new space with their chunks.
        var moved = await vectors.ScrollAsync(new ScrollRequest { Collection = reindexed.Collection, Limit = 1000, WithPayload = true });
        Assert.Equal(200, moved.Points.Count);
        Assert.All(moved.Points, p => Assert.Equal(reindexed.EmbeddingSpace, SentenceVectorPayload.Read(p.Payload)?.EmbeddingSpace));

        var after = await FindNeedleAsync();
        Assert.Equal("book-7", after.Passages[0].DocumentId);
        Assert.Equal("use-lite", after.Route.RetrievalModel);
        Assert.Equal("book-7", (await FindNeedleAsync("use-lite")).Passages[0].DocumentId);
        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, () => FindNeedleAsync("hashing-v1"));

        // Ingest and delete keep working on the new collection.
        using (var call = router.Ingest())
        {
            await call.RequestStream.WriteAsync(new IngestRequest { Source = "library", DocumentId = "late.txt", ContentType = "text/plain", Content = ByteString.CopyFromUtf8("A late addition about owls.") });
            await call.RequestStream.CompleteAsync();
            Assert.Equal(1u, (await call).Indexed);
        }
        Assert.Equal(1ul, (await router.DeleteDocumentAsync(new DeleteDocumentRequest { Source = "library", DocumentId = "late.txt" })).DeletedChunks);
    }

    [Fact]
    public async Task Reindex_refuses_bad_requests()
    {
        await IngestLibraryAsync(3);
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => router.ReindexSourceAsync(new ReindexSourceRequest { Name = "library" }).ResponseAsync, "retrieval_model");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => router.ReindexSourceAsync(new ReindexSourceRequest { Name = "library", RetrievalModel = "nope" }).ResponseAsync, "retrieval_model");
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => router.ReindexSourceAsync(new ReindexSourceRequest { Name = "absent", RetrievalModel = "use-lite" }).ResponseAsync);
        Assert.Equal("src-library", (await router.GetSourceAsync(new GetSourceRequest { Name = "library" })).Collection);
    }
}
