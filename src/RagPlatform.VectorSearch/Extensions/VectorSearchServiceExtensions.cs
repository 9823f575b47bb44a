using RagPlatform.ServiceDefaults;
using RagPlatform.VectorSearch.Backends.Embedded;
using RagPlatform.VectorSearch.Backends.Qdrant;
using RagPlatform.VectorSearch.Engine;
using RagPlatform.VectorSearch.Engine.Collections;
using RagPlatform.VectorSearch.Grpc;

namespace RagPlatform.VectorSearch.Extensions;

public static class VectorSearchServiceExtensions
{
    /// <summary>The vector engine on the configured backend; call after AddServiceDefaults.</summary>
    public static IHostApplicationBuilder AddVectorSearchService(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<VectorSearchOptions>(VectorSearchOptions.Section);
        var backend = builder.Configuration.GetSection(VectorSearchOptions.Section)[nameof(VectorSearchOptions.Backend)];
        if (backend == VectorSearchOptions.QdrantBackendName)
            builder.AddQdrantBackend();
        else if (backend == VectorSearchOptions.MemoryBackendName)
            builder.Services.AddSingleton<IVectorBackend, MemoryBackend>();
        else
            builder.Services.AddSingleton<IVectorBackend, EmbeddedBackend>(); // an unknown name fails the options validation
        builder.Services.AddSingleton<VectorSearchEngine>();
        return builder;
    }

    public static IEndpointRouteBuilder MapVectorSearchService(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<VectorSearchGrpcService>();
        return endpoints;
    }
}
