using Microsoft.Extensions.Options;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.ServiceDefaults;
using RagPlatform.ServiceDefaults.Grpc;
using RagPlatform.Generation.Backends;
using RagPlatform.Generation.Core;
using RagPlatform.Generation.Grpc;
using RagPlatform.Generation.Local;
using RagPlatform.Generation.Models;

namespace RagPlatform.Generation.Extensions;

public static class GenerationServiceExtensions
{
    /// <summary>The answer engine, its options and its chat models; call after AddServiceDefaults.</summary>
    public static IHostApplicationBuilder AddGenerationService(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<GenerationOptions>(GenerationOptions.Section);
        builder.AddConfiguredChatModels();
        // Fine-tuned chat models, from the FineTuning service's registry, after the configured ones.
        builder.AddPlatformClient<FineTuningService.FineTuningServiceClient>(RegistryModelSource.RegistryService);
        builder.Services.AddSingleton<RegistryModelSource>();
        builder.Services.AddSingleton<IModelSource>(services => services.GetRequiredService<RegistryModelSource>());
        builder.Services.AddHealthChecks().AddCheck<RegistryHealthCheck>("finetuning-registry");
        builder.Services.AddSingleton<ModelCatalog>();
        builder.Services.AddSingleton<ChatServiceFactory>();
        builder.Services.AddSingleton<ChatModelCaller>();
        builder.Services.AddSingleton<LocalModelHost>();
        builder.Services.AddSingleton<GenerativeAnswerer>();
        builder.Services.AddSingleton<AnswerEngine>();
        return builder;
    }

    /// <summary>
    /// One chat model per section under "Generation:Models", named by the section, each validated
    /// at start-up.
    /// </summary>
    private static void AddConfiguredChatModels(this IHostApplicationBuilder builder)
    {
        var names = new List<string>();
        foreach (var section in builder.Configuration.GetSection(ChatModelOptions.Section).GetChildren())
        {
            names.Add(section.Key);
            builder.Services.AddOptions<ChatModelOptions>(section.Key)
                .Bind(section)
                .ValidateDataAnnotations()
                .ValidateOnStart();
        }
        builder.Services.AddSingleton(services =>
            new ConfiguredModelSource(services.GetRequiredService<IOptionsMonitor<ChatModelOptions>>(), names));
        builder.Services.AddSingleton<IModelSource>(services => services.GetRequiredService<ConfiguredModelSource>());
    }

    public static IEndpointRouteBuilder MapGenerationService(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<GenerationGrpcService>();
        return endpoints;
    }
}
