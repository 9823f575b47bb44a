using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.QueryRouter.Ingestion;

namespace RagPlatform.Tests.Unit;

/// <summary>
/// The ingest stream's shared Embed calls: documents that wait behind a call go out together in the
/// next, within the size limit, each gets its own vectors back in order, and a call the service
/// refuses fails only the document whose texts it refused.
/// </summary>
public sealed class EmbedBatcherTests
{
    /// <summary>An Embedding client that answers each text with a vector of its length, holds calls until released, and refuses "poison".</summary>
    private sealed class HeldEmbedding : EmbeddingService.EmbeddingServiceClient
    {
        public readonly ConcurrentQueue<List<string>> Calls = new();
        private TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly SemaphoreSlim arrived = new(0);

        public void Release() => release.TrySetResult();

        /// <summary>Every call fails as in an outage.</summary>
        public bool Down { get; set; }

        /// <summary>Waits until a call has reached the service.</summary>
        public Task ArrivedAsync() => arrived.WaitAsync(TimeSpan.FromSeconds(30));

        public override AsyncUnaryCall<EmbedResponse> EmbedAsync(EmbedRequest request, CallOptions options)
        {
            var texts = request.Texts.ToList();
            Calls.Enqueue(texts);
            arrived.Release();
            return new AsyncUnaryCall<EmbedResponse>(AnswerAsync(texts, options.CancellationToken), Task.FromResult(new Metadata()),
                () => Status.DefaultSuccess, () => [], () => { });
        }

        private async Task<EmbedResponse> AnswerAsync(List<string> texts, CancellationToken cancellationToken)
        {
            await release.Task.WaitAsync(cancellationToken);
            if (texts.Contains("poison")) throw new RpcException(new Status(StatusCode.InvalidArgument, "texts: poison"));
            if (Down) throw new RpcException(new Status(StatusCode.Unavailable, "embedding is down"));
            var response = new EmbedResponse { Model = "m", EmbeddingSpace = "m@1" };
            response.Embeddings.Add(texts.Select(t => new Contracts.Embedding.V1.Embedding { Dense = { t.Length } }));
            return response;
        }
    }

    private static readonly EmbedRequest Dense = new() { Model = "m", InputType = InputType.Document, Dense = true };

    [Fact]
    public async Task Documents_waiting_behind_a_call_share_the_next_and_each_gets_its_own_vectors()
    {
        var service = new HeldEmbedding();
        var batcher = new EmbedBatcher(service, maxTexts: 100);
        var first = batcher.EmbedAsync(Dense, ["a"], CancellationToken.None);
        await service.ArrivedAsync();
        var second = batcher.EmbedAsync(Dense, ["bb", "ccc"], CancellationToken.None);
        var third = batcher.EmbedAsync(Dense, ["dddd"], CancellationToken.None);
        service.Release();

        Assert.Equal([1f], (await first).Embeddings.Select(e => e.Dense[0]));
        Assert.Equal([2f, 3f], (await second).Embeddings.Select(e => e.Dense[0]));
        Assert.Equal([4f], (await third).Embeddings.Select(e => e.Dense[0]));
        Assert.Equal("m@1", (await third).EmbeddingSpace);
        Assert.Equal(["a", "bb ccc dddd"], service.Calls.Select(call => string.Join(" ", call)));
    }

    [Fact]
    public async Task A_call_never_exceeds_the_size_limit()
    {
        var service = new HeldEmbedding();
        var batcher = new EmbedBatcher(service, maxTexts: 3);
        service.Release();
        var one = batcher.EmbedAsync(Dense, ["a", "b", "c", "d", "e", "f", "g"], CancellationToken.None);
        Assert.Equal(7, (await one).Embeddings.Count);
        Assert.All(service.Calls, call => Assert.InRange(call.Count, 1, 3));
        Assert.Equal(3, service.Calls.Count);
    }

    [Fact]
    public async Task A_refused_shared_call_fails_only_the_document_with_the_bad_text()
    {
        var service = new HeldEmbedding();
        var batcher = new EmbedBatcher(service, maxTexts: 100);
        var first = batcher.EmbedAsync(Dense, ["a"], CancellationToken.None);
        await service.ArrivedAsync();
        var good = batcher.EmbedAsync(Dense, ["bb"], CancellationToken.None);
        var bad = batcher.EmbedAsync(Dense, ["poison"], CancellationToken.None);
        var alsoGood = batcher.EmbedAsync(Dense, ["dddd"], CancellationToken.None);
        service.Release();

        Assert.Single((await first).Embeddings);
        Assert.Equal([2f], (await good).Embeddings.Select(e => e.Dense[0]));
        Assert.Equal([4f], (await alsoGood).Embeddings.Select(e => e.Dense[0]));
        var refused = await Assert.ThrowsAsync<RpcException>(() => bad);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
    }

