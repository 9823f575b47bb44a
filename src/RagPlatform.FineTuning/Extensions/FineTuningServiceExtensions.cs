using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.FineTuning.Datasets;
using RagPlatform.FineTuning.Executors;
using RagPlatform.FineTuning.Executors.Llama;
using RagPlatform.FineTuning.Executors.OpenAI;
using RagPlatform.FineTuning.Jobs;
using RagPlatform.FineTuning.Registry;
using RagPlatform.ServiceDefaults;
using RagPlatform.ServiceDefaults.Grpc;
using RagPlatform.FineTuning.Grpc;
using RagPlatform.FineTuning.Storage;
using RagPlatform.FineTuning.Storage.Redis;
using RagPlatform.ServiceDefaults.Redis;

namespace RagPlatform.FineTuning.Extensions;

public static class FineTuningServiceExtensions
{
    /// <summary>The Embedding service, which serves the base models adapters are trained on.</summary>
    public const string EmbeddingService = "embedding";

    /// <summary>
    /// Datasets, jobs and their worker, the model registry, and the executors; call after AddServiceDefaults.
    /// Jobs and the registry live in Redis when ConnectionStrings:redis is set (any replica runs any
    /// job), else in files under FineTuning:DataDirectory for this process alone.
    /// </summary>
    public static IHostApplicationBuilder AddFineTuningService(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<FineTuningOptions>(FineTuningOptions.Section);
        builder.Services.AddSingleton<DatasetStore>();
        builder.Services.AddSingleton<BaseTokenizers>();
        builder.Services.AddSingleton<RegistryFolder>();
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(RedisExtensions.ConnectionName)))
        {
            builder.Services.AddSingleton<IJobStore, FileJobStore>();
            builder.Services.AddSingleton<IModelRegistry, FileModelRegistry>();
        }
        else
        {
            // Replicas share jobs, checkpoints and the registry through Redis (AddServiceDefaults registered the connection).
            builder.Services.AddSingleton<RedisJobSignals>();
            builder.Services.AddSingleton<IJobStore, RedisJobStore>();
            builder.Services.AddSingleton<IModelRegistry, RedisModelRegistry>();
        }
        builder.Services.AddSingleton<JobCancellations>();
        builder.Services.AddSingleton<JobManager>();
        builder.AddPlatformClient<EmbeddingService.EmbeddingServiceClient>(EmbeddingService);
        // Chat bases (local GGUF and hosted) are configured names, so they are matched before the Embedding service is asked.
        builder.Services.Configure<ChatFineTuningOptions>(builder.Configuration.GetSection(FineTuningOptions.Section));
        builder.Services.AddSingleton<IJobExecutor, LlamaFinetuneExecutor>();
        builder.Services.Configure<RemoteFineTuningOptions>(builder.Configuration.GetSection(FineTuningOptions.Section));
        builder.Services.AddSingleton<IJobExecutor, RemoteFineTuningExecutor>();
        builder.Services.AddSingleton<IJobExecutor, EmbeddingAdapterExecutor>();
        builder.Services.AddSingleton<ExecutorCatalog>();
        builder.Services.AddHostedService<JobWorker>();
        return builder;
    }

    public static IEndpointRouteBuilder MapFineTuningService(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<FineTuningGrpcService>();
        return endpoints;
    }
}
