using Grpc.Core;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.QueryRouter.Answering;
using RagPlatform.QueryRouter.Ingestion;
using RagPlatform.QueryRouter.Sources;

namespace RagPlatform.QueryRouter.Grpc;

/// <summary>The front door's gRPC face: validates, maps, and calls the pipelines and the source registry.</summary>
public sealed class QueryRouterGrpcService(IngestStream ingestStream, IngestionPipeline ingestion, AskPipeline ask, SourceRegistry sources,
    SourceReindexer reindexer) : QueryRouterService.QueryRouterServiceBase
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

    public override Task<Source> CreateSource(CreateSourceRequest request, ServerCallContext context) =>
        sources.CreateAsync(request, context.CancellationToken);

    public override Task<Source> GetSource(GetSourceRequest request, ServerCallContext context)
    {
        SourceValidator.ValidateTags(request.AccessTags, "access_tags");
        return sources.GetAsync(request.Name, request.AccessTags, "name", context.CancellationToken);
    }

    public override Task<ListSourcesResponse> ListSources(ListSourcesRequest request, ServerCallContext context) =>
        sources.ListAsync(request, context.CancellationToken);

    public override async Task<DeleteSourceResponse> DeleteSource(DeleteSourceRequest request, ServerCallContext context) =>
        new() { Deleted = await sources.DeleteAsync(request.Name, context.CancellationToken) };

    public override Task<Source> ReindexSource(ReindexSourceRequest request, ServerCallContext context) =>
        reindexer.ReindexAsync(request, context.CancellationToken);
}
