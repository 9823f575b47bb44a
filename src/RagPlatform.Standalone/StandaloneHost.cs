using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using RagPlatform.Embedding.Extensions;
using RagPlatform.FineTuning.Extensions;
using RagPlatform.Generation.Extensions;
using RagPlatform.QueryRouter.Extensions;
using RagPlatform.ServiceDefaults;
using RagPlatform.VectorSearch.Extensions;

namespace RagPlatform.Standalone;

/// <summary>
/// Composes the five services into one process. The router still reaches the others over gRPC,
/// through service discovery pointed at this process's own endpoint, so the request path, its
/// traces and its errors are the ones a distributed deployment has.
/// </summary>
public static class StandaloneHost
{
    public const string DefaultUrl = "http://127.0.0.1:7000";
    public static readonly string[] ServiceNames = ["embedding", "vectorsearch", "generation", "finetuning", "queryrouter"];

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
            builder.WebHost.UseUrls(DefaultUrl);
        builder.AddServiceDefaults();
        builder.AddEmbeddingService();
        builder.AddVectorSearchService();
        builder.AddGenerationService();
        builder.AddFineTuningService();
        builder.AddQueryRouterService();
        configure?.Invoke(builder);
        builder.Services.AddHostedService<OwnAddressPublisher>();

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapEmbeddingService();
        app.MapVectorSearchService();
        app.MapGenerationService();
        app.MapFineTuningService();
        app.MapQueryRouterService();
        return app;
    }

    /// <summary>Starts the host (which points every service name at itself); returns its address.</summary>
    public static async Task<Uri> StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        await app.StartAsync(cancellationToken);
        return new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }
}
