using RagPlatform.ServiceDefaults;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.Generation.V1;
using RagPlatform.Contracts.Vectors.V1;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RagPlatform.QueryRouter.Answering;
using RagPlatform.QueryRouter.Caching;
using RagPlatform.QueryRouter.Conversations;
using RagPlatform.QueryRouter.Grpc;
using RagPlatform.QueryRouter.Ingestion;
using RagPlatform.QueryRouter.Retrieval;
using RagPlatform.QueryRouter.Routing;
using RagPlatform.QueryRouter.Sources;
using RagPlatform.ServiceDefaults.Grpc;
using StackExchange.Redis;

namespace RagPlatform.QueryRouter.Extensions;

public static class QueryRouterServiceExtensions
{
    /// <summary>Service names the router calls, resolved through service discovery.</summary>
    public const string EmbeddingService = "embedding", VectorSearchService = "vectorsearch", GenerationService = "generation";

    /// <summary>The router's pipelines and its clients of the other services; call after AddServiceDefaults.</summary>
    public static IHostApplicationBuilder AddQueryRouterService(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<QueryRouterOptions>(QueryRouterOptions.Section)
            .Validate(o => Sources.SourceNames.Validate(o.DefaultSource, "QueryRouter:DefaultSource") is not null);
        builder.AddPlatformClient<EmbeddingService.EmbeddingServiceClient>(EmbeddingService);
        builder.AddPlatformClient<VectorSearchService.VectorSearchServiceClient>(VectorSearchService);
        builder.AddPlatformClient<GenerationService.GenerationServiceClient>(GenerationService);
        builder.AddValidatedOptions<AnswerCacheOptions>(AnswerCacheOptions.Section);
        builder.AddValidatedOptions<ConversationOptions>(ConversationOptions.Section);
        builder.Services.AddSingleton<RouterRedis>();
        builder.Services.AddSingleton<AnswerStore>();
        builder.Services.AddSingleton<SemanticIndex>();
        builder.Services.AddSingleton<AnswerCache>();
        builder.Services.TryAddSingleton<ISourceVolatility, RegistrySourceVolatility>();
        builder.Services.AddSingleton<ConversationStore>();
        builder.Services.TryAddSingleton<IQuestionRewriter, FollowUpRewriter>();
        builder.Services.AddSingleton<ConversationMemory>();
        builder.Services.AddSingleton<CorpusVersions>();
        builder.Services.AddSingleton<ISourceStore>(sp => sp.GetService<IConnectionMultiplexer>() is { } redis
            ? new RedisSourceStore(redis, sp.GetRequiredService<RouterRedis>())
            : ActivatorUtilities.CreateInstance<FileSourceStore>(sp));
        builder.Services.AddSingleton<SourceRegistry>();
        builder.Services.AddSingleton<SourceWrites>();
        builder.Services.AddSingleton<SourceReindexer>();
        builder.Services.AddSingleton<SourceProfiles>();
        builder.Services.AddSingleton<QueryEmbedder>();
        builder.Services.AddSingleton<SourceRouter>();
        builder.Services.AddSingleton<IngestionPipeline>();
        builder.Services.AddSingleton<IngestStream>();
        builder.Services.AddSingleton<Retriever>();
        builder.Services.AddSingleton(sp =>
        {
            var file = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<QueryRouterOptions>>().Value.StrategyPolicyFile;
            var root = sp.GetRequiredService<IHostEnvironment>().ContentRootPath;
            return Answering.Policy.StrategyPolicy.Load(string.IsNullOrWhiteSpace(file) ? null : Path.GetFullPath(file, root));
        });
        builder.Services.AddSingleton<StrategyDecider>();
        builder.Services.AddSingleton<FineTunedModels>();
        builder.Services.AddSingleton<StrategyChoice>();
        builder.Services.AddSingleton<AskPipeline>();
        return builder;
    }

    public static IEndpointRouteBuilder MapQueryRouterService(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<QueryRouterGrpcService>();
        return endpoints;
    }
}
