using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning;
using RagPlatform.FineTuning.Executors;
using RagPlatform.FineTuning.Jobs;
using RagPlatform.FineTuning.Registry;
using RagPlatform.FineTuning.Storage;
using RagPlatform.ServiceDefaults.Tenancy;

namespace RagPlatform.Tests.Unit;

/// <summary>WatchJob against a store read at the worst moment: the job's state read before it ended, its events after.</summary>
public sealed class JobWatchTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "ragplatform-watch-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_watch_that_reads_the_state_before_the_job_ended_and_its_events_after_still_ends_at_the_last_event()
    {
        var files = new FileJobStore(Path.Combine(directory, "jobs"));
        var job = new StoredJob
        {
            Tenant = "default",
            Job = new Job { Id = "ftjob-1", BaseModel = "hashing-v1", Suffix = "x", State = JobState.Queued, CreatedAt = Timestamp.FromDateTime(DateTime.UtcNow) },
            Request = new CreateJobRequest(),
        };
        await files.CreateAsync(job, default);
        var claim = await files.ClaimNextAsync("worker", TimeSpan.FromMinutes(1), default);
        await files.UpdateAsync("default", "ftjob-1", j => { j.Job.State = JobState.Cancelled; return true; },
            [JobEvents.Message("cancelled"), JobEvents.StateChanged(JobState.Cancelled)], claim, default);

        var manager = Manager(new StateReadBeforeTheEnd(files));
        using var tenant = TenantContext.Use("default");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var events = new List<JobEvent>();
        await foreach (var e in manager.WatchAsync(new WatchJobRequest { Id = "ftjob-1" }, timeout.Token)) events.Add(e);
        Assert.Equal(JobState.Cancelled, events[^1].StateChanged);
    }

    private JobManager Manager(IJobStore store)
    {
        var options = Options.Create(new FineTuningOptions { DataDirectory = directory });
        var environment = new Environment { ContentRootPath = directory };
        return new JobManager(store, new DatasetStore(options, environment), new FileModelRegistry(store, new RegistryFolder(options, environment)),
            new ExecutorCatalog([]), new JobCancellations());
    }

    /// <summary>Reads the job as it was while it ran; everything else as it is.</summary>
    private sealed class StateReadBeforeTheEnd(IJobStore inner) : IJobStore
    {
        public async Task<StoredJob?> GetAsync(string tenant, string jobId, CancellationToken cancellationToken)
        {
            var job = await inner.GetAsync(tenant, jobId, cancellationToken);
            if (job is not null) job.Job.State = JobState.Running;
            return job;
        }

        public Task<(StoredJob Job, bool Created)> CreateAsync(StoredJob job, CancellationToken cancellationToken) => inner.CreateAsync(job, cancellationToken);
        public Task<IReadOnlyList<StoredJob>> ListAsync(string tenant, CancellationToken cancellationToken) => inner.ListAsync(tenant, cancellationToken);
        public Task<StoredJob> UpdateAsync(string tenant, string jobId, Func<StoredJob, bool> change, IReadOnlyList<JobEvent> events, JobClaim? claim,
            CancellationToken cancellationToken) => inner.UpdateAsync(tenant, jobId, change, events, claim, cancellationToken);
        public Task<IReadOnlyList<JobEvent>> ReadEventsAsync(string tenant, string jobId, long afterSequence, CancellationToken cancellationToken) =>
            inner.ReadEventsAsync(tenant, jobId, afterSequence, cancellationToken);
        public Task WaitForChangeAsync(string tenant, string jobId, long afterSequence, CancellationToken cancellationToken) =>
            inner.WaitForChangeAsync(tenant, jobId, afterSequence, cancellationToken);
        public Task<JobClaim?> ClaimNextAsync(string workerId, TimeSpan claimDuration, CancellationToken cancellationToken) =>
            inner.ClaimNextAsync(workerId, claimDuration, cancellationToken);
        public Task<bool> RenewAsync(JobClaim claim, TimeSpan claimDuration, CancellationToken cancellationToken) => inner.RenewAsync(claim, claimDuration, cancellationToken);
        public Task WaitForQueuedAsync(CancellationToken cancellationToken) => inner.WaitForQueuedAsync(cancellationToken);
        public Task SaveCheckpointAsync(JobClaim claim, CheckpointData checkpoint, CancellationToken cancellationToken) =>
            inner.SaveCheckpointAsync(claim, checkpoint, cancellationToken);
        public Task<IReadOnlyList<Checkpoint>> ListCheckpointsAsync(string tenant, string jobId, CancellationToken cancellationToken) =>
            inner.ListCheckpointsAsync(tenant, jobId, cancellationToken);
        public Task<CheckpointData?> LatestCheckpointAsync(string tenant, string jobId, CancellationToken cancellationToken) =>
            inner.LatestCheckpointAsync(tenant, jobId, cancellationToken);
        public Task EnsureCurrentAsync(JobClaim claim, CancellationToken cancellationToken) => inner.EnsureCurrentAsync(claim, cancellationToken);
        public string ArtifactDirectory(string tenant, string jobId) => inner.ArtifactDirectory(tenant, jobId);
    }

    private sealed class Environment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Test";
        public string ApplicationName { get; set; } = "tests";
        public string ContentRootPath { get; set; } = "";
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
