using System.Security.Cryptography;
using Grpc.Core;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.QueryRouter.Sources;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.QueryRouter.Ingestion;

/// <summary>
/// One document at a time: parse, chunk, skip if unchanged, embed in batches, write the chunks,
/// remove chunks an older version had beyond the new count, and bump the source's corpus version.
/// Chunks are overwritten in place (same ids), so readers see the old or the new text of each
/// chunk, never a document with no chunks at all.
/// </summary>
public sealed class IngestionPipeline(
    EmbeddingService.EmbeddingServiceClient embedding,
    VectorSearchService.VectorSearchServiceClient vectors,
    SourceCollections sources,
    CorpusVersions versions,
    IOptions<QueryRouterOptions> options)
{
    public const int MaxDocumentIdLength = 256;

    public async Task<DocumentResult> IngestAsync(IngestRequest request, uint index, CancellationToken cancellationToken)
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
                $"is {request.Content.Length} bytes; the limit is {limits.MaxDocumentBytes}");
            var contentType = DocumentParser.ResolveContentType(request.ContentType, request.FileName);
            var document = DocumentParser.Parse(request.Content.Span, contentType, request.Title);
            var hash = ContentHash(request, contentType);

            var collection = await sources.EnsureAsync(source, cancellationToken);
            if (await IsUnchangedAsync(collection.Name, request.DocumentId, hash, cancellationToken))
            {
                result.Status = DocumentStatus.Unchanged;
                return result;
            }
            var model = await sources.ModelAsync(source, cancellationToken);
            var chunks = limits.ChunkWords == 0
                ? Chunker.Whole(document)
                : Chunker.Split(document, Math.Min(limits.ChunkWords, Math.Max(16, (int)model.MaxTokens / 2)), limits.ChunkOverlapSentences);
            var points = await EmbedAsync(source, model.Name, request, document, chunks, hash, collection.AverageDocumentLength, cancellationToken);
            await vectors.UpsertAsync(new UpsertRequest { Collection = collection.Name, Points = { points } }, cancellationToken: cancellationToken);
            await vectors.DeletePointsAsync(new DeletePointsRequest
            {
                Collection = collection.Name,
                Filter = StaleChunks(request.DocumentId, chunks.Count),
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
            Fail(result, error.GetRpcStatus() ?? new Google.Rpc.Status { Code = (int)error.StatusCode, Message = error.Status.Detail });
        }
        activity?.SetTag("ragplatform.ingest.status", result.Status.ToString());
        QueryRouterTelemetry.Documents.Add(1, new KeyValuePair<string, object?>("status", result.Status.ToString()));
        return result;
    }

    public async Task<ulong> DeleteAsync(string source, string documentId, CancellationToken cancellationToken)
    {
        SourceNames.Validate(source, "source");
        Require.NotBlank(documentId, "document_id");
        var collection = await sources.CollectionOfAsync(source, cancellationToken)
            ?? throw new NotFoundException($"source '{source}' does not exist");
        var response = await vectors.DeletePointsAsync(new DeletePointsRequest
        {
            Collection = collection,
            Filter = StaleChunks(documentId, 0),
        }, cancellationToken: cancellationToken);
        if (response.Deleted > 0) await versions.BumpAsync(source);
        return response.Deleted;
    }

    private static void Fail(DocumentResult result, Google.Rpc.Status status)
    {
        result.Status = DocumentStatus.Failed;
        result.Error = status;
        result.Chunks = 0;
    }

    private async Task<List<Point>> EmbedAsync(string source, string model, IngestRequest request, ParsedDocument document,
        List<Chunk> chunks, string hash, double averageLength, CancellationToken cancellationToken)
    {
        var points = new List<Point>(chunks.Count);
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
                points.Add(new Point
                {
                    Id = $"{request.DocumentId}#{batch[i].Index}",
                    Dense = { vectorsOf.Dense },
                    Sparse = vectorsOf.Sparse,
                    DocumentLength = vectorsOf.SparseLength,
                    Payload = ChunkPayload.Create(source, request.DocumentId, document.Title, batch[i], document.Text, hash, request.Metadata),
                });
            }
        }
        return points;
    }

    private async Task<bool> IsUnchangedAsync(string collection, string documentId, string hash, CancellationToken cancellationToken)
    {
        var count = await vectors.CountAsync(new CountRequest
        {
            Collection = collection,
            Filter = new Filter
            {
                Must =
                {
                    Keyword(ChunkPayload.DocumentId, documentId),
                    Keyword(ChunkPayload.ContentHash, hash),
                },
            },
        }, cancellationToken: cancellationToken);
        return count.Count > 0;
    }

    /// <summary>A document's chunks numbered from <paramref name="from"/> on (all of them for 0).</summary>
    private static Filter StaleChunks(string documentId, int from) => new()
    {
        Must =
        {
            Keyword(ChunkPayload.DocumentId, documentId),
            new Condition { Field = new FieldCondition { Key = ChunkPayload.ChunkIndex, Range = new Contracts.Vectors.V1.Range { Gte = from } } },
        },
    };

    private static Condition Keyword(string key, string value) =>
        new() { Field = new FieldCondition { Key = key, Match = new MatchValue { Keyword = value } } };

    private static string ContentHash(IngestRequest request, string contentType)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{contentType}\n{request.Title}\n{request.Metadata}\n"));
        hash.AppendData(request.Content.Span);
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
    }
}
