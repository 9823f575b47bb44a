using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning;
using RagPlatform.FineTuning.Jobs;
using RagPlatform.FineTuning.Registry;
using RagPlatform.FineTuning.Storage;
using RagPlatform.FineTuning.Storage.Redis;
using StackExchange.Redis;

namespace RagPlatform.Tests.Infrastructure;

/// <summary>
/// Registers a fine-tuned chat model the way a finished job does, while the FineTuning service is not
/// running: a job in the job store the service will read (its files, or Redis when it is given one),
/// claimed (a real fencing token), its GGUF put in the job's artifact folder, registered under that
/// claim, then marked succeeded. The shape is the one the llama-finetune executor registers.
/// </summary>
internal static class ChatModelRegistration
{
    /// <summary>A local GGUF, copied into the job's artifact folder: served by a llama-server Generation starts.</summary>
    public static Task<Model> RegisterGgufAsync(string fineTuningDirectory, string tenant, string baseModel, string suffix,
        string gguf, DateTime createdAt, string? redisConnection = null) =>
        RegisterAsync(fineTuningDirectory, tenant, baseModel, suffix, createdAt, redisConnection, artifacts =>
        {
            var artifact = Path.Combine(artifacts, "model.gguf");
            File.Copy(gguf, artifact);
            return new Model { Backend = "llama-server", Artifact = artifact };
        });

    /// <summary>A model a hosted fine-tuning service made: its remote id, answered at its endpoint.</summary>
    public static Task<Model> RegisterRemoteAsync(string fineTuningDirectory, string tenant, string baseModel, string suffix,
        Uri endpoint, string remoteId, DateTime createdAt) =>
        RegisterAsync(fineTuningDirectory, tenant, baseModel, suffix, createdAt, null,
            _ => new Model { Backend = "openai-compatible", Endpoint = endpoint.ToString(), Artifact = remoteId });

    private static async Task<Model> RegisterAsync(string fineTuningDirectory, string tenant, string baseModel, string suffix,
        DateTime createdAt, string? redisConnection, Func<string, Model> produce)
    {
        var options = Options.Create(new FineTuningOptions { DataDirectory = fineTuningDirectory });
        var environment = new HostingEnvironment { ContentRootPath = fineTuningDirectory };
        await using var redis = redisConnection is null ? null : await ConnectionMultiplexer.ConnectAsync(redisConnection);
        IJobStore store = redis is null ? new FileJobStore(Path.Combine(fineTuningDirectory, "jobs"))
            : new RedisJobStore(redis, new RedisJobSignals(redis, NullLogger<RedisJobSignals>.Instance), options, environment);
        IModelRegistry registry = redis is null ? new FileModelRegistry(store, new RegistryFolder(options, environment))
            : new RedisModelRegistry(redis, new RegistryFolder(options, environment));
        var name = ModelNames.For(baseModel, suffix);
        var jobId = "ftjob-" + Guid.NewGuid().ToString("N")[..12];
        var job = new Job
        {
            Id = jobId, BaseModel = baseModel, Suffix = suffix, State = JobState.Validating,
            CreatedAt = Timestamp.FromDateTime(createdAt.AddMinutes(-1)),
        };
        await store.CreateAsync(new StoredJob { Tenant = tenant, Job = job, Request = new CreateJobRequest { BaseModel = baseModel, Suffix = suffix } },
            CancellationToken.None);
        // Queued the way JobManager queues a job (the Redis store puts it on its stream then).
        await store.UpdateAsync(tenant, jobId, j => { j.Job.State = JobState.Queued; return true; }, [JobEvents.StateChanged(JobState.Queued)], null,
            CancellationToken.None);
        var claim = await store.ClaimNextAsync("test-registrar", TimeSpan.FromMinutes(5), CancellationToken.None);
        Assert.Equal(jobId, claim?.JobId);

        var produced = produce(Directory.CreateDirectory(store.ArtifactDirectory(tenant, jobId)).FullName);
        produced.Name = name;
        produced.Kind = ModelKind.Chat;
        produced.BaseModel = baseModel;
        produced.FineTuned = true;
        produced.CreatedAt = Timestamp.FromDateTime(createdAt);
        produced.JobId = jobId;
        produced.Metrics["validation_perplexity"] = 42.5;
        var model = await registry.RegisterAsync(claim!, produced, CancellationToken.None);
        await store.UpdateAsync(tenant, jobId, j =>
        {
            j.Job.State = JobState.Succeeded;
            j.Job.FineTunedModel = name;
            return true;
        }, [JobEvents.StateChanged(JobState.Succeeded)], claim, CancellationToken.None);
        return model;
    }
}
