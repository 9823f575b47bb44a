using System.Diagnostics;
using System.Runtime.InteropServices;
using Grpc.Core;
using Grpc.Net.Client;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Storage.Redis;
using RagPlatform.Launcher;
using RagPlatform.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace RagPlatform.Tests.EndToEnd;

/// <summary>
/// Two FineTuning replicas as separate processes sharing one real redis-server and one data
/// volume, with an Embedding process serving hashing-v1 (no weights, instant): replicas killed,
/// paused and asked to cancel jobs the other one runs.
/// </summary>
[Collection(NonParallel.Name)]
public sealed class FineTuningReplicaTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Base = "hashing-v1";
    private const string Tenant = "default";
    private readonly string work = Path.Combine(Path.GetTempPath(), "ragplatform-replicas-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<ServiceProcess> replicas = [];
    private readonly List<GrpcChannel> channels = [];
    private RedisServer redis = null!;
    private ServiceProcess embedding = null!;
    private ConnectionMultiplexer connection = null!;

    public async Task InitializeAsync()
    {
        redis = await RedisServer.StartAsync(Path.Combine(work, "redis"));
        connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var root = RepositoryRoot.Find();
        embedding = ServiceProcess.Start("embedding-0", ServiceBuild.Locate(root, "src/RagPlatform.Embedding/RagPlatform.Embedding.csproj", TestBuild.Configuration),
            new Dictionary<string, string>(Common("embedding")) { ["Embedding__DefaultModel"] = Base }, Path.Combine(work, "embedding-0.log"));
        var embeddingAddress = await embedding.WaitReadyAsync(TimeSpan.FromSeconds(120));
        var assembly = ServiceBuild.Locate(root, "src/RagPlatform.FineTuning/RagPlatform.FineTuning.csproj", TestBuild.Configuration);
        for (int i = 0; i < 2; i++)
            replicas.Add(ServiceProcess.Start($"finetuning-{i}", assembly, new Dictionary<string, string>(Common("finetuning"))
            {
                ["ConnectionStrings__redis"] = redis.ConnectionString,
                ["services__embedding__http__0"] = embeddingAddress.ToString().TrimEnd('/'),
                ["FineTuning__DataDirectory"] = Path.Combine(work, "data"),
                ["FineTuning__ClaimDuration"] = "00:00:03",
            }, Path.Combine(work, $"finetuning-{i}.log")));
        foreach (var replica in replicas) channels.Add(GrpcChannel.ForAddress(await replica.WaitReadyAsync(TimeSpan.FromSeconds(120))));
    }

    private static Dictionary<string, string> Common(string service) => new()
    {
        ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        ["DOTNET_ENVIRONMENT"] = "Production",
        ["OTEL_SERVICE_NAME"] = service,
    };

    public async Task DisposeAsync()
    {
        foreach (var replica in replicas) Signal(replica.ProcessId, SigCont); // a paused process cannot be killed cleanly
        foreach (var channel in channels) channel.Dispose();
        foreach (var replica in replicas) await replica.DisposeAsync();
        await embedding.DisposeAsync();
        await connection.DisposeAsync();
        await redis.DisposeAsync();
        try { Directory.Delete(work, recursive: true); } catch (IOException) { }
    }

    private FineTuningService.FineTuningServiceClient Client(int replica) => new(channels[replica]);

    private Task<Job> CreateAsync(int replica, string datasetId, string suffix, uint epochs) => Client(replica).CreateJobAsync(new CreateJobRequest
    {
        BaseModel = Base, TrainingDatasetId = datasetId, Suffix = suffix, Seed = 1,
        Hyperparameters = new Hyperparameters { Epochs = epochs, Patience = Math.Min(epochs, 100), BatchSize = 4 },
    }).ResponseAsync;

    private readonly record struct Holder(int Pid, long Fence);

    /// <summary>The process id of the worker holding the job's claim (worker ids are machine:pid:nonce), with its fence.</summary>
    private async Task<Holder?> HolderAsync(string jobId)
    {
        var fields = await connection.GetDatabase().HashGetAsync(RedisJobKeys.Job(Tenant, jobId), ["state", "worker", "fence"]);
        if (fields[0].IsNull || (int)fields[0] != (int)JobState.Running || ((string?)fields[1] ?? "") == "") return null;
        return new Holder(int.Parse(((string)fields[1]!).Split(':')[1]), (long)fields[2]);
    }

    /// <summary>The holder of a running job that has written a checkpoint: it is mid-training.</summary>
    private async Task<Holder?> TrainingHolderAsync(string jobId) =>
        await HolderAsync(jobId) is { } holder
        && (await Client(0).ListCheckpointsAsync(new ListCheckpointsRequest { JobId = jobId })).Checkpoints.Count > 0 ? holder : null;

    private int ReplicaOf(int pid) => replicas.FindIndex(r => r.ProcessId == pid);

    /// <summary>Waits until <paramref name="condition"/> holds: a readiness check with a generous deadline, never a timing assertion.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> condition, string what, int seconds = 240) where T : struct
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (await condition() is { } value) return value;
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    private async Task<List<JobEvent>> WatchToEndAsync(int replica, string jobId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        using var call = Client(replica).WatchJob(new WatchJobRequest { Id = jobId }, cancellationToken: timeout.Token);
        var events = new List<JobEvent>();
        while (await call.ResponseStream.MoveNext(timeout.Token)) events.Add(call.ResponseStream.Current);
        return events;
    }

    [Fact]
    public async Task Ten_jobs_on_two_replicas_all_succeed_and_register_once_when_one_replica_is_killed_mid_training()
    {
        var dataset = await FineTuningData.UploadAsync(Client(0), FineTuningData.Pairs(30));
        var jobs = new List<Job>();
        for (int i = 0; i < 10; i++) jobs.Add(await CreateAsync(i % 2, dataset.Id, $"ten{i}", epochs: 30));

        // Kill the replica running a job that has written a checkpoint: it dies mid-training.
        async Task<(int Replica, string JobId)?> OneMidTraining()
        {
            foreach (var job in jobs)
                if (await TrainingHolderAsync(job.Id) is { } holder) return (ReplicaOf(holder.Pid), job.Id);
            return null;
        }
        var (victim, killedJob) = await EventuallyAsync(OneMidTraining, "a job with a checkpoint to be running");
        replicas[victim].Kill();
        var killedAt = Stopwatch.StartNew();
        output.WriteLine($"killed finetuning-{victim} while it ran {killedJob}");
        int survivor = 1 - victim;

        foreach (var job in jobs)
        {
            var events = await WatchToEndAsync(survivor, job.Id);
            var done = await Client(survivor).GetJobAsync(new GetJobRequest { Id = job.Id });
            Assert.True(done.State == JobState.Succeeded, $"{job.Id}: {done.State} {done.Error?.Message}");
            Assert.Single(events, e => e.Message.StartsWith("registered model "));
            var model = await Client(survivor).GetModelAsync(new GetModelRequest { Name = done.FineTunedModel });
            Assert.Equal(job.Id, model.JobId);
            Assert.True(File.Exists(model.Artifact));
        }
        output.WriteLine($"all ten ended {killedAt.Elapsed.TotalSeconds:0.0} s after the kill (a noisy, loaded machine)");
        var killedEvents = await WatchToEndAsync(survivor, killedJob);
        Assert.Contains(killedEvents, e => e.Message.Contains("stopped renewing its claim"));
        Assert.Contains(killedEvents, e => e.Message.StartsWith("resuming from the checkpoint of epoch "));
        var models = (await Client(survivor).ListModelsAsync(new ListModelsRequest { PageSize = 100 })).Models;
        Assert.Equal(jobs.Select(j => $"{Base}+{j.Suffix}").Order(StringComparer.Ordinal), models.Select(m => m.Name));
        Assert.Equal(10, models.Select(m => m.JobId).Distinct().Count());
    }

    [Fact]
    public async Task A_worker_paused_past_its_claim_can_no_longer_write_a_checkpoint_or_register()
    {
        var dataset = await FineTuningData.UploadAsync(Client(0), FineTuningData.Pairs(30));
        var job = await CreateAsync(0, dataset.Id, "paused", epochs: 60);
        var first = await EventuallyAsync(() => TrainingHolderAsync(job.Id), "the job to write its first checkpoint");
        int paused = ReplicaOf(first.Pid);
        Signal(first.Pid, SigStop);
        // The other replica takes the job over once the paused worker's lease has expired.
        var second = await EventuallyAsync(async () => await HolderAsync(job.Id) is { } holder && holder.Fence > first.Fence ? holder : (Holder?)null,
            "the other replica to take the job over");
        Assert.Equal(1 - paused, ReplicaOf(second.Pid));
        Signal(first.Pid, SigCont);

        var events = await WatchToEndAsync(1 - paused, job.Id);
        Assert.Equal(JobState.Succeeded, events.Last(e => e.EventCase == JobEvent.EventOneofCase.StateChanged).StateChanged);
        // After the takeover only the new worker wrote: checkpoints continue from where it resumed, each epoch once, in order.
        var takeover = events.FindIndex(e => e.Message.Contains("stopped renewing its claim"));
        Assert.True(takeover >= 0);
        var resumed = events.Skip(takeover).First(e => e.Message.StartsWith("resuming from the checkpoint of epoch "));
        uint from = uint.Parse(resumed.Message.Split(' ').Last());
        var later = events.Skip(takeover).Where(e => e.Checkpoint is not null).Select(e => e.Checkpoint.Epoch).ToList();
        Assert.Equal(Enumerable.Range((int)from + 1, later.Count).Select(e => (uint)e), later);
        var checkpoints = (await Client(0).ListCheckpointsAsync(new ListCheckpointsRequest { JobId = job.Id })).Checkpoints.Select(c => c.Epoch).ToList();
        Assert.Equal(checkpoints.Distinct().Order(), checkpoints);
        var model = await Client(paused).GetModelAsync(new GetModelRequest { Name = $"{Base}+paused" });
        Assert.Equal(job.Id, model.JobId);
        Assert.Contains($"claim-{second.Fence}", model.Artifact); // the taker's artifact, not the paused worker's
        Assert.Single(events, e => e.Message.StartsWith("registered model "));
        // The resumed worker found out it had lost the job, and said so.
        await EventuallyAsync(() => Task.FromResult(File.ReadAllText(replicas[paused].LogPath) is var text
            && (text.Contains($"claim {first.Fence} lost") || text.Contains("claim could not be renewed")) ? true : (bool?)null), "the paused worker to notice");
    }

    [Fact]
    public async Task A_running_job_cancelled_through_the_other_replica_ends_cancelled_and_registers_nothing()
    {
        var dataset = await FineTuningData.UploadAsync(Client(0), FineTuningData.Pairs(30));
        var job = await CreateAsync(0, dataset.Id, "stopme", epochs: 1000);
        var holder = await EventuallyAsync(() => TrainingHolderAsync(job.Id), "the job to be training");
        int other = 1 - ReplicaOf(holder.Pid);

        var clock = Stopwatch.StartNew();
        Assert.Equal(JobState.Running, (await Client(other).CancelJobAsync(new CancelJobRequest { Id = job.Id })).State);
        var events = await WatchToEndAsync(other, job.Id);
        output.WriteLine($"cancelled {clock.Elapsed.TotalSeconds:0.00} s after CancelJob, through the replica that was not running it (a noisy, loaded machine)");

        Assert.Equal(JobState.Cancelled, events.Last(e => e.EventCase == JobEvent.EventOneofCase.StateChanged).StateChanged);
        Assert.Equal(JobState.Cancelled, (await Client(1 - other).GetJobAsync(new GetJobRequest { Id = job.Id })).State);
        Assert.DoesNotContain(events, e => e.Message.StartsWith("registered model "));
        var missing = await Assert.ThrowsAsync<RpcException>(() => Client(other).GetModelAsync(new GetModelRequest { Name = $"{Base}+stopme" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Empty((await Client(other).ListModelsAsync(new ListModelsRequest())).Models);
    }

    private const int SigCont = 18, SigStop = 19;

    private static void Signal(int pid, int signal)
    {
        try { Process.GetProcessById(pid); } catch (ArgumentException) { return; }
        Assert.Equal(0, Kill(pid, signal));
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