    [Fact]
    public async Task A_shared_call_that_fails_in_an_outage_fails_its_documents_at_once_without_sending_each_again()
    {
        var service = new HeldEmbedding { Down = true };
        var batcher = new EmbedBatcher(service, maxTexts: 100);
        var first = batcher.EmbedAsync(Dense, ["a"], CancellationToken.None);
        await service.ArrivedAsync();
        var second = batcher.EmbedAsync(Dense, ["bb"], CancellationToken.None);
        var third = batcher.EmbedAsync(Dense, ["ccc"], CancellationToken.None);
        service.Release();

        foreach (var document in new[] { first, second, third })
            Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => document)).StatusCode);
        Assert.Equal(["a", "bb ccc"], service.Calls.Select(call => string.Join(" ", call))); // the shared call, and no call per document after it
    }

    [Fact]
    public async Task Sparse_vectors_weighted_by_the_calls_own_average_length_are_never_shared()
    {
        var service = new HeldEmbedding();
        var batcher = new EmbedBatcher(service, maxTexts: 100);
        var batchAverage = new EmbedRequest { Model = "m", InputType = InputType.Document }; // dense and sparse, no average given
        var first = batcher.EmbedAsync(batchAverage, ["a"], CancellationToken.None);
        var second = batcher.EmbedAsync(batchAverage, ["bb", "ccc"], CancellationToken.None);
        var third = batcher.EmbedAsync(batchAverage, ["dddd"], CancellationToken.None);
        for (int i = 0; i < 3; i++) await service.ArrivedAsync(); // none waits behind another
        service.Release();

        Assert.Equal([2f, 3f], (await second).Embeddings.Select(e => e.Dense[0]));
        await Task.WhenAll(first, third);
        Assert.Equal(["a", "bb ccc", "dddd"], service.Calls.Select(call => string.Join(" ", call)).Order());

        // With the collection's average given, they share again.
        var known = new EmbedRequest { Model = "m", InputType = InputType.Document, SparseParameters = new SparseParameters { AverageDocumentLength = 12 } };
        var held = new HeldEmbedding();
        var shared = new EmbedBatcher(held, maxTexts: 100);
        var lead = shared.EmbedAsync(known, ["a"], CancellationToken.None);
        await held.ArrivedAsync();
        var behind = new[] { shared.EmbedAsync(known, ["bb"], CancellationToken.None), shared.EmbedAsync(known, ["ccc"], CancellationToken.None) };
        held.Release();
        await Task.WhenAll([lead, .. behind]);
        Assert.Equal(["a", "bb ccc"], held.Calls.Select(call => string.Join(" ", call)));
    }

    [Fact]
    public async Task A_document_that_goes_away_leaves_the_others_in_its_call_unharmed()
    {
        var service = new HeldEmbedding();
        var batcher = new EmbedBatcher(service, maxTexts: 100);
        var first = batcher.EmbedAsync(Dense, ["a"], CancellationToken.None);
        await service.ArrivedAsync();
        using var leaving = new CancellationTokenSource();
        var gone = batcher.EmbedAsync(Dense, ["bb"], leaving.Token);
        var staying = batcher.EmbedAsync(Dense, ["ccc"], CancellationToken.None);
        leaving.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gone);
        service.Release();

        Assert.Single((await first).Embeddings);
        Assert.Equal([3f], (await staying).Embeddings.Select(e => e.Dense[0]));
    }

    [Fact]
    public async Task A_lone_document_s_call_is_its_child_and_a_shared_call_links_to_every_document_it_serves()
    {
        var ended = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "RagPlatform.QueryRouter",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = span => { if (span.OperationName == "ingest embed") ended.Enqueue(span); },
        };
        ActivitySource.AddActivityListener(listener);
        var service = new HeldEmbedding();
        var batcher = new EmbedBatcher(service, maxTexts: 100);

        Task<EmbedBatcher.Embedded> Submit(string text, out ActivityContext document)
        {
            using var span = new Activity("ingest document").Start();
            document = span.Context;
            return batcher.EmbedAsync(Dense, [text], CancellationToken.None);
        }
        var first = Submit("a", out var lone);
        await service.ArrivedAsync();
        var second = Submit("bb", out var b);
        var third = Submit("ccc", out var c);
        service.Release();
        await Task.WhenAll(first, second, third);

        var mine = ended.Where(s => s.ParentSpanId == lone.SpanId || s.Links.Any(l => l.Context == b)).ToList();
        Assert.Equal(2, mine.Count);
        var alone = Assert.Single(mine, s => s.ParentSpanId == lone.SpanId);
        Assert.Equal(lone.TraceId, alone.TraceId);
        var shared = Assert.Single(mine, s => s != alone);
        Assert.Equal(default(ActivitySpanId), shared.ParentSpanId);
        Assert.Equal(new[] { b, c }, shared.Links.Select(l => l.Context));
        Assert.Equal(2, shared.GetTagItem("ragplatform.ingest.documents"));
    }
}
