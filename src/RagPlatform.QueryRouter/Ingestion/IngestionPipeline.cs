using System.Collections.Concurrent;
using System.Security.Cryptography;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.QueryRouter.Sources;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.QueryRouter.Ingestion;

/// <summary>
/// One document at a time: validate, skip if its content is unchanged, parse, chunk within the
/// model's token limit, embed in batches, write the new generation of its chunks in one upsert,
/// delete its older generations, and bump the source's corpus version (see <see cref="ChunkGenerations"/>
/// for what readers see meanwhile). A document that fails, fails alone with its reason.
/// </summary>
public sealed class IngestionPipeline(
    EmbeddingService.EmbeddingServiceClient embedding,
    VectorSearchService.VectorSearchServiceClient vectors,
    SourceWrites writes,
    CorpusVersions versions,
    IOptions<QueryRouterOptions> options,
    ILogger<IngestionPipeline> logger)
{
    public const int MaxDocumentIdLength = 256;

    /// <summary>
    /// One ingest call's memory: the collections it writes to, so each is looked up once; which of
    /// them were empty when it began, and which documents it has already seen, so that a first load
    /// into an empty collection skips the unchanged check (nothing can be unchanged there).
    /// </summary>
    public sealed class Batch(EmbedBatcher embeds)
    {
        /// <summary>The call's Embed requests, shared across its documents.</summary>
        internal EmbedBatcher Embeds { get; } = embeds;
        internal readonly ConcurrentDictionary<string, Collection> Collections = new(StringComparer.Ordinal);
        internal readonly ConcurrentDictionary<string, bool> EmptyAtStart = new(StringComparer.Ordinal);
        internal readonly ConcurrentDictionary<(string Collection, string DocumentId), byte> Seen = new();

        /// <summary>True when no version of the document can be stored yet: its collection was empty and this is its first time here.</summary>
        internal bool IsNew(string collection, string documentId) =>
            Seen.TryAdd((collection, documentId), 0) && EmptyAtStart.GetValueOrDefault(collection);
    }

    /// <summary>A fresh memory for one ingest call.</summary>
    public Batch NewBatch() => new(new EmbedBatcher(embedding, options.Value.EmbedBatchSize));

    public Task<DocumentResult> IngestAsync(IngestRequest request, uint index, CancellationToken cancellationToken) =>
        IngestAsync(request, index, NewBatch(), cancellationToken);

    public async Task<DocumentResult> IngestAsync(IngestRequest request, uint index, Batch batch, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        var source = string.IsNullOrEmpty(request.Source) ? limits.DefaultSource : request.Source;
        var result = new DocumentResult { Index = index, Source = source, DocumentId = request.DocumentId };
        using var activity = QueryRouterTelemetry.Source.StartActivity("ingest document");
        activity?.SetTag("ragplatform.source", source);
        try
        {
            SourceNames.Validate(source, "source");
            Require.NotBlank(request.DocumentId, "document_id");
            Require.MaxLength(request.DocumentId, MaxDocumentIdLength, "document_id");
            Require.That(request.Content.Length > 0, "content", "is empty");
            Require.That(request.Content.Length <= limits.MaxDocumentBytes, "content",
                $"is {request.Content.Length} bytes; the limit is {limits.MaxDocumentBytes} bytes per document");
            var contentType = DocumentParser.ResolveContentType(request.ContentType, request.FileName);
            Require.That(DocumentParser.Supported.Contains(contentType), "content_type",
                $"'{contentType}' is not supported; send one of {string.Join(", ", DocumentParser.Supported)}");
            var hash = ContentHash(request, contentType);

            // A write repeated at a reindexed source's new collection may find its content there already:
            // it was still written once, so it counts as indexed.
            int? chunkCount = null;
            await writes.WriteAsync(source, create: true, async target =>
                chunkCount = await WriteAsync(target, request, contentType, hash, batch, cancellationToken) ?? chunkCount, cancellationToken);
            if (chunkCount is null)
            {
                result.Status = DocumentStatus.Unchanged;
                return result;
            }
            result.Status = DocumentStatus.Indexed;
            result.Chunks = (uint)chunkCount.Value;
            QueryRouterTelemetry.Chunks.Add(chunkCount.Value);
        }
        catch (PlatformException error)
        {
            Fail(result, RpcErrors.ToStatus(error));
        }
        catch (RpcException error) when (error.StatusCode != StatusCode.Cancelled)
        {
            Fail(result, error.GetRpcStatus() ?? new Google.Rpc.Status { Code = (int)error.StatusCode, Message = error.Status.Detail });
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // A fault of ours, not of the document's: it is logged, and the rest of the stream goes on.
            logger.LogError(error, "Ingesting document {Index} into {Source} failed unexpectedly", index, source);
            Fail(result, new Google.Rpc.Status { Code = (int)StatusCode.Internal, Message = "the document could not be ingested because of an internal error; it has been logged" });
        }
        activity?.SetTag("ragplatform.ingest.status", result.Status.ToString());
        QueryRouterTelemetry.Documents.Add(1, new KeyValuePair<string, object?>("status", result.Status.ToString()));
        return result;
    }

    public async Task<ulong> DeleteAsync(string source, string documentId, CancellationToken cancellationToken)
    {
        SourceNames.Validate(source, "source");
        Require.NotBlank(documentId, "document_id");
        Require.MaxLength(documentId, MaxDocumentIdLength, "document_id");
        // Repeated at a reindexed source's new collection, a delete may find less there: report the most it removed.
        ulong deleted = 0;
        await writes.WriteAsync(source, create: false, async target =>
        {
            var removed = (await vectors.DeletePointsAsync(new DeletePointsRequest
            {
                Collection = target.Collection,
                Filter = ChunkFilters.AllOf(documentId),
            }, cancellationToken: cancellationToken)).Deleted;
            if (removed > 0) await versions.BumpAsync(target.Name);
            return deleted = Math.Max(deleted, removed);
        }, cancellationToken);
        return deleted;
    }

    /// <summary>
    /// Writes the document's chunks to the source's current collection: nothing when the same content
    /// is there already (null), else its new generation in one upsert, then its older generations
    /// removed. Returns the number of chunks written.
    /// </summary>
    private async Task<int?> WriteAsync(Source target, IngestRequest request, string contentType, string hash, Batch batch,
        CancellationToken cancellationToken)
    {
        var limits = options.Value;
        var collection = await CollectionAsync(target, batch, cancellationToken);
        if (!batch.IsNew(collection.Name, request.DocumentId)
            && await StoredGenerationAsync(collection.Name, request.DocumentId, hash, cancellationToken) is { } stored)
        {
            await RemoveOlderGenerationsAsync(target.Name, collection.Name, request.DocumentId, stored, cancellationToken);
            return null;
        }
        var document = DocumentParser.Parse(request.Content.Span, contentType, request.Title);
        var model = await writes.ModelAsync(target, cancellationToken);
        var chunks = limits.ChunkWords == 0
            ? Chunker.Whole(document)
            : await Chunker.SplitAsync(document, new ChunkBudget((int)model.MaxTokens, limits.ChunkWords, limits.ChunkOverlapSentences),
                new EmbeddingTokenCounter(embedding, model.Name, (int)model.MaxTokens), cancellationToken);
        Require.That(chunks.Count <= limits.MaxChunksPerDocument, "content",
            $"makes {chunks.Count} chunks; the limit is {limits.MaxChunksPerDocument} per document (split it into smaller documents)");

        long generation = ChunkGenerations.Next();
        var points = await EmbedAsync(target.Name, request, document, chunks, hash, generation, model.Name, collection.AverageDocumentLength,
            batch.Embeds, cancellationToken);
        await vectors.UpsertAsync(new UpsertRequest { Collection = collection.Name, Points = { points } }, cancellationToken: cancellationToken);
        await vectors.DeletePointsAsync(new DeletePointsRequest
        {
            Collection = collection.Name,
            Filter = ChunkGenerations.OtherGenerations(request.DocumentId, generation),
        }, cancellationToken: cancellationToken);
        // Bumped as soon as the chunks are written, even if the write is then not acknowledged: cached answers must not outlive them.
        await versions.BumpAsync(target.Name);
        return chunks.Count;
    }

    /// <summary>
    /// The collection, looked up once per ingest call; looked up again while it is still empty, so
    /// that its average document length (BM25's) is known once the first document is in.
    /// </summary>
    private async Task<Collection> CollectionAsync(Source target, Batch batch, CancellationToken cancellationToken)
    {
        if (batch.Collections.TryGetValue(target.Collection, out var known) && known.AverageDocumentLength > 0) return known;
        var collection = await writes.CollectionAsync(target, cancellationToken);
        batch.Collections[target.Collection] = collection;
        batch.EmptyAtStart.TryAdd(target.Collection, collection.PointsCount == 0);
        return collection;
    }

    private static void Fail(DocumentResult result, Google.Rpc.Status status)
    {
        result.Status = DocumentStatus.Failed;
        result.Error = status;
        result.Chunks = 0;
    }

    /// <summary>
    /// The chunks' points: their vectors and their sentences' vectors from the stream's shared Embed
    /// calls, both asked at once; a sentence that is a whole chunk takes that chunk's vector.
    /// </summary>
    private async Task<List<Point>> EmbedAsync(string source, IngestRequest request, ParsedDocument document,
        List<Chunk> chunks, string hash, long generation, string model, double averageLength, EmbedBatcher embeds,
        CancellationToken cancellationToken)
    {
        List<(string Text, IReadOnlyList<RagPlatform.Text.TextSpan> Sentences)> texts = [.. chunks.Select(c => (c.TextOf(document.Text), c.Sentences))];
        var chunkTexts = texts.ConvertAll(t => t.Text);
        var sentences = SentenceEmbedder.Distinct(texts, chunkTexts.ToHashSet(StringComparer.Ordinal));
        // Sentence vectors are embedded alongside the chunks, so answering never embeds a sentence; if the
        // chunks fail, the sentences' wait is stopped and its outcome observed, not left running.
        using var sentencesStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sentenceVectors = embeds.EmbedAsync(new EmbedRequest { InputType = InputType.Document, Model = model, Dense = true },
            sentences, sentencesStop.Token);
        EmbedBatcher.Embedded chunkVectors;
        try
        {
            chunkVectors = await embeds.EmbedAsync(new EmbedRequest
            {
                InputType = InputType.Document,
                Model = model,
                SparseParameters = new SparseParameters { AverageDocumentLength = averageLength },
            }, chunkTexts, cancellationToken);
        }
        catch
        {
            sentencesStop.Cancel();
            try { await sentenceVectors; } catch { } // the chunks' failure is the one to report
            throw;
        }
        var sentencesEmbedded = await sentenceVectors;

        var points = new List<Point>(chunks.Count);
        var rows = new Dictionary<string, float[]>(StringComparer.Ordinal);
        int truncated = 0;
        for (int i = 0; i < chunks.Count; i++)
        {
            var vectorsOf = chunkVectors.Embeddings[i];
            if (vectorsOf.Truncated) truncated++;
            rows.TryAdd(chunkTexts[i], [.. vectorsOf.Dense]);
            points.Add(new Point
            {
                Id = ChunkGenerations.PointId(request.DocumentId, generation, chunks[i].Index),
                Dense = { vectorsOf.Dense },
                Sparse = vectorsOf.Sparse,
                DocumentLength = vectorsOf.SparseLength,
                Payload = ChunkPayload.Create(source, request.DocumentId, document.Title, chunks[i], document.Text, hash, generation, request.Metadata),
            });
        }
        for (int i = 0; i < sentences.Count; i++) rows[sentences[i]] = [.. sentencesEmbedded.Embeddings[i].Dense];
        var perChunk = SentenceEmbedder.Payloads(texts, rows, chunkVectors.Model, chunkVectors.EmbeddingSpace);
        for (int i = 0; i < points.Count; i++)
            if (perChunk[i] is { } vectorsOfSentences) points[i].Payload.Fields[SentenceVectorPayload.Key] = vectorsOfSentences;
        if (truncated > 0 && options.Value.ChunkWords > 0)
            logger.LogWarning("{Truncated} chunks of a document in {Source} exceeded the model's input and were truncated", truncated, source);
        return points;
    }

    /// <summary>The generation that holds exactly this content of the document, if one is stored.</summary>
    private async Task<long?> StoredGenerationAsync(string collection, string documentId, string hash, CancellationToken cancellationToken)
    {
        var found = await vectors.ScrollAsync(new ScrollRequest
        {
            Collection = collection, Filter = ChunkFilters.SameContent(documentId, hash), Limit = 1, WithPayload = true,
        }, cancellationToken: cancellationToken);
        return found.Points.Count == 0 ? null : ChunkGenerations.Of(found.Points[0].Payload);
    }

    /// <summary>
    /// Generations older than the stored one are what a re-ingest stopped between its upsert and its
    /// delete (a crash) left behind. Readers skip them beside the newer chunks, but not alone, so they
    /// go when the same content comes again. Never newer ones: they may be a racing ingest's.
    /// </summary>
    private async Task RemoveOlderGenerationsAsync(string source, string collection, string documentId, long generation,
        CancellationToken cancellationToken)
    {
        var removed = await vectors.DeletePointsAsync(new DeletePointsRequest
        {
            Collection = collection, Filter = ChunkGenerations.OlderGenerations(documentId, generation),
        }, cancellationToken: cancellationToken);
        if (removed.Deleted > 0)
        {
            logger.LogInformation("Removed {Chunks} chunks of older generations of {Document} in {Source} left by an interrupted re-ingest",
                removed.Deleted, documentId, source);
            await versions.BumpAsync(source);
        }
    }

    private static string ContentHash(IngestRequest request, string contentType)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{contentType}\n{request.Title}\n{request.Metadata}\n"));
        hash.AppendData(request.Content.Span);
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
    }
}
