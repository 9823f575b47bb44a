using System.Threading.Channels;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.Embedding.Batching;

/// <summary>
/// Merges concurrent requests into shared model calls: while one batch runs, new requests queue,
/// and the next call takes as many queued texts as fit in a batch. No timer delays a lone
/// request. The queue is bounded in texts: beyond it, a caller gets RESOURCE_EXHAUSTED at once
/// instead of waiting behind an ever-growing backlog.
/// </summary>
public sealed class MicroBatcher<TIn, TOut> : IAsyncDisposable
{
    private sealed record Work(IReadOnlyList<TIn> Items, TaskCompletionSource<TOut[]> Done, CancellationToken Cancellation);

    private readonly Func<IReadOnlyList<TIn>, CancellationToken, Task<IReadOnlyList<TOut>>> process;
    private readonly int maxBatch, capacity;
    private readonly Channel<Work> queue = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource stopping = new();
    private readonly Task loop;
    private int queued;

    public MicroBatcher(Func<IReadOnlyList<TIn>, CancellationToken, Task<IReadOnlyList<TOut>>> process, int maxBatch, int capacity)
    {
        this.process = process;
        this.maxBatch = Math.Max(1, maxBatch);
        this.capacity = Math.Max(this.maxBatch, capacity);
        loop = Task.Run(RunAsync);
    }

    /// <summary>Texts waiting, for the queue-depth metric.</summary>
    public int Queued => Volatile.Read(ref queued);

    public Task<TOut[]> SubmitAsync(IReadOnlyList<TIn> items, CancellationToken cancellationToken)
    {
        if (Interlocked.Add(ref queued, items.Count) > capacity)
        {
            Interlocked.Add(ref queued, -items.Count);
            return Task.FromException<TOut[]>(new ResourceExhaustedException($"the embedding queue is full ({capacity} texts waiting); retry with backoff"));
        }
        var work = new Work(items, new TaskCompletionSource<TOut[]>(TaskCreationOptions.RunContinuationsAsynchronously), cancellationToken);
        queue.Writer.TryWrite(work);
        return work.Done.Task;
    }

    private async Task RunAsync()
    {
        var reader = queue.Reader;
        Work? carried = null;
        while (carried is not null || await reader.WaitToReadAsync(stopping.Token).ConfigureAwait(false))
        {
            var batch = new List<Work>();
            int size = 0;
            if (carried is not null) { batch.Add(carried); size = carried.Items.Count; carried = null; }
            while (size < maxBatch && reader.TryRead(out var next))
            {
                if (size > 0 && size + next.Items.Count > maxBatch) { carried = next; break; }
                batch.Add(next);
                size += next.Items.Count;
            }
            await RunBatchAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task RunBatchAsync(List<Work> batch)
    {
        var live = batch.Where(w => !w.Cancellation.IsCancellationRequested).ToList();
        List<TOut>? results = null;
        Exception? failure = null;
        try
        {
            var items = live.SelectMany(w => w.Items).ToList();
            results = new List<TOut>(items.Count);
            // One request larger than a batch is processed in batch-sized calls.
            for (int start = 0; start < items.Count; start += maxBatch)
                results.AddRange(await process(items.GetRange(start, Math.Min(maxBatch, items.Count - start)), stopping.Token).ConfigureAwait(false));
        }
        catch (Exception error)
        {
            failure = error;
        }
        // The queue has room again before any caller learns its result, so a caller may submit at once.
        Interlocked.Add(ref queued, -batch.Sum(w => w.Items.Count));
        foreach (var work in batch.Except(live)) work.Done.TrySetCanceled(work.Cancellation);
        int offset = 0;
        foreach (var work in live)
        {
            if (failure is not null) work.Done.TrySetException(failure);
            else work.Done.TrySetResult(results!.GetRange(offset, work.Items.Count).ToArray());
            offset += work.Items.Count;
        }
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        stopping.Cancel();
        try { await loop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        stopping.Dispose();
    }
}
