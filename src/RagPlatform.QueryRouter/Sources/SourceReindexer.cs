using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.QueryRouter.Ingestion;
using RagPlatform.Text;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.ServiceDefaults.Tenancy;

namespace RagPlatform.QueryRouter.Sources;

/// <summary>
/// Re-embeds a source into another embedding space: every chunk's text (kept in its payload) is
/// embedded with the new model into a new collection while queries keep using the old one; then the
/// source switches to the new collection in one conditional write, chunks written or removed during
/// the copy are carried over, and the old collection is dropped.
/// </summary>
public sealed class SourceReindexer(
    SourceRegistry registry,
    EmbeddingService.EmbeddingServiceClient embedding,
    VectorSearchService.VectorSearchServiceClient vectors,
    CorpusVersions versions,
    IOptions<QueryRouterOptions> options)
{
    private readonly ConcurrentDictionary<(string Tenant, string Source), bool> running = new();

    public async Task<Source> ReindexAsync(ReindexSourceRequest request, CancellationToken cancellationToken)
    {
        SourceNames.Validate(request.Name, "name");
        Require.NotBlank(request.RetrievalModel, "retrieval_model");
        var source = await registry.FindOrNullAsync(request.Name, cancellationToken)
            ?? throw new NotFoundException($"source '{request.Name}' does not exist");
        var model = await registry.ModelAsync(request.RetrievalModel, "retrieval_model", cancellationToken);
        var key = (TenantContext.Require(), source.Name);
        if (!running.TryAdd(key, true))
            throw new FailedPreconditionException($"source '{source.Name}' is already being reindexed");
        try
        {
            var updated = source.Clone();
            var target = $"srx-{Guid.NewGuid():N}"[..12] + "-" + source.Name[..Math.Min(source.Name.Length, 51)];
            await registry.CreateCollectionAsync(updated, target, model, cancellationToken);
            try
            {
                var copied = await CopyAsync(source.Collection, target, model.Name, null, cancellationToken);
                if (!await registry.TrySwapAsync(source, updated, cancellationToken))
                    throw new FailedPreconditionException($"source '{source.Name}' changed during the reindex; nothing was switched, retry");
                // Chunks that ingestion wrote to (or removed from) the old collection while the copy ran.
                await CopyAsync(source.Collection, target, model.Name, copied, cancellationToken);
            }
            catch
            {
                if ((await registry.FindOrNullAsync(source.Name, CancellationToken.None))?.Collection != target)
                    await registry.DropCollectionAsync(target, CancellationToken.None);
                throw;
            }
            await registry.DropCollectionAsync(source.Collection, cancellationToken);
            await versions.BumpAsync(source.Name);
            return await registry.DescribeAsync(updated, cancellationToken);
        }
        finally { running.TryRemove(key, out _); }
    }

    /// <summary>
    /// Copies the chunks of <paramref name="from"/> into <paramref name="to"/>, re-embedded. With
    /// <paramref name="already"/> (id → content hash of the first pass) only what changed since is
    /// copied, and chunks gone from the source are removed. Returns what was copied.
    /// </summary>
    private async Task<Dictionary<string, string>> CopyAsync(string from, string to, string model, Dictionary<string, string>? already,
        CancellationToken cancellationToken)
    {
        var copied = new Dictionary<string, string>(StringComparer.Ordinal);
        var averageLength = (await vectors.GetCollectionAsync(new GetCollectionRequest { Name = from }, cancellationToken: cancellationToken)).AverageDocumentLength;
        string token = "";
        do
        {
            var page = await vectors.ScrollAsync(new ScrollRequest
            {
                Collection = from, Limit = (uint)options.Value.EmbedBatchSize, PageToken = token, WithPayload = true,
            }, cancellationToken: cancellationToken);
            var changed = new List<Point>();
            foreach (var point in page.Points)
            {
                var hash = ChunkPayload.GetString(point.Payload, ChunkPayload.ContentHash);
                copied[point.Id] = hash;
                if (already is null || !already.TryGetValue(point.Id, out var before) || before != hash)
                    changed.Add(point);
            }
            if (changed.Count > 0)
                await UpsertAsync(to, model, changed, averageLength, cancellationToken);
            token = page.NextPageToken;
        } while (token.Length > 0);
        if (already is not null)
        {
            var gone = already.Keys.Where(id => !copied.ContainsKey(id)).ToList();
            foreach (var batch in gone.Chunk(1000))
                await vectors.DeletePointsAsync(new DeletePointsRequest { Collection = to, Ids = { batch } }, cancellationToken: cancellationToken);
        }
        return copied;
    }

    private async Task UpsertAsync(string collection, string model, List<Point> chunks, double averageLength, CancellationToken cancellationToken)
    {
        var embed = new EmbedRequest
        {
            InputType = InputType.Document,
            Model = model,
            SparseParameters = new SparseParameters { AverageDocumentLength = averageLength },
        };
        embed.Texts.Add(chunks.Select(c => ChunkPayload.GetString(c.Payload, ChunkPayload.Text)));
        // The sentence vectors move to the new space with their chunk, or answering would fall back to words alone.
        var sentenceVectors = SentenceEmbedder.EmbedAsync(embedding, model,
            [.. chunks.Select(c => (ChunkPayload.GetString(c.Payload, ChunkPayload.Text), (IReadOnlyList<TextSpan>)ChunkPayload.GetSentences(c.Payload)))],
            options.Value.EmbedBatchSize, cancellationToken);
        var response = await embedding.EmbedAsync(embed, cancellationToken: cancellationToken);
        var perChunk = await sentenceVectors;
        var upsert = new UpsertRequest { Collection = collection };
        for (int i = 0; i < chunks.Count; i++)
        {
            var vectorsOf = response.Embeddings[i];
            upsert.Points.Add(new Point
            {
                Id = chunks[i].Id,
                Dense = { vectorsOf.Dense },
                Sparse = vectorsOf.Sparse,
                DocumentLength = vectorsOf.SparseLength,
                Payload = chunks[i].Payload,
            });
            if (perChunk[i] is { } vectorsOfSentences) upsert.Points[i].Payload.Fields[SentenceVectorPayload.Key] = vectorsOfSentences;
        }
        await vectors.UpsertAsync(upsert, cancellationToken: cancellationToken);
    }
}
