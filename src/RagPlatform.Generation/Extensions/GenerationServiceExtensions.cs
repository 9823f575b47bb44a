using RagPlatform.ServiceDefaults;
using RagPlatform.Generation.Core;
using RagPlatform.Generation.Grpc;

namespace RagPlatform.Generation.Extensions;

public static class GenerationServiceExtensions
{
    /// <summary>The answer engine and its options; call after AddServiceDefaults.</summary>
    public static IHostApplicationBuilder AddGenerationService(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<GenerationOptions>(GenerationOptions.Section);
        builder.Services.AddSingleton<AnswerEngine>();
        return builder;
    }

    public static IEndpointRouteBuilder MapGenerationService(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<GenerationGrpcService>();
        return endpoints;
    }
}
