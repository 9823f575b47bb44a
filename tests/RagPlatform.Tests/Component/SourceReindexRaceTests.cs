using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.DependencyInjection;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

/// <summary>
/// Writes that race a reindex. The router's calls to VectorSearch pass through an interceptor that
/// holds one write to the old collection until the reindex is about to drop it, the worst moment
/// for the write to land there: the write must still be in the new collection afterwards.
/// </summary>
public sealed class SourceReindexRaceTests : IAsyncLifetime
{
    private const string OldCollection = "src-library";
    private readonly VectorCallGate gate = new();
    private ServiceHost host = null!;
    private QueryRouterService.QueryRouterServiceClient router = null!;

    public async Task InitializeAsync()
    {
        host = await ServiceHost.StartStandaloneAsync(
            new Dictionary<string, string?> { ["Embedding:DefaultModel"] = "hashing-v1", ["QueryRouter:SourceSwitchWait"] = "00:00:01" },
            builder => builder.Services.Configure<GrpcClientFactoryOptions>(nameof(VectorSearchService.VectorSearchServiceClient),
                options => options.InterceptorRegistrations.Add(new InterceptorRegistration(InterceptorScope.Client, _ => gate))));
        router = new QueryRouterService.QueryRouterServiceClient(host.Channel);
        await router.CreateSourceAsync(new CreateSourceRequest { Source = new Source { Name = "library", RetrievalModel = "hashing-v1" } });
        using var call = router.Ingest();
        for (int i = 0; i < 40; i++)
            await call.RequestStream.WriteAsync(Document($"book-{i}", $"Book {i} records harvest number {i} in valley {i % 7}."));
        await call.RequestStream.CompleteAsync();
        Assert.Equal(40u, (await call).Indexed);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    private static IngestRequest Document(string id, string text) =>
        new() { Source = "library", DocumentId = id, ContentType = "text/plain", Content = ByteString.CopyFromUtf8(text) };

    private Task<Source> ReindexAsync() =>
        router.ReindexSourceAsync(new ReindexSourceRequest { Name = "library", RetrievalModel = "use-lite" }).ResponseAsync;

    private async Task<IReadOnlyList<string>> FindAsync(string question) =>
        (await router.RetrieveAsync(new RetrieveRequest { Question = question, Sources = { "library" }, Retrieval = new RetrievalOptions { TopK = 3 } }))
            .Passages.Select(p => p.DocumentId).ToList();

    [Fact]
    public async Task An_ingest_that_lands_in_the_old_collection_just_before_it_is_dropped_is_kept()
    {
        gate.HoldUntilDropped(OldCollection, request => request is UpsertRequest upsert && upsert.Points.Count > 0
            && upsert.Points[0].Payload.Fields["document_id"].StringValue == "owls.txt");
        var ingest = IngestOneAsync(Document("owls.txt", "The barn owls of Skerry Island hunt voles at midnight."));
        await gate.Held; // the ingest has read the source's old collection and is writing to it

        var reindexed = await ReindexAsync();
        var result = await ingest;

        Assert.Equal(DocumentStatus.Indexed, result.Status);
        Assert.Equal("use-lite", reindexed.RetrievalModel);
        var source = await router.GetSourceAsync(new GetSourceRequest { Name = "library" });
        Assert.Equal(41ul, source.DocumentCount);
        Assert.Equal("owls.txt", (await FindAsync("Which owls hunt voles at midnight on Skerry Island?"))[0]);
    }

    [Fact]
    public async Task A_delete_that_lands_in_the_old_collection_just_before_it_is_dropped_is_kept()
    {
        gate.HoldUntilDropped(OldCollection, request => request is DeletePointsRequest delete && delete.Filter is not null);
        var delete = router.DeleteDocumentAsync(new DeleteDocumentRequest { Source = "library", DocumentId = "book-3" }).ResponseAsync;
        await gate.Held;

        await ReindexAsync();

        Assert.Equal(1ul, (await delete).DeletedChunks);
        var source = await router.GetSourceAsync(new GetSourceRequest { Name = "library" });
        Assert.Equal(39ul, source.DocumentCount);
        Assert.DoesNotContain("book-3", await FindAsync("Book 3 records harvest number 3 in valley 3."));
    }

    [Fact]
    public async Task A_switch_that_stopped_part_way_holds_writes_back_until_reindex_finishes_it()
    {
        // The copy reads the old collection once; the pass that finishes the switch reads it again, and fails.
        gate.FailScroll(OldCollection, readNumber: 2);
        await RpcAssert.FailsAsync(StatusCode.Unavailable, ReindexAsync);
        var stuck = await router.GetSourceAsync(new GetSourceRequest { Name = "library" });
        Assert.Equal(OldCollection, stuck.SwitchingFrom);

        // No write lands while the switch is unfinished: it is refused, not acknowledged, and says what to do.
        var refused = await IngestOneAsync(Document("owls.txt", "The barn owls of Skerry Island hunt voles at midnight."));
        Assert.Equal(DocumentStatus.Failed, refused.Status);
        Assert.Equal((int)StatusCode.Unavailable, refused.Error.Code);
        Assert.Contains("ReindexSource", refused.Error.Message);

        var finished = await ReindexAsync();
        Assert.Equal("", finished.SwitchingFrom);
        Assert.Equal(stuck.Collection, finished.Collection);
        Assert.Equal(40ul, finished.DocumentCount);
        Assert.Equal(DocumentStatus.Indexed, (await IngestOneAsync(Document("owls.txt", "The barn owls of Skerry Island hunt voles at midnight."))).Status);
        Assert.Equal("owls.txt", (await FindAsync("Which owls hunt voles at midnight on Skerry Island?"))[0]);
        var vectors = new VectorSearchService.VectorSearchServiceClient(host.Channel);
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => vectors.GetCollectionAsync(new GetCollectionRequest { Name = OldCollection }).ResponseAsync);
    }

