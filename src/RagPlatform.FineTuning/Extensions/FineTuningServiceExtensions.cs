using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.FineTuning.Executors;
using RagPlatform.FineTuning.Executors.Llama;
using RagPlatform.FineTuning.Jobs;
using RagPlatform.FineTuning.Registry;
using RagPlatform.ServiceDefaults;
using RagPlatform.ServiceDefaults.Grpc;
using RagPlatform.FineTuning.Grpc;
using RagPlatform.FineTuning.Storage;

namespace RagPlatform.FineTuning.Extensions;

public static class FineTuningServiceExtensions
{
    /// <summary>The Embedding service, which serves the base models adapters are trained on.</summary>
    public const string EmbeddingService = "embedding";

    /// <summary>Datasets, jobs and their worker, the model registry, and the executors; call after AddServiceDefaults.</summary>
    public static IHostApplicationBuilder AddFineTuningService(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<FineTuningOptions>(FineTuningOptions.Section);
        builder.Services.AddSingleton<DatasetStore>();
        builder.Services.AddSingleton<IJobStore, FileJobStore>();
        builder.Services.AddSingleton<IModelRegistry, FileModelRegistry>();
        builder.Services.AddSingleton<JobCancellations>();
        builder.Services.AddSingleton<JobManager>();
        builder.AddPlatformClient<EmbeddingService.EmbeddingServiceClient>(EmbeddingService);
        // Chat bases are configured names, so they are matched before the Embedding service is asked.
        builder.Services.Configure<ChatFineTuningOptions>(builder.Configuration.GetSection(FineTuningOptions.Section));
        builder.Services.AddSingleton<IJobExecutor, LlamaFinetuneExecutor>();
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
