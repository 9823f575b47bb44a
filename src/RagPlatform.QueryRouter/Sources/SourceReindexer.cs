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
/// embedded with the new model into a new collection while queries and writes keep using the old
/// one. Then the source switches to the new collection in one conditional write that also marks the
/// switch as under way; writes wait while it is (see <see cref="SourceWrites"/>), so the pass that
/// carries over what changed during the copy is the only writer of the new collection, and nothing
/// it copies can undo a later write. Clearing the mark ends the switch and the old collection is
/// dropped. A switch that stopped part-way (a crash) is finished by the next ReindexSource call.
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
        var source = await registry.FindLatestOrNullAsync(request.Name, cancellationToken)
            ?? throw new NotFoundException($"source '{request.Name}' does not exist");
        var model = await registry.ModelAsync(request.RetrievalModel, "retrieval_model", cancellationToken);
        var key = (TenantContext.Require(), source.Name);
        if (!running.TryAdd(key, true))
            throw new FailedPreconditionException($"source '{source.Name}' is already being reindexed");
        try
        {
            if (source.SwitchingFrom.Length > 0)
            {
                source = await FinishSwitchAsync(source, null, CancellationToken.None);
                if (source.RetrievalModel == model.Name)
                    return await registry.DescribeAsync(source, cancellationToken);
            }
            var updated = source.Clone();
            var target = $"srx-{Guid.NewGuid():N}"[..12] + "-" + source.Name[..Math.Min(source.Name.Length, 51)];
            await registry.CreateCollectionAsync(updated, target, model, cancellationToken);
            Dictionary<string, string> copied;
            try
            {
                copied = await CopyAsync(source.Collection, target, model.Name, null, cancellationToken);
                updated.SwitchingFrom = source.Collection;
                if (!await registry.TrySwapAsync(source, updated, cancellationToken))
                    throw new FailedPreconditionException($"source '{source.Name}' changed during the reindex; nothing was switched, retry");
            }
            catch
            {
                // Only a fresh read may say the swap did not happen (a timed-out swap may have applied).
                if ((await registry.FindLatestOrNullAsync(source.Name, CancellationToken.None))?.Collection != target)
                    await registry.DropCollectionAsync(target, CancellationToken.None);
                throw;
            }
            // Writes wait while the switch is under way: once it has begun it is finished even if the caller goes away.
            return await registry.DescribeAsync(await FinishSwitchAsync(updated, copied, CancellationToken.None), cancellationToken);
        }
        finally { running.TryRemove(key, out _); }
    }

    /// <summary>
    /// Brings the new collection level with the old one (what <paramref name="copied"/> says it was
    /// given, or, when resuming, what it holds), ends the switch, and drops the old collection.
    /// </summary>
    private async Task<Source> FinishSwitchAsync(Source switching, Dictionary<string, string>? copied, CancellationToken cancellationToken)
    {
        copied ??= await ContentHashesAsync(switching.Collection, cancellationToken);
        await CopyAsync(switching.SwitchingFrom, switching.Collection, switching.RetrievalModel, copied, cancellationToken);
        var done = switching.Clone();
        done.SwitchingFrom = "";
        if (!await registry.TrySwapAsync(switching, done, cancellationToken))
            throw new FailedPreconditionException($"source '{switching.Name}' changed while switching collections; call ReindexSource again");
        await registry.DropCollectionAsync(switching.SwitchingFrom, cancellationToken);
        await versions.BumpAsync(done.Name);
        return done;
    }

    /// <summary>
    /// Copies the chunks of <paramref name="from"/> into <paramref name="to"/>, re-embedded. With
    /// <paramref name="already"/> (id → content hash of what <paramref name="to"/> was given) only
    /// what differs is copied, and chunks gone from the source are removed. Returns what was copied.
    /// </summary>
    private async Task<Dictionary<string, string>> CopyAsync(string from, string to, string model, Dictionary<string, string>? already,
        CancellationToken cancellationToken)
    {
        var copied = new Dictionary<string, string>(StringComparer.Ordinal);
        var averageLength = (await vectors.GetCollectionAsync(new GetCollectionRequest { Name = from }, cancellationToken: cancellationToken)).AverageDocumentLength;
        await foreach (var page in PagesAsync(from, cancellationToken))
        {
            var changed = new List<Point>();
            foreach (var point in page)
            {
                var hash = ChunkPayload.GetString(point.Payload, ChunkPayload.ContentHash);
                copied[point.Id] = hash;
                if (already is null || !already.TryGetValue(point.Id, out var before) || before != hash)
                    changed.Add(point);
            }
            if (changed.Count > 0)
                await UpsertAsync(to, model, changed, averageLength, cancellationToken);
        }
        if (already is not null)
        {
            var gone = already.Keys.Where(id => !copied.ContainsKey(id)).ToList();
            foreach (var batch in gone.Chunk(1000))
                await vectors.DeletePointsAsync(new DeletePointsRequest { Collection = to, Ids = { batch } }, cancellationToken: cancellationToken);
        }
        return copied;
    }

    /// <summary>Id → content hash of every chunk in the collection.</summary>
    private async Task<Dictionary<string, string>> ContentHashesAsync(string collection, CancellationToken cancellationToken)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var page in PagesAsync(collection, cancellationToken))
            foreach (var point in page)
                hashes[point.Id] = ChunkPayload.GetString(point.Payload, ChunkPayload.ContentHash);
        return hashes;
    }

    private async IAsyncEnumerable<IReadOnlyList<Point>> PagesAsync(string collection,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string token = "";
        do
        {
            var page = await vectors.ScrollAsync(new ScrollRequest
            {
                Collection = collection, Limit = (uint)options.Value.EmbedBatchSize, PageToken = token, WithPayload = true,
            }, cancellationToken: cancellationToken);
            yield return page.Points;
            token = page.NextPageToken;
        } while (token.Length > 0);
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
        var chunkVectors = embedding.EmbedAsync(embed, cancellationToken: cancellationToken).ResponseAsync;
        await Task.WhenAll(chunkVectors, sentenceVectors); // both observed, whichever fails
        var (response, perChunk) = (await chunkVectors, await sentenceVectors);
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
