using Grpc.Core;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Generation.V1;
using RagPlatform.Generation.Core;

namespace RagPlatform.Generation.Grpc;

/// <summary>The gRPC face of the answer engine.</summary>
public sealed class GenerationGrpcService(AnswerEngine engine) : GenerationService.GenerationServiceBase
{
    public override Task<GenerateResponse> Generate(GenerateRequest request, ServerCallContext context) =>
        Task.FromResult(engine.Generate(request));

    public override async Task GenerateStream(GenerateRequest request, IServerStreamWriter<GenerateStreamEvent> responseStream, ServerCallContext context)
    {
        var response = engine.Generate(request);
        // An extractive answer exists whole at once; it is streamed a quoted sentence at a time so
        // that clients consume every model the same way.
        int written = 0;
        foreach (var citation in response.Citations)
        {
            int end = (int)citation.AnswerSpan.End;
            int next = response.Answer.IndexOf(' ', end + 1);
            end = next < 0 ? response.Answer.Length : next;
            await responseStream.WriteAsync(new GenerateStreamEvent { Delta = response.Answer[written..end] }, context.CancellationToken);
            written = end;
        }
        if (written < response.Answer.Length)
            await responseStream.WriteAsync(new GenerateStreamEvent { Delta = response.Answer[written..] }, context.CancellationToken);
        await responseStream.WriteAsync(new GenerateStreamEvent { Final = response }, context.CancellationToken);
    }

    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context)
    {
        var response = new ListModelsResponse();
        response.Models.Add(engine.Models);
        return Task.FromResult(response);
    }

    public override Task<Model> GetModel(GetModelRequest request, ServerCallContext context) =>
        Task.FromResult(engine.GetModel(request.Name));
}