    private async Task<DocumentResult> IngestOneAsync(IngestRequest document)
    {
        using var call = router.Ingest();
        await call.RequestStream.WriteAsync(document);
        await call.RequestStream.CompleteAsync();
        return (await call).Results.Single();
    }

    /// <summary>Holds or fails chosen calls from the router to VectorSearch.</summary>
    private sealed class VectorCallGate : Interceptor
    {
        private readonly TaskCompletionSource held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource dropping = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource written = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private string? holdIn;
        private Func<object, bool> isHeld = _ => false;
        private int holds;
        private string? failIn;
        private int failRead;
        private int reads;

        /// <summary>Completes once the chosen write is being held.</summary>
        public Task Held => held.Task;

        /// <summary>
        /// Holds the first write into <paramref name="collection"/> that <paramref name="matches"/> until that
        /// collection is about to be dropped, and lets the drop go on only once the write is done.
        /// </summary>
        public void HoldUntilDropped(string collection, Func<object, bool> matches) => (holdIn, isHeld) = (collection, matches);

        /// <summary>Fails the <paramref name="readNumber"/>th scroll of <paramref name="collection"/> with UNAVAILABLE.</summary>
        public void FailScroll(string collection, int readNumber) => (failIn, failRead) = (collection, readNumber);

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
            AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            if (holdIn is not null && CollectionOf(request) == holdIn && isHeld(request) && Interlocked.Increment(ref holds) == 1)
                return Call(async () =>
                {
                    held.SetResult();
                    await dropping.Task;
                    try { return await continuation(request, context); }
                    finally { written.SetResult(); }
                });
            if (holdIn is not null && request is DeleteCollectionRequest drop && drop.Name == holdIn)
                return Call(async () =>
                {
                    dropping.TrySetResult();
                    if (held.Task.IsCompleted) await written.Task;
                    return await continuation(request, context);
                });
            if (request is ScrollRequest scroll && scroll.Collection == failIn && Interlocked.Increment(ref reads) == failRead)
                return Call(() => Task.FromException<TResponse>(new RpcException(new Status(StatusCode.Unavailable, "scroll failed by the test"))));
            return continuation(request, context);
        }

        private static string? CollectionOf(object request) => request switch
        {
            UpsertRequest upsert => upsert.Collection,
            DeletePointsRequest delete => delete.Collection,
            _ => null,
        };

        private static AsyncUnaryCall<T> Call<T>(Func<Task<T>> run) =>
            new(run(), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
    }
}
