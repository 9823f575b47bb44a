using Grpc.Core;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Generation.V1;
using RagPlatform.Generation.Core;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.Generation.Grpc;

/// <summary>The gRPC face of the answer engine.</summary>
public sealed class GenerationGrpcService(AnswerEngine engine) : GenerationService.GenerationServiceBase
{
    private const int DefaultPageSize = 100, MaxPageSize = 1000;

    public override Task<GenerateResponse> Generate(GenerateRequest request, ServerCallContext context) =>
        engine.GenerateAsync(request, onDelta: null, context.CancellationToken);

    public override async Task GenerateStream(GenerateRequest request, IServerStreamWriter<GenerateStreamEvent> responseStream, ServerCallContext context)
    {
        bool streamed = false;
        var response = await engine.GenerateAsync(request, async delta =>
        {
            streamed = true;
            await responseStream.WriteAsync(new GenerateStreamEvent { Delta = delta }, context.CancellationToken);
        }, context.CancellationToken);
        if (!streamed)
            await WriteBySentenceAsync(response, responseStream, context.CancellationToken);
        await responseStream.WriteAsync(new GenerateStreamEvent { Final = response }, context.CancellationToken);
    }

    /// <summary>
    /// An extractive answer exists whole at once; it is streamed a quoted sentence at a time so
    /// that clients consume every model the same way.
    /// </summary>
    private static async Task WriteBySentenceAsync(GenerateResponse response, IServerStreamWriter<GenerateStreamEvent> stream, CancellationToken cancellationToken)
    {
        int written = 0;
        foreach (var citation in response.Citations)
        {
            int end = (int)citation.AnswerSpan.End;
            int next = response.Answer.IndexOf(' ', Math.Min(end + 1, response.Answer.Length));
            end = next < 0 ? response.Answer.Length : next;
            if (end <= written) continue;
            await stream.WriteAsync(new GenerateStreamEvent { Delta = response.Answer[written..end] }, cancellationToken);
            written = end;
        }
        if (written < response.Answer.Length)
            await stream.WriteAsync(new GenerateStreamEvent { Delta = response.Answer[written..] }, cancellationToken);
    }

    public override async Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context)
    {
        int pageSize = request.PageSize == 0 ? DefaultPageSize : (int)Math.Min(request.PageSize, MaxPageSize);
        int offset = 0;
        if (request.PageToken.Length > 0 && !int.TryParse(request.PageToken, out offset) || offset < 0)
            throw new InvalidArgumentException("page_token", "is not a token this service gave out");
        var models = await engine.ListModelsAsync(context.CancellationToken);
        var response = new ListModelsResponse();
        response.Models.Add(models.Skip(offset).Take(pageSize));
        if (offset + pageSize < models.Count)
            response.NextPageToken = (offset + pageSize).ToString();
        return response;
    }

    public override async Task<Model> GetModel(GetModelRequest request, ServerCallContext context) =>
        await engine.GetModelAsync(request.Name, context.CancellationToken);
}
