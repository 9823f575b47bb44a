using RagPlatform.VectorSearch.Backends.Embedded;
using RagPlatform.VectorSearch.Engine;
using RagPlatform.VectorSearch.Engine.Collections;
using RagPlatform.VectorSearch.Grpc;

namespace RagPlatform.VectorSearch.Extensions;

public static class VectorSearchServiceExtensions
{
    /// <summary>The vector engine on the configured backend; call after AddServiceDefaults.</summary>
    public static IHostApplicationBuilder AddVectorSearchService(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<VectorSearchOptions>()
            .Bind(builder.Configuration.GetSection(VectorSearchOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (builder.Configuration[$"{VectorSearchOptions.Section}:Backend"] == "memory")
            builder.Services.AddSingleton<IVectorBackend, MemoryBackend>();
        else
            builder.Services.AddSingleton<IVectorBackend, EmbeddedBackend>();
        builder.Services.AddSingleton<VectorSearchEngine>();
        return builder;
    }

    public static IEndpointRouteBuilder MapVectorSearchService(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<VectorSearchGrpcService>();
        return endpoints;
    }
}
