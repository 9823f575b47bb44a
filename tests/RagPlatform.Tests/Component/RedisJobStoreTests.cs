using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning;
using RagPlatform.FineTuning.Jobs;
using RagPlatform.FineTuning.Registry;
using RagPlatform.FineTuning.Storage.Redis;
using RagPlatform.Launcher;
using RagPlatform.ServiceDefaults.Errors;
using StackExchange.Redis;

namespace RagPlatform.Tests.Component;

/// <summary>
/// The Redis job store and registry against a real redis-server: claims through the stream's
/// consumer group, leases, and the fencing scripts. Each "replica" is a store on a connection of
/// its own, as separate processes would have.
/// </summary>
public sealed class RedisJobStoreTests : IAsyncLifetime
{
    private const string Tenant = "acme";
    private readonly string directory = Path.Combine(Path.GetTempPath(), "ragplatform-redisjobs-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<IConnectionMultiplexer> connections = [];
    private RedisServer redis = null!;

    public async Task InitializeAsync() => redis = await RedisServer.StartAsync(Path.Combine(directory, "redis"));

    public async Task DisposeAsync()
    {
        foreach (var connection in connections) await connection.DisposeAsync();
        await redis.DisposeAsync();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }

    private sealed record Replica(RedisJobStore Jobs, RedisModelRegistry Registry, IDatabase Db, RedisJobSignals Signals);

    private async Task<Replica> ReplicaAsync()
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        connections.Add(connection);
        var options = Options.Create(new FineTuningOptions { DataDirectory = Path.Combine(directory, "data") });
        var environment = new Environment { ContentRootPath = directory };
        var signals = new RedisJobSignals(connection, NullLogger<RedisJobSignals>.Instance);
        var store = new RedisJobStore(connection, signals, options, environment);
        return new Replica(store, new RedisModelRegistry(connection, new RegistryFolder(options, environment)), connection.GetDatabase(), signals);
    }

