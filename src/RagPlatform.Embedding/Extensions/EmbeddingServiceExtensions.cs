using RagPlatform.ServiceDefaults;
using RagPlatform.Embedding.Adapters;
using RagPlatform.Embedding.Caching;
using RagPlatform.Embedding.Core;
using RagPlatform.Embedding.Encoders;
using RagPlatform.Embedding.Encoders.UseLite;
using RagPlatform.Embedding.Encoders.Remote;
using RagPlatform.Embedding.Grpc;

namespace RagPlatform.Embedding.Extensions;

public static class EmbeddingServiceExtensions
{
    /// <summary>The embedding core and its options; call after AddServiceDefaults.</summary>
    public static IHostApplicationBuilder AddEmbeddingService(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<EmbeddingOptions>(EmbeddingOptions.Section);
        builder.Services.PostConfigure<EmbeddingOptions>(options =>
            options.RegistryDirectory ??= builder.Configuration["FineTuning:DataDirectory"] ?? ".data/finetuning");
        builder.Services.AddSingleton<RegisteredAdapters>();
        builder.Services.AddSingleton<IDenseEncoder, HashingEncoder>();

        // The local sentence encoder is served only where its weights are; without them the
        // service still runs, on hashing-v1, and says so at start.
        var location = UseLiteModelLocation.Resolve(
            builder.Configuration[$"{EmbeddingOptions.Section}:{nameof(EmbeddingOptions.UseLite)}:{nameof(UseLiteOptions.ModelDirectory)}"]);
        builder.Services.AddSingleton(location);
        if (location.IsPresent)
            builder.Services.AddSingleton<IDenseEncoder>(services =>
            {
                var logger = services.GetRequiredService<ILogger<UseLiteEncoder>>();
                return new UseLiteEncoder(location, message => logger.LogInformation("use-lite: {Message}", message));
            });

        builder.AddRemoteEncoders();
        builder.Services.AddSingleton<EncoderCatalog>();
        builder.AddEmbeddingCache();
        builder.Services.AddSingleton<DenseVectors>();
        builder.Services.AddSingleton<EmbeddingEngine>();
        builder.Services.AddHostedService<EncoderStartup>();
        return builder;
    }

    /// <summary>The Redis vector cache, when ConnectionStrings:redis is set and the cache is not switched off.</summary>
    private static void AddEmbeddingCache(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection($"{EmbeddingOptions.Section}:Cache");
        builder.Services.AddOptions<EmbeddingCacheOptions>().Bind(section);
        bool enabled = section.GetValue(nameof(EmbeddingCacheOptions.Enabled), true);
        if (enabled && !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(ServiceDefaults.Redis.RedisExtensions.ConnectionName)))
            builder.Services.AddSingleton<EmbeddingCache>();
    }

    public static IEndpointRouteBuilder MapEmbeddingService(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<EmbeddingGrpcService>();
        return endpoints;
    }
}
