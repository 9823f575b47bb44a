using RagPlatform.Embedding.Core;
using RagPlatform.Embedding.Encoders;
using RagPlatform.Embedding.Encoders.Remote;
using RagPlatform.Embedding.Grpc;

namespace RagPlatform.Embedding.Extensions;

public static class EmbeddingServiceExtensions
{
    /// <summary>The embedding core and its options; call after AddServiceDefaults.</summary>
    public static IHostApplicationBuilder AddEmbeddingService(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<EmbeddingOptions>()
            .Bind(builder.Configuration.GetSection(EmbeddingOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IDenseEncoder, HashingEncoder>();
        builder.AddRemoteEncoders();
        builder.Services.AddSingleton<EncoderCatalog>();
        builder.Services.AddSingleton<EmbeddingEngine>();
        return builder;
    }

    public static IEndpointRouteBuilder MapEmbeddingService(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<EmbeddingGrpcService>();
        return endpoints;
    }
}
