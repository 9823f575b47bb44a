using Grpc.Core;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.QueryRouter.Answering;
using RagPlatform.QueryRouter.Ingestion;

namespace RagPlatform.QueryRouter.Grpc;

/// <summary>
/// The front door's gRPC face. Sources' own RPCs (create, describe, list, delete) answer
/// UNIMPLEMENTED from the generated base until source profiles are built; a source is created
/// by ingesting into it.
/// </summary>
public sealed class QueryRouterGrpcService(IngestStream ingestStream, IngestionPipeline ingestion, AskPipeline ask) : QueryRouterService.QueryRouterServiceBase
{
    public override Task<IngestResponse> Ingest(IAsyncStreamReader<IngestRequest> requestStream, ServerCallContext context) =>
        ingestStream.IngestAsync(requestStream, context.CancellationToken);

    public override async Task<DeleteDocumentResponse> DeleteDocument(DeleteDocumentRequest request, ServerCallContext context) =>
        new() { DeletedChunks = await ingestion.DeleteAsync(request.Source, request.DocumentId, context.CancellationToken) };

    public override Task<AskResponse> Ask(AskRequest request, ServerCallContext context) =>
        ask.AskAsync(request, context.CancellationToken);

    public override Task<RetrieveResponse> Retrieve(RetrieveRequest request, ServerCallContext context) =>
        ask.RetrieveAsync(request, context.CancellationToken);

    public override Task AskStream(AskRequest request, IServerStreamWriter<AskStreamEvent> responseStream, ServerCallContext context) =>
        ask.AskStreamAsync(request, responseStream, context.CancellationToken);
}
