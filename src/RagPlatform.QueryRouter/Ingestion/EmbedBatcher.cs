using System.Diagnostics;
using Grpc.Core;
using RagPlatform.Contracts.Embedding.V1;

namespace RagPlatform.QueryRouter.Ingestion;

/// <summary>
/// One Ingest stream's Embed calls, shared by its documents: texts of the same kind (model, input
/// type, vectors, sparse parameters) wait while a call of that kind is under way, and the next call
/// takes all of them up to <c>maxTexts</c>, so a stream of small documents makes few large calls
/// instead of many small ones. No timer delays a lone document. When the service refuses a shared
/// call's texts (INVALID_ARGUMENT), each document's are sent again alone, so one bad document never
/// fails the others; any other failure fails every document of the call. A shared call
/// belongs to no one document: its span links to the spans of the documents it serves.
/// </summary>
public sealed class EmbedBatcher(EmbeddingService.EmbeddingServiceClient embedding, int maxTexts)
{
    /// <summary>A document's texts embedded: one entry per text, in order, and the model and space that made them.</summary>
    public sealed record Embedded(IReadOnlyList<Contracts.Embedding.V1.Embedding> Embeddings, string Model, string EmbeddingSpace);

    private sealed record Work(IReadOnlyList<string> Texts, TaskCompletionSource<Embedded> Done, CancellationToken Cancellation,
        ActivityContext? Document);

    private sealed class Lane(EmbedRequest shape)
    {
        public readonly EmbedRequest Shape = shape;
        public readonly Queue<Work> Waiting = new();
        public bool Sending;
    }

    private readonly Dictionary<string, Lane> lanes = new(StringComparer.Ordinal);
    private readonly int maxTexts = Math.Max(1, maxTexts);

    /// <param name="shape">Everything of the request but its texts.</param>
    public Task<Embedded> EmbedAsync(EmbedRequest shape, IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        if (texts.Count == 0) return Task.FromResult(new Embedded([], shape.Model, ""));
        var work = new Work(texts, new TaskCompletionSource<Embedded>(TaskCreationOptions.RunContinuationsAsynchronously), cancellationToken,
            Activity.Current?.Context);
        if (TakesTheCallsAverageLength(shape))
        {
            // Its sparse vectors would depend on which documents happened to share the call.
            _ = SendAloneAsync(shape, work);
            return work.Done.Task.WaitAsync(cancellationToken);
        }
        Lane lane;
        bool start;
        lock (lanes)
        {
            var key = shape.ToString();
            if (!lanes.TryGetValue(key, out lane!)) lanes[key] = lane = new Lane(shape.Clone());
            lane.Waiting.Enqueue(work);
            start = !lane.Sending;
            lane.Sending = true;
        }
        if (start) _ = SendAsync(lane);
        return work.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Sparse vectors asked for with no average document length (an empty collection's first
    /// documents) are weighted by the average of the call's own texts.
    /// </summary>
    private static bool TakesTheCallsAverageLength(EmbedRequest shape) =>
        (shape.Sparse || !shape.Dense) && (shape.SparseParameters?.AverageDocumentLength ?? 0) == 0;

    /// <summary>Sends the lane's waiting texts, a call at a time, until none are left.</summary>
    private async Task SendAsync(Lane lane)
    {
        // The lane outlives the document that started it: its calls are not that document's children.
        Activity.Current = null;
        while (true)
        {
            var batch = new List<Work>();
            lock (lanes)
            {
                int texts = 0;
                while (lane.Waiting.TryPeek(out var next) && (batch.Count == 0 || texts + next.Texts.Count <= maxTexts))
                {
                    lane.Waiting.Dequeue();
                    if (next.Cancellation.IsCancellationRequested) { next.Done.TrySetCanceled(next.Cancellation); continue; }
                    batch.Add(next);
                    texts += next.Texts.Count;
                }
                if (batch.Count == 0 && lane.Waiting.Count == 0)
                {
                    lane.Sending = false;
                    return;
                }
            }
            if (batch.Count == 0) continue;
            try
            {
                var embedded = await CallAsync(lane.Shape, [.. batch.SelectMany(w => w.Texts)], batch);
                int offset = 0;
                foreach (var work in batch)
                {
                    work.Done.TrySetResult(embedded with { Embeddings = Slice(embedded.Embeddings, offset, work.Texts.Count) });
                    offset += work.Texts.Count;
                }
            }
            catch (RpcException refused) when (refused.StatusCode == StatusCode.InvalidArgument && batch.Count > 1)
            {
                // Which document's texts the service refused is unknown: each is sent again alone.
                foreach (var work in batch) await SendAloneAsync(lane.Shape, work);
            }
            catch (Exception error)
            {
                // Not the texts' fault (an outage, a deadline): resending each alone would only wait longer.
                foreach (var work in batch) Fail(work, error);
            }
        }
    }

    private async Task SendAloneAsync(EmbedRequest shape, Work work)
    {
        try
        {
            work.Done.TrySetResult(await CallAsync(shape, work.Texts, [work]));
        }
        catch (Exception error)
        {
            Fail(work, error);
        }
    }

    private static void Fail(Work work, Exception error)
    {
        if (error is OperationCanceledException || error is RpcException { StatusCode: StatusCode.Cancelled } && work.Cancellation.IsCancellationRequested)
            work.Done.TrySetCanceled(work.Cancellation);
        else
            work.Done.TrySetException(error);
    }

    /// <summary>The texts in calls of at most maxTexts; stopped only once every document waiting on them has gone away.</summary>
    private async Task<Embedded> CallAsync(EmbedRequest shape, IReadOnlyList<string> texts, List<Work> waiting)
    {
        using var span = QueryRouterTelemetry.Source.StartActivity("ingest embed", ActivityKind.Internal,
            parentContext: waiting.Count == 1 ? waiting[0].Document ?? default : default,
            links: waiting.Where(w => w.Document is not null).Select(w => new ActivityLink(w.Document!.Value)));
        span?.SetTag("ragplatform.ingest.documents", waiting.Count);
        span?.SetTag("ragplatform.embedding.texts", texts.Count);
        using var stop = new CancellationTokenSource();
        int remaining = waiting.Count;
        var registrations = waiting.Select(w => w.Cancellation.Register(() =>
        {
            if (Interlocked.Decrement(ref remaining) == 0) stop.Cancel();
        })).ToList();
        try
        {
            var embeddings = new List<Contracts.Embedding.V1.Embedding>(texts.Count);
            string model = shape.Model, space = "";
            for (int offset = 0; offset < texts.Count; offset += maxTexts)
            {
                var request = shape.Clone();
                for (int i = offset; i < Math.Min(texts.Count, offset + maxTexts); i++) request.Texts.Add(texts[i]);
                var response = await embedding.EmbedAsync(request, cancellationToken: stop.Token);
                if (response.Embeddings.Count != request.Texts.Count)
                    throw new InvalidOperationException($"Embed returned {response.Embeddings.Count} embeddings for {request.Texts.Count} texts");
                embeddings.AddRange(response.Embeddings);
                model = response.Model;
                space = response.EmbeddingSpace;
            }
            return new Embedded(embeddings, model, space);
        }
        finally
        {
            foreach (var registration in registrations) registration.Dispose();
        }
    }

    private static IReadOnlyList<Contracts.Embedding.V1.Embedding> Slice(IReadOnlyList<Contracts.Embedding.V1.Embedding> all, int offset, int count)
    {
        var slice = new Contracts.Embedding.V1.Embedding[count];
        for (int i = 0; i < count; i++) slice[i] = all[offset + i];
        return slice;
    }
}
