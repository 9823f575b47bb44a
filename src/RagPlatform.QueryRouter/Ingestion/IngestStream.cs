using Grpc.Core;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Query.V1;

namespace RagPlatform.QueryRouter.Ingestion;

/// <summary>
/// An Ingest call's stream of documents: up to IngestConcurrency documents are ingested at once,
/// a later version of a document id only after the earlier one, and the results come back in
/// stream order with their totals.
/// </summary>
public sealed class IngestStream(IngestionPipeline pipeline, IOptions<QueryRouterOptions> options)
{
    public async Task<IngestResponse> IngestAsync(IAsyncStreamReader<IngestRequest> documents, CancellationToken cancellationToken)
    {
        var batch = pipeline.NewBatch();
        using var slots = new SemaphoreSlim(options.Value.IngestConcurrency);
        var running = new List<Task<DocumentResult>>();
        var latest = new Dictionary<(string Source, string DocumentId), Task>();
        uint index = 0;
        try
        {
            await foreach (var document in documents.ReadAllAsync(cancellationToken))
            {
                await slots.WaitAsync(cancellationToken);
                var key = (string.IsNullOrEmpty(document.Source) ? options.Value.DefaultSource : document.Source, document.DocumentId);
                var before = latest.GetValueOrDefault(key) ?? Task.CompletedTask;
                var task = RunAsync(document, index++, before, batch, slots, cancellationToken);
                latest[key] = task;
                running.Add(task);
            }
        }
        finally
        {
            // Never leave work running past the call, even when the stream broke.
            await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
        var response = new IngestResponse();
        foreach (var task in running)
        {
            var result = await task;
            response.Results.Add(result);
            switch (result.Status)
            {
                case DocumentStatus.Indexed: response.Indexed++; break;
                case DocumentStatus.Unchanged: response.Unchanged++; break;
                default: response.Failed++; break;
            }
        }
        return response;
    }

    private async Task<DocumentResult> RunAsync(IngestRequest document, uint index, Task before, IngestionPipeline.Batch batch,
        SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            await before.ContinueWith(_ => { }, TaskScheduler.Default);
            return await pipeline.IngestAsync(document, index, batch, cancellationToken);
        }
        finally
        {
            slots.Release();
        }
    }
}