    private sealed class Environment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Test";
        public string ApplicationName { get; set; } = "tests";
        public string ContentRootPath { get; set; } = "";
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }

    private static StoredJob NewJob(string id, string suffix = "", string idempotencyKey = "") => new()
    {
        Tenant = Tenant,
        Job = new Job
        {
            Id = id, BaseModel = "hashing-v1", Suffix = suffix.Length > 0 ? suffix : id, TrainingDatasetId = "ds-1",
            State = JobState.Validating, CreatedAt = Timestamp.FromDateTime(DateTime.UtcNow),
        },
        Request = new CreateJobRequest { BaseModel = "hashing-v1", Suffix = suffix.Length > 0 ? suffix : id, IdempotencyKey = idempotencyKey },
    };

    private static async Task<StoredJob> QueueAsync(Replica replica, StoredJob job)
    {
        var (created, isNew) = await replica.Jobs.CreateAsync(job, default);
        Assert.True(isNew);
        return await replica.Jobs.UpdateAsync(Tenant, created.Job.Id, j => { j.Job.State = JobState.Queued; return true; },
            [JobEvents.StateChanged(JobState.Queued)], null, default);
    }

    private static CheckpointData Checkpoint(string jobId, uint epoch, byte value) =>
        new(new Checkpoint { Id = $"{jobId}:epoch-{epoch}", JobId = jobId, Epoch = epoch, Step = epoch * 10 }, [value, value, value]);

    private static Model ModelOf(string jobId) => new() { Name = "hashing-v1+" + jobId, Kind = ModelKind.Retrieval, BaseModel = "hashing-v1", JobId = jobId };

    /// <summary>Polls until <paramref name="attempt"/> gives a value: a readiness check with a generous deadline.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> attempt, string what) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (await attempt() is { } value) return value;
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_claim_taken_over_after_its_lease_expired_can_no_longer_write_a_checkpoint_or_register_and_the_new_claim_resumes()
    {
        var (a, b) = (await ReplicaAsync(), await ReplicaAsync());
        await QueueAsync(a, NewJob("job-1"));
        var first = await a.Jobs.ClaimNextAsync("worker-a", TimeSpan.FromMilliseconds(500), default);
        Assert.NotNull(first);
        await a.Jobs.SaveCheckpointAsync(first, Checkpoint("job-1", 1, 1), default);

        // Worker a stops renewing; b takes the job over once a's lease has expired.
        var second = await EventuallyAsync(() => b.Jobs.ClaimNextAsync("worker-b", TimeSpan.FromMilliseconds(500), default), "the takeover");
        Assert.Equal("job-1", second.JobId);
        Assert.True(second.Fence > first.Fence);
        Assert.Equal(1u, (await b.Jobs.LatestCheckpointAsync(Tenant, "job-1", default))!.Checkpoint.Epoch);

        await Assert.ThrowsAsync<LostClaimException>(() => a.Jobs.SaveCheckpointAsync(first, Checkpoint("job-1", 2, 9), default));
        await Assert.ThrowsAsync<LostClaimException>(() => a.Registry.RegisterAsync(first, ModelOf("job-1"), default));
        await Assert.ThrowsAsync<LostClaimException>(() => a.Jobs.EnsureCurrentAsync(first, default));
        await Assert.ThrowsAsync<LostClaimException>(() => a.Jobs.UpdateAsync(Tenant, "job-1", _ => true, [JobEvents.Message("late")], first, default));
        Assert.False(await a.Jobs.RenewAsync(first, TimeSpan.FromSeconds(30), default));

        Assert.True(await b.Jobs.RenewAsync(second, TimeSpan.FromSeconds(30), default));
        await b.Jobs.SaveCheckpointAsync(second, Checkpoint("job-1", 2, 2), default);
        var registered = await b.Registry.RegisterAsync(second, ModelOf("job-1"), default);
        Assert.Equal("job-1", (await b.Registry.RegisterAsync(second, ModelOf("job-1"), default)).JobId); // again: the same registration
        Assert.Equal(registered.Name, Assert.Single(await a.Registry.ListAsync(Tenant, default)).Name);
        Assert.Equal(2, (await a.Jobs.LatestCheckpointAsync(Tenant, "job-1", default))!.State[0]); // a's late write never landed
        Assert.Equal([1u, 2u], (await a.Jobs.ListCheckpointsAsync(Tenant, "job-1", default)).Select(c => c.Epoch));
        Assert.True(File.Exists(Path.Combine(directory, "data", "registry", Tenant, registered.Name + ".json"))); // mirrored for the Embedding service
        var events = await a.Jobs.ReadEventsAsync(Tenant, "job-1", 0, default);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => i.ToString()), events.Select(e => e.Id));
        Assert.Contains(events, e => e.Message.Contains("stopped renewing its claim"));
    }

    [Fact]
    public async Task An_idle_stream_entry_is_not_a_lease_a_job_whose_claim_is_live_stays_with_its_worker()
    {
        var (a, b) = (await ReplicaAsync(), await ReplicaAsync());
        await QueueAsync(a, NewJob("job-1"));
        var claim = await a.Jobs.ClaimNextAsync("worker-a", TimeSpan.FromMinutes(5), default);
        Assert.NotNull(claim);
        // The entry has been pending longer than b's claim duration, but a's lease runs for minutes.
        await EventuallyAsync(async () => (await b.Db.StreamPendingMessagesAsync(RedisJobKeys.Queue, RedisJobKeys.Group, 1, "worker-a"))
            .Any(p => p.IdleTimeInMilliseconds >= 300) ? "idle" : null, "an idle entry");
        Assert.Null(await b.Jobs.ClaimNextAsync("worker-b", TimeSpan.FromMilliseconds(200), default));

        await a.Jobs.EnsureCurrentAsync(claim, default);
        await a.Jobs.SaveCheckpointAsync(claim, Checkpoint("job-1", 1, 1), default);
        // The heartbeat takes the entry back from b, so b does not keep picking it up.
        Assert.True(await a.Jobs.RenewAsync(claim, TimeSpan.FromMinutes(5), default));
        var pending = await a.Db.StreamPendingMessagesAsync(RedisJobKeys.Queue, RedisJobKeys.Group, 10, RedisValue.Null);
        Assert.Equal("worker-a", Assert.Single(pending).ConsumerName);
    }

    [Fact]
    public async Task Consumers_of_replicas_that_are_gone_are_removed_and_one_holding_a_job_is_kept()
    {
        var replica = await ReplicaAsync();
        // A worker that ran a job to its end, then went away.
        await QueueAsync(replica, NewJob("job-1"));
        var finished = await replica.Jobs.ClaimNextAsync("worker-gone", TimeSpan.FromMinutes(5), default);
        Assert.NotNull(finished);
        await replica.Jobs.UpdateAsync(Tenant, "job-1", j => { j.Job.State = JobState.Succeeded; return true; },
            [JobEvents.StateChanged(JobState.Succeeded)], finished, default);
        await QueueAsync(replica, NewJob("job-2"));
        var claim = await replica.Jobs.ClaimNextAsync("worker-running", TimeSpan.FromMinutes(5), default);
        Assert.Equal("job-2", claim?.JobId);
        await EventuallyAsync(async () => (await replica.Db.StreamConsumerInfoAsync(RedisJobKeys.Queue, RedisJobKeys.Group))
            .Count(c => c.IdleTimeInMilliseconds >= 300) == 2 ? "idle" : null, "both consumers idle");

        Assert.Equal(0, await replica.Jobs.PruneConsumersAsync(TimeSpan.FromHours(1))); // not idle that long
        Assert.Equal(1, await replica.Jobs.PruneConsumersAsync(TimeSpan.FromMilliseconds(200)));

        var left = Assert.Single(await replica.Db.StreamConsumerInfoAsync(RedisJobKeys.Queue, RedisJobKeys.Group));
        Assert.Equal(("worker-running", 1), (left.Name.ToString(), left.PendingMessageCount)); // idle too, but it holds a job
        Assert.True(await replica.Jobs.RenewAsync(claim!, TimeSpan.FromMinutes(5), default));
    }

    [Fact]
    public async Task An_expired_lease_no_one_took_over_refuses_writes_until_its_worker_renews_it()
    {
        var a = await ReplicaAsync();
        await QueueAsync(a, NewJob("job-1"));
        var claim = await a.Jobs.ClaimNextAsync("worker-a", TimeSpan.FromMilliseconds(300), default);
        Assert.NotNull(claim);
        await EventuallyAsync(async () =>
        {
            try { await a.Jobs.EnsureCurrentAsync(claim, default); return null; }
            catch (LostClaimException error) { return error; }
        }, "the lease to expire");
        await Assert.ThrowsAsync<LostClaimException>(() => a.Jobs.SaveCheckpointAsync(claim, Checkpoint("job-1", 1, 1), default));

        Assert.True(await a.Jobs.RenewAsync(claim, TimeSpan.FromMinutes(5), default)); // no one else holds it
        await a.Jobs.SaveCheckpointAsync(claim, Checkpoint("job-1", 1, 1), default);
        Assert.Single(await a.Jobs.ListCheckpointsAsync(Tenant, "job-1", default));
    }

    [Fact]
    public async Task Racing_replicas_claim_each_queued_job_exactly_once_with_rising_fences()
    {
        var replicas = new List<Replica>();
        for (int i = 0; i < 4; i++) replicas.Add(await ReplicaAsync());
        for (int j = 0; j < 6; j++) await QueueAsync(replicas[0], NewJob($"job-{j}"));

        var claims = await Task.WhenAll(replicas.SelectMany((r, i) => Enumerable.Range(0, 5).Select(k =>
            r.Jobs.ClaimNextAsync($"worker-{i}-{k}", TimeSpan.FromMinutes(5), default))));
        var taken = claims.OfType<JobClaim>().ToList();
        Assert.Equal(6, taken.Count);
        Assert.Equal(6, taken.Select(c => c.JobId).Distinct().Count());
        Assert.All(taken, c => Assert.Equal(1, c.Fence));

        // Requeued (a dependency was down), the job is claimed again under a higher fence.
        var requeued = taken[0];
        await replicas[1].Jobs.UpdateAsync(Tenant, requeued.JobId, j => { j.Job.State = JobState.Queued; return true; },
            [JobEvents.StateChanged(JobState.Queued)], requeued, default);
        var again = await replicas[2].Jobs.ClaimNextAsync("worker-again", TimeSpan.FromMinutes(5), default);
        Assert.Equal(requeued.JobId, again?.JobId);
        Assert.Equal(2, again!.Fence);
        Assert.Null(await replicas[3].Jobs.ClaimNextAsync("worker-late", TimeSpan.FromMinutes(5), default));
    }

    [Fact]
    public async Task A_cancelled_queued_job_is_never_claimed_and_a_live_job_holds_its_suffix_until_it_ends()
    {
        var (a, b) = (await ReplicaAsync(), await ReplicaAsync());
        await QueueAsync(a, NewJob("job-1", suffix: "shared", idempotencyKey: "key-1"));
        var (same, created) = await b.Jobs.CreateAsync(NewJob("job-9", suffix: "other", idempotencyKey: "key-1"), default);
        Assert.False(created);
        Assert.Equal("job-1", same.Job.Id);
        var taken = await Assert.ThrowsAsync<AlreadyExistsException>(() => b.Jobs.CreateAsync(NewJob("job-2", suffix: "shared"), default));
        Assert.StartsWith("suffix:", taken.Message);

        await b.Jobs.UpdateAsync(Tenant, "job-1", j => { j.Job.State = JobState.Cancelled; return true; }, [JobEvents.StateChanged(JobState.Cancelled)], null, default);
        Assert.Null(await a.Jobs.ClaimNextAsync("worker-a", TimeSpan.FromMinutes(5), default));
        Assert.Empty(await a.Db.StreamPendingMessagesAsync(RedisJobKeys.Queue, RedisJobKeys.Group, 10, RedisValue.Null));
        Assert.True((await b.Jobs.CreateAsync(NewJob("job-2", suffix: "shared"), default)).Created);
        Assert.Equal(["job-2", "job-1"], (await a.Jobs.ListAsync(Tenant, default)).Select(j => j.Job.Id));
    }

    [Fact]
    public async Task Redis_out_of_reach_is_unavailable_to_callers_not_an_internal_error()
    {
        var a = await ReplicaAsync();
        await QueueAsync(a, NewJob("job-1"));
        await redis.StopAsync();
        await Assert.ThrowsAsync<UnavailableException>(() => a.Jobs.GetAsync(Tenant, "job-1", default));
        await Assert.ThrowsAsync<UnavailableException>(() => a.Jobs.UpdateAsync(Tenant, "job-1", _ => true, [JobEvents.Message("m")], null, default));
        await Assert.ThrowsAsync<UnavailableException>(() => a.Registry.ListAsync(Tenant, default));
    }

    [Fact]
    public async Task A_watcher_on_one_replica_is_woken_by_a_write_on_another()
    {
        var (a, b) = (await ReplicaAsync(), await ReplicaAsync());
        await QueueAsync(a, NewJob("job-1"));
        var seen = (await a.Jobs.ReadEventsAsync(Tenant, "job-1", 0, default)).Count;
        var waiting = a.Jobs.WaitForChangeAsync(Tenant, "job-1", seen, default);
        await b.Jobs.UpdateAsync(Tenant, "job-1", _ => true, [JobEvents.Message("hello")], null, default);
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("hello", Assert.Single(await a.Jobs.ReadEventsAsync(Tenant, "job-1", seen, default)).Message);
    }

    [Fact]
    public async Task Waiting_on_jobs_leaves_no_signal_behind_whether_they_changed_or_not()
    {
        var (a, b) = (await ReplicaAsync(), await ReplicaAsync());
        foreach (var id in new[] { "job-1", "job-2", "job-3" }) await QueueAsync(a, NewJob(id));
        var seen = (await a.Jobs.ReadEventsAsync(Tenant, "job-1", 0, default)).Count;

        // Two watchers of job-1 (woken by a change), one of job-2 (which never changes: the wait times out),
        // and one of job-3 that already has events past what it saw (returns at once).
        var changing = new[] { a.Jobs.WaitForChangeAsync(Tenant, "job-1", seen, default), a.Jobs.WaitForChangeAsync(Tenant, "job-1", seen, default) };
        var quiet = a.Jobs.WaitForChangeAsync(Tenant, "job-2", seen, default);
        await a.Jobs.WaitForChangeAsync(Tenant, "job-3", 0, default);
        await b.Jobs.UpdateAsync(Tenant, "job-1", _ => true, [JobEvents.Message("hello")], null, default);
        await Task.WhenAll(changing).WaitAsync(TimeSpan.FromSeconds(30));
        await quiet.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, a.Signals.WatchedJobs);
        // A signal fired and dropped does not stop the job's next signal from firing (only a change
        // completes a signal's task; the waiters' poll interval does not).
        using (var next = a.Signals.ChangeOf(Tenant, "job-1"))
        {
            Assert.Equal(1, a.Signals.WatchedJobs);
            await b.Jobs.UpdateAsync(Tenant, "job-1", _ => true, [JobEvents.Message("again")], null, default);
            await next.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        Assert.Equal(0, a.Signals.WatchedJobs);
    }
}
