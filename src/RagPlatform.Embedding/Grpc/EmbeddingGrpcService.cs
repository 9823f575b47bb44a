using Grpc.Core;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Embedding.Core;
using RagPlatform.Embedding.Encoders;

namespace RagPlatform.Embedding.Grpc;

/// <summary>The gRPC face of the embedding engine.</summary>
public sealed class EmbeddingGrpcService(EmbeddingEngine engine, EncoderCatalog catalog) : EmbeddingService.EmbeddingServiceBase
{
    public override Task<EmbedResponse> Embed(EmbedRequest request, ServerCallContext context) =>
        engine.EmbedAsync(request, context.CancellationToken);

    public override Task<CountTokensResponse> CountTokens(CountTokensRequest request, ServerCallContext context) =>
        Task.FromResult(engine.CountTokens(request));

    public override Task<Model> GetModelInfo(GetModelInfoRequest request, ServerCallContext context) =>
        Task.FromResult(engine.Describe(catalog.Get(request.Model)));

    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context)
    {
        var response = new ListModelsResponse();
        response.Models.Add(catalog.All.OrderBy(e => e.Name, StringComparer.Ordinal).Select(engine.Describe));
        return Task.FromResult(response);
    }
}
