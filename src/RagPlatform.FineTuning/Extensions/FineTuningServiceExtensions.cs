using RagPlatform.ServiceDefaults;
using RagPlatform.FineTuning.Grpc;
using RagPlatform.FineTuning.Storage;

namespace RagPlatform.FineTuning.Extensions;

public static class FineTuningServiceExtensions
{
    /// <summary>The dataset store and its options; call after AddServiceDefaults.</summary>
    public static IHostApplicationBuilder AddFineTuningService(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<FineTuningOptions>(FineTuningOptions.Section);
        builder.Services.AddSingleton<DatasetStore>();
        return builder;
    }

    public static IEndpointRouteBuilder MapFineTuningService(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<FineTuningGrpcService>();
        return endpoints;
    }
}
