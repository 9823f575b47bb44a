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
    SourceCollections sources,
    CorpusVersions versions,
    IOptions<QueryRouterOptions> options,
    ILogger<IngestionPipeline> logger)
{
    public const int MaxDocumentIdLength = 256;

    /// <summary>
    /// One ingest call's memory: the collections it writes to, so each is looked up once; which of
    /// them were empty when it began, and which documents it has already seen, so that a first load
    /// into an empty source skips the unchanged check (nothing can be unchanged there).
    /// </summary>
    public sealed class Batch
    {
        internal readonly ConcurrentDictionary<string, Collection> Collections = new(StringComparer.Ordinal);
        internal readonly ConcurrentDictionary<string, bool> EmptyAtStart = new(StringComparer.Ordinal);
        internal readonly ConcurrentDictionary<(string Source, string DocumentId), byte> Seen = new();

        /// <summary>True when no version of the document can be stored yet: its source was empty and this is its first time here.</summary>
        internal bool IsNew(string source, string documentId) =>
            Seen.TryAdd((source, documentId), 0) && EmptyAtStart.GetValueOrDefault(source);
    }

    public Task<DocumentResult> IngestAsync(IngestRequest request, uint index, CancellationToken cancellationToken) =>
        IngestAsync(request, index, new Batch(), cancellationToken);

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

            var collection = await CollectionAsync(source, batch, cancellationToken);
            if (!batch.IsNew(source, request.DocumentId) && await IsUnchangedAsync(collection.Name, request.DocumentId, hash, cancellationToken))
            {
                result.Status = DocumentStatus.Unchanged;
                return result;
            }
            var document = DocumentParser.Parse(request.Content.Span, contentType, request.Title);
            var model = await sources.ModelAsync(source, cancellationToken);
            var chunks = limits.ChunkWords == 0
                ? Chunker.Whole(document)
                : await Chunker.SplitAsync(document, new ChunkBudget((int)model.MaxTokens, limits.ChunkWords, limits.ChunkOverlapSentences),
                    new EmbeddingTokenCounter(embedding, model.Name, (int)model.MaxTokens), cancellationToken);
            Require.That(chunks.Count <= limits.MaxChunksPerDocument, "content",
                $"makes {chunks.Count} chunks; the limit is {limits.MaxChunksPerDocument} per document (split it into smaller documents)");

            long generation = ChunkGenerations.Next();
            var points = await EmbedAsync(source, request, document, chunks, hash, generation, model.Name, collection.AverageDocumentLength, cancellationToken);
            await vectors.UpsertAsync(new UpsertRequest { Collection = collection.Name, Points = { points } }, cancellationToken: cancellationToken);
            await vectors.DeletePointsAsync(new DeletePointsRequest
            {
                Collection = collection.Name,
                Filter = ChunkGenerations.OtherGenerations(request.DocumentId, generation),
            }, cancellationToken: cancellationToken);
            await versions.BumpAsync(source);
            result.Status = DocumentStatus.Indexed;
            result.Chunks = (uint)chunks.Count;
            QueryRouterTelemetry.Chunks.Add(chunks.Count);
        }
        catch (PlatformException error)
        {
            Fail(result, RpcErrors.ToStatus(error));
        }
        catch (RpcException error) when (error.StatusCode != StatusCode.Cancelled)
        {
            if (error.StatusCode == StatusCode.NotFound) batch.Collections.TryRemove(source, out _);
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
        var collection = await sources.CollectionOfAsync(source, cancellationToken)
            ?? throw new NotFoundException($"source '{source}' does not exist");
        var response = await vectors.DeletePointsAsync(new DeletePointsRequest
        {
            Collection = collection,
            Filter = ChunkFilters.AllOf(documentId),
        }, cancellationToken: cancellationToken);
        if (response.Deleted > 0) await versions.BumpAsync(source);
        return response.Deleted;
    }

    /// <summary>
    /// The source's collection, looked up once per ingest call; looked up again while it is still
    /// empty, so that its average document length (BM25's) is known once the first document is in.
    /// </summary>
    private async Task<Collection> CollectionAsync(string source, Batch batch, CancellationToken cancellationToken)
    {
        if (batch.Collections.TryGetValue(source, out var known) && known.AverageDocumentLength > 0) return known;
        var collection = await sources.EnsureAsync(source, cancellationToken);
        batch.Collections[source] = collection;
        batch.EmptyAtStart.TryAdd(source, collection.PointsCount == 0);
        return collection;
    }

    private static void Fail(DocumentResult result, Google.Rpc.Status status)
    {
        result.Status = DocumentStatus.Failed;
        result.Error = status;
        result.Chunks = 0;
    }

    private async Task<List<Point>> EmbedAsync(string source, IngestRequest request, ParsedDocument document,
        List<Chunk> chunks, string hash, long generation, string model, double averageLength, CancellationToken cancellationToken)
    {
        var points = new List<Point>(chunks.Count);
        int truncated = 0;
        // Sentence vectors are embedded alongside the chunks, so answering never embeds a sentence.
        var sentenceVectors = SentenceEmbedder.EmbedAsync(embedding, model,
            [.. chunks.Select(c => (c.TextOf(document.Text), c.Sentences))], options.Value.EmbedBatchSize, cancellationToken);
        foreach (var batch in chunks.Chunk(options.Value.EmbedBatchSize))
        {
            var embed = new EmbedRequest
            {
                InputType = InputType.Document,
                Model = model,
                SparseParameters = new SparseParameters { AverageDocumentLength = averageLength },
            };
            embed.Texts.Add(batch.Select(c => c.TextOf(document.Text)));
            var response = await embedding.EmbedAsync(embed, cancellationToken: cancellationToken);
            for (int i = 0; i < batch.Length; i++)
            {
                var vectorsOf = response.Embeddings[i];
                if (vectorsOf.Truncated) truncated++;
                points.Add(new Point
                {
                    Id = ChunkGenerations.PointId(request.DocumentId, generation, batch[i].Index),
                    Dense = { vectorsOf.Dense },
                    Sparse = vectorsOf.Sparse,
                    DocumentLength = vectorsOf.SparseLength,
                    Payload = ChunkPayload.Create(source, request.DocumentId, document.Title, batch[i], document.Text, hash, generation, request.Metadata),
                });
            }
        }
        var perChunk = await sentenceVectors;
        for (int i = 0; i < points.Count; i++)
            if (perChunk[i] is { } vectorsOfSentences) points[i].Payload.Fields[SentenceVectorPayload.Key] = vectorsOfSentences;
        if (truncated > 0 && options.Value.ChunkWords > 0)
            logger.LogWarning("{Truncated} chunks of a document in {Source} exceeded the model's input and were truncated", truncated, source);
        return points;
    }

    private async Task<bool> IsUnchangedAsync(string collection, string documentId, string hash, CancellationToken cancellationToken)
    {
        var count = await vectors.CountAsync(new CountRequest { Collection = collection, Filter = ChunkFilters.SameContent(documentId, hash) },
            cancellationToken: cancellationToken);
        return count.Count > 0;
    }

    private static string ContentHash(IngestRequest request, string contentType)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{contentType}\n{request.Title}\n{request.Metadata}\n"));
        hash.AppendData(request.Content.Span);
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
    }
}
