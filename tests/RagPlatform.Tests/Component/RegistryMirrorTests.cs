using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.Launcher;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

/// <summary>
/// The registry in a real redis-server, mirrored to the shared folder: a mirror that cannot be
/// written sends the job back to the queue rather than failing a model that is registered already.
/// </summary>
public sealed class RegistryMirrorTests : IAsyncLifetime
{
    private const string Base = "hashing-v1";
    private readonly string root = Path.Combine(Path.GetTempPath(), "ragplatform-mirror-" + Guid.NewGuid().ToString("N")[..10]);
    private RedisServer redis = null!;
    private ServiceHost host = null!;

    private string DataDirectory => Path.Combine(root, "finetuning");

    public async Task InitializeAsync()
    {
        redis = await RedisServer.StartAsync(Path.Combine(root, "redis"));
        host = await ServiceHost.StartStandaloneAsync(new Dictionary<string, string?>
        {
            ["FineTuning:DataDirectory"] = DataDirectory,
            ["Embedding:DefaultModel"] = Base,
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            // The worker that puts a job back waits a claim before it takes it again: time to cancel it queued.
            ["FineTuning:ClaimDuration"] = "00:00:06",
        });
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await redis.DisposeAsync();
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }

    // A file where the tenant's registry folder goes: the mirror cannot be written until it is gone.
    private string Blocker => Path.Combine(DataDirectory, "registry", "default");

    /// <summary>A job whose model is registered in Redis but whose mirror the blocker refuses: it goes back to the queue.</summary>
    private async Task<(FineTuningService.FineTuningServiceClient Client, Job Job, List<JobEvent> Events)> StartJobTheMirrorBlocksAsync(string suffix)
    {
        var client = new FineTuningService.FineTuningServiceClient(host.Channel);
        Directory.CreateDirectory(Path.GetDirectoryName(Blocker)!);
        await File.WriteAllTextAsync(Blocker, "in the way");
        var dataset = await FineTuningData.UploadAsync(client, FineTuningData.Pairs(8));
        var job = await client.CreateJobAsync(new CreateJobRequest
        {
            BaseModel = Base, TrainingDatasetId = dataset.Id, Suffix = suffix, Seed = 3,
            Hyperparameters = new Hyperparameters { Epochs = 2, BatchSize = 4 },
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var events = new List<JobEvent>();
        using (var watch = client.WatchJob(new WatchJobRequest { Id = job.Id }, cancellationToken: timeout.Token))
            while (await watch.ResponseStream.MoveNext(timeout.Token))
            {
                events.Add(watch.ResponseStream.Current);
                if (events[^1].Message.Contains("registry folder", StringComparison.Ordinal)) break;
            }
        Assert.StartsWith("waiting to retry:", events[^1].Message);
        return (client, job, events);
    }

    [Fact]
    public async Task A_registry_folder_that_cannot_be_written_requeues_the_job_which_then_succeeds_registered_once()
    {
        var (client, job, events) = await StartJobTheMirrorBlocksAsync("mirror");
        File.Delete(Blocker);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        using (var watch = client.WatchJob(new WatchJobRequest { Id = job.Id, AfterEventId = events[^1].Id }, cancellationToken: timeout.Token))
            while (await watch.ResponseStream.MoveNext(timeout.Token)) events.Add(watch.ResponseStream.Current);
        var done = await client.GetJobAsync(new GetJobRequest { Id = job.Id });
        Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error?.Message}");
        Assert.DoesNotContain(events, e => e.EventCase == JobEvent.EventOneofCase.StateChanged && e.StateChanged == JobState.Failed);
        var model = await client.GetModelAsync(new GetModelRequest { Name = Base + "+mirror" });
        Assert.Equal(job.Id, model.JobId);
        Assert.Single((await client.ListModelsAsync(new ListModelsRequest())).Models);
        Assert.True(File.Exists(Path.Combine(Blocker, Base + "+mirror.json")), "the registry folder mirrors the model");
    }

    [Fact]
    public async Task A_cancel_that_comes_after_the_model_was_registered_ends_the_job_succeeded_not_cancelled_with_a_model()
    {
        var (client, job, _) = await StartJobTheMirrorBlocksAsync("late");
        // Registered in Redis, its mirror not written, the job back in the queue: now cancelled.
        Assert.Equal(job.Id, (await client.GetModelAsync(new GetModelRequest { Name = Base + "+late" })).JobId);
        File.Delete(Blocker);
        await client.CancelJobAsync(new CancelJobRequest { Id = job.Id });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        using (var watch = client.WatchJob(new WatchJobRequest { Id = job.Id }, cancellationToken: timeout.Token))
            while (await watch.ResponseStream.MoveNext(timeout.Token)) { }
        var done = await client.GetJobAsync(new GetJobRequest { Id = job.Id });
        Assert.Equal((JobState.Succeeded, Base + "+late"), (done.State, done.FineTunedModel));
        Assert.Single((await client.ListModelsAsync(new ListModelsRequest())).Models);
        Assert.True(File.Exists(Path.Combine(Blocker, Base + "+late.json")), "the registry folder mirrors the model");
    }
}
