using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning;
using RagPlatform.FineTuning.Jobs;
using RagPlatform.FineTuning.Registry;
using RagPlatform.FineTuning.Storage;

namespace RagPlatform.Tests.Infrastructure;

/// <summary>
/// Registers a fine-tuned chat model the way a finished job does, in a FineTuning data folder whose
/// service is not running: a job in the file job store, claimed (a real fencing token), its GGUF put
/// in the job's artifact folder, registered through the file registry under that claim, then
/// marked succeeded. The shape is the one the llama-finetune executor registers.
/// </summary>
internal static class ChatModelRegistration
{
    public static async Task<Model> RegisterGgufAsync(string fineTuningDirectory, string tenant, string baseModel, string suffix,
        string gguf, DateTime createdAt)
    {
        var store = new FileJobStore(Path.Combine(fineTuningDirectory, "jobs"));
        var name = ModelNames.For(baseModel, suffix);
        var jobId = "ftjob-" + Guid.NewGuid().ToString("N")[..12];
        var job = new Job
        {
            Id = jobId, BaseModel = baseModel, Suffix = suffix, State = JobState.Queued,
            CreatedAt = Timestamp.FromDateTime(createdAt.AddMinutes(-1)),
        };
        await store.CreateAsync(new StoredJob { Tenant = tenant, Job = job, Request = new CreateJobRequest { BaseModel = baseModel, Suffix = suffix } },
            CancellationToken.None);
        var claim = await store.ClaimNextAsync("test-registrar", TimeSpan.FromMinutes(5), CancellationToken.None);
        Assert.Equal(jobId, claim?.JobId);

        var artifact = Path.Combine(store.ArtifactDirectory(tenant, jobId), "model.gguf");
        File.Copy(gguf, artifact);
        var registry = new FileModelRegistry(store, new RegistryFolder(Options.Create(new FineTuningOptions { DataDirectory = fineTuningDirectory }),
            new HostingEnvironment { ContentRootPath = fineTuningDirectory }));
        var model = await registry.RegisterAsync(claim!, new Model
        {
            Name = name, Kind = ModelKind.Chat, BaseModel = baseModel, FineTuned = true, Backend = "llama-server",
            Artifact = artifact, CreatedAt = Timestamp.FromDateTime(createdAt), JobId = jobId,
            Metrics = { ["validation_perplexity"] = 42.5 },
        }, CancellationToken.None);
        await store.UpdateAsync(tenant, jobId, j =>
        {
            j.Job.State = JobState.Succeeded;
            j.Job.FineTunedModel = name;
            return true;
        }, [JobEvents.StateChanged(JobState.Succeeded)], claim, CancellationToken.None);
        return model;
    }
}
