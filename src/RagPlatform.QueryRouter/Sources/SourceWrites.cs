using Grpc.Core;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.QueryRouter.Sources;

/// <summary>
/// Where ingestion writes a source's chunks, and proof that each write stayed there. A reindex may
/// move the source to a new collection while a write is in flight; a write is acknowledged only
/// once a fresh read shows the source still at the collection it wrote to with no switch under
/// way, and is made again at the new collection otherwise. So no acknowledged write is dropped with
/// an old collection (see <see cref="SourceReindexer"/>).
/// </summary>
public sealed class SourceWrites(SourceRegistry registry, VectorSearchService.VectorSearchServiceClient vectors,
    IOptions<QueryRouterOptions> options)
{
    /// <summary>How many times a write follows a source that keeps moving before it gives up (unacknowledged).</summary>
    private const int MaxAttempts = 4;

    /// <summary>
    /// Runs <paramref name="write"/> against the source's settled definition until it lands where
    /// the source still points. With <paramref name="create"/> a missing source is created with the
    /// defaults (ingest into a new name); without it, a missing source is NOT_FOUND.
    /// </summary>
    public async Task<T> WriteAsync<T>(string name, bool create, Func<Source, Task<T>> write, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            var target = await SettledAsync(name, create, cancellationToken);
            T result;
            try
            {
                result = await write(target);
            }
            catch (RpcException error) when (error.StatusCode == StatusCode.NotFound && attempt < MaxAttempts)
            {
                // Its collection may have been dropped by a reindex that finished meanwhile.
                if (await StillAtAsync(name, target.Collection, cancellationToken)) throw;
                continue;
            }
            if (await StillAtAsync(name, target.Collection, cancellationToken))
                return result;
            if (attempt == MaxAttempts)
                throw new UnavailableException($"source '{name}' moved to another collection {attempt} times during one write; retry");
        }
    }

    /// <summary>The collection a write goes to, created when the source's definition names one that does not exist yet.</summary>
    public async Task<Collection> CollectionAsync(Source target, CancellationToken cancellationToken)
    {
        try
        {
            return await vectors.GetCollectionAsync(new GetCollectionRequest { Name = target.Collection }, cancellationToken: cancellationToken);
        }
        catch (RpcException error) when (error.StatusCode == StatusCode.NotFound)
        {
            // Never bring back a collection a reindex has just dropped: the write then follows the source.
            if (!await StillAtAsync(target.Name, target.Collection, cancellationToken)) throw;
            var model = await registry.ModelAsync(target.RetrievalModel, "retrieval_model", cancellationToken);
            return await registry.CreateCollectionAsync(target.Clone(), target.Collection, model, cancellationToken);
        }
    }

    /// <summary>The source's retrieval model: ingest embeds its chunks with this one.</summary>
    public Task<Model> ModelAsync(Source target, CancellationToken cancellationToken) =>
        registry.ModelAsync(target.RetrievalModel, "retrieval_model", cancellationToken);

    /// <summary>The definition once no switch is under way: a write never starts at a collection that is being retired.</summary>
    private async Task<Source> SettledAsync(string name, bool create, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            // Read fresh: a remembered copy could hide a switch under way.
            var source = await registry.FindLatestOrNullAsync(name, cancellationToken)
                ?? (create ? await registry.EnsureAsync(name, cancellationToken) : throw new NotFoundException($"source '{name}' does not exist"));
            if (source.SwitchingFrom.Length == 0) return source;
            if (waited.Elapsed > options.Value.SourceSwitchWait)
                throw new UnavailableException($"source '{name}' is switching to its reindexed collection; retry shortly " +
                    "(if this lasts, the reindex stopped part-way: call ReindexSource again to finish it)");
            await Task.Delay(pause, cancellationToken);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(500).Ticks));
        }
    }

    private async Task<bool> StillAtAsync(string name, string collection, CancellationToken cancellationToken) =>
        await registry.FindLatestOrNullAsync(name, cancellationToken) is { } now && now.Collection == collection && now.SwitchingFrom.Length == 0;
}
