using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using RagPlatform.Embedding.Batching;
using RagPlatform.Embedding.Caching;
using RagPlatform.Embedding.Encoders;

namespace RagPlatform.Embedding.Core;

/// <summary>
/// Where dense vectors come from: the cache first (one round trip for the whole request), then
/// the model for the misses, through a per-model micro-batcher so that concurrent requests share
/// forward passes; what the model computed is written back to the cache.
/// </summary>
public sealed class DenseVectors : IAsyncDisposable
{
    private readonly ConcurrentDictionary<(string Model, bool IsQuery), Lazy<MicroBatcher<string, DenseResult>>> batchers = new();
    private readonly IOptions<EmbeddingOptions> options;
    private readonly EmbeddingCache? cache;

    public DenseVectors(IOptions<EmbeddingOptions> options, EmbeddingCache? cache = null)
    {
        this.options = options;
        this.cache = cache;
        EmbeddingTelemetry.Meter.CreateObservableGauge("ragplatform.embedding.queue_depth", () => Queued, "{text}", "Texts waiting for the model");
    }

    /// <summary>Texts queued across models, for the queue-depth metric.</summary>
    public int Queued => batchers.Values.Where(b => b.IsValueCreated).Sum(b => b.Value.Queued);

    public async Task<(IReadOnlyList<DenseResult> Results, int CacheHits)> GetAsync(IDenseEncoder encoder, IReadOnlyList<string> texts,
        bool isQuery, CancellationToken cancellationToken)
    {
        var results = new DenseResult[texts.Count];
        var cached = cache is null ? new CachedVector?[texts.Count] : await cache.GetManyAsync(encoder.Name, encoder.Dimension, isQuery, texts);
        var misses = new List<int>(texts.Count);
        for (int i = 0; i < texts.Count; i++)
        {
            if (cached[i] is { } hit) results[i] = new DenseResult(hit.Vector, hit.TokenCount, hit.Truncated);
            else misses.Add(i);
        }
        int hits = texts.Count - misses.Count;
        Activity.Current?.SetTag("ragplatform.embedding.cache_hits", hits);
        Activity.Current?.SetTag("ragplatform.embedding.cache_misses", misses.Count);
        if (cache is not null)
        {
            EmbeddingTelemetry.CacheLookups.Add(hits, new KeyValuePair<string, object?>("result", "hit"));
            EmbeddingTelemetry.CacheLookups.Add(misses.Count, new KeyValuePair<string, object?>("result", "miss"));
        }
        if (misses.Count == 0) return (results, hits);

        var missTexts = misses.Select(i => texts[i]).ToList();
        var computed = await Batcher(encoder, isQuery).SubmitAsync(missTexts, cancellationToken);
        for (int j = 0; j < misses.Count; j++) results[misses[j]] = computed[j];
        cache?.SetMany(encoder.Name, isQuery,
            missTexts.Select((t, j) => (t, new CachedVector(computed[j].Vector, computed[j].TokenCount, computed[j].Truncated))).ToList());
        return (results, hits);
    }

    private MicroBatcher<string, DenseResult> Batcher(IDenseEncoder encoder, bool isQuery) =>
        batchers.GetOrAdd((encoder.Name, isQuery), _ => new(() => new MicroBatcher<string, DenseResult>(
            async (batch, token) => await encoder.EncodeAsync(batch, isQuery, token),
            options.Value.MaxBatchSize, options.Value.MaxQueuedTexts))).Value;

    public async ValueTask DisposeAsync()
    {
        foreach (var batcher in batchers.Values.Where(b => b.IsValueCreated))
            await batcher.Value.DisposeAsync();
    }
}
