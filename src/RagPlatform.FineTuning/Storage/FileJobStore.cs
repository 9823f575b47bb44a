using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Jobs;

namespace RagPlatform.FineTuning.Storage;

/// <summary>
/// Jobs in files, for one process that owns the data directory: per job a folder with job.json
/// (replaced atomically), events.jsonl (appended and fsynced before a write returns) and
/// checkpoints/. Everything is also held in memory; writes go through one lock. On start, jobs
/// that were running (their worker died with the process) go back to the queue, so the next claim
/// resumes them from their last checkpoint under a new fencing token.
/// </summary>
public sealed class FileJobStore : IJobStore
{
    private static JsonFormatter Formatter => StoredJobJson.Formatter;
    private readonly string root;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<(string Tenant, string Id), StoredJob> jobs = [];
    private readonly Dictionary<(string Tenant, string Id), List<JobEvent>> events = [];
    private readonly ConcurrentDictionary<(string Tenant, string Id), TaskCompletionSource> changed = new();
    private TaskCompletionSource queued = NewSignal();

    public FileJobStore(IOptions<FineTuningOptions> options, IHostEnvironment environment)
        : this(Path.Combine(Path.GetFullPath(options.Value.DataDirectory, environment.ContentRootPath), "jobs")) { }

    public FileJobStore(string root)
    {
        this.root = root;
        Directory.CreateDirectory(root);
        Load();
    }

    public async Task<(StoredJob Job, bool Created)> CreateAsync(StoredJob job, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var key = job.Request.IdempotencyKey;
            if (key.Length > 0 && jobs.Values.FirstOrDefault(j => j.Tenant == job.Tenant && j.Request.IdempotencyKey == key) is { } existing)
                return (existing.Clone(), false);
            var modelName = SuffixTaken.ModelName(job);
            if (jobs.Values.FirstOrDefault(j => j.Tenant == job.Tenant && !StoredJob.IsTerminal(j.Job.State) && SuffixTaken.ModelName(j) == modelName) is { } holder)
                throw SuffixTaken.ByJob(modelName, holder.Job.Id);
            Directory.CreateDirectory(Path.Combine(JobDirectory(job.Tenant, job.Job.Id), "checkpoints"));
            WriteJob(job);
            jobs[(job.Tenant, job.Job.Id)] = job.Clone();
            events[(job.Tenant, job.Job.Id)] = [];
            return (job.Clone(), true);
        }
        finally { gate.Release(); }
    }

    public Task<StoredJob?> GetAsync(string tenant, string jobId, CancellationToken cancellationToken)
    {
        lock (jobs) return Task.FromResult(jobs.TryGetValue((tenant, jobId), out var job) ? job.Clone() : null);
    }

    public Task<IReadOnlyList<StoredJob>> ListAsync(string tenant, CancellationToken cancellationToken)
    {
        lock (jobs)
            return Task.FromResult<IReadOnlyList<StoredJob>>(jobs.Values.Where(j => j.Tenant == tenant)
                .OrderByDescending(j => j.Job.CreatedAt).ThenByDescending(j => j.Job.Id, StringComparer.Ordinal)
                .Select(j => j.Clone()).ToList());
    }

    public async Task<StoredJob> UpdateAsync(string tenant, string jobId, Func<StoredJob, bool> change, IReadOnlyList<JobEvent> newEvents,
        JobClaim? claim, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var current = Require(tenant, jobId);
            if (claim is not null) CheckFence(current, claim);
            var next = current.Clone();
            if (!change(next)) return current.Clone();
            var stamped = AppendEvents(tenant, jobId, newEvents);
            WriteJob(next);
            Publish(tenant, jobId, stamped, next);
            if (next.Job.State == JobState.Queued && current.Job.State != JobState.Queued) Signal(ref queued);
            Notify(tenant, jobId);
            return next.Clone();
        }
        finally { gate.Release(); }
    }

    public Task<IReadOnlyList<JobEvent>> ReadEventsAsync(string tenant, string jobId, long afterSequence, CancellationToken cancellationToken)
    {
        lock (jobs)
        {
            if (!events.TryGetValue((tenant, jobId), out var list)) return Task.FromResult<IReadOnlyList<JobEvent>>([]);
            return Task.FromResult<IReadOnlyList<JobEvent>>(list.Skip((int)Math.Min(afterSequence, list.Count)).Select(e => e.Clone()).ToList());
        }
    }

    public async Task WaitForChangeAsync(string tenant, string jobId, long afterSequence, CancellationToken cancellationToken)
    {
        var signal = changed.GetOrAdd((tenant, jobId), _ => NewSignal());
        lock (jobs)
            if (events.TryGetValue((tenant, jobId), out var list) && list.Count > afterSequence) return;
        await signal.Task.WaitAsync(cancellationToken);
    }

    public async Task<JobClaim?> ClaimNextAsync(string workerId, TimeSpan claimDuration, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            StoredJob? next;
            lock (jobs)
                next = jobs.Values.Where(j => j.Job.State == JobState.Queued)
                    .OrderBy(j => j.Job.CreatedAt).ThenBy(j => j.Job.Id, StringComparer.Ordinal).FirstOrDefault();
            if (next is null) return null;
            var claimed = next.Clone();
            claimed.Fence++;
            claimed.Job.State = JobState.Running;
            claimed.Job.StartedAt ??= Timestamp.FromDateTime(DateTime.UtcNow);
            var stamped = AppendEvents(claimed.Tenant, claimed.Job.Id, [JobEvents.StateChanged(JobState.Running)]);
            WriteJob(claimed);
            Publish(claimed.Tenant, claimed.Job.Id, stamped, claimed);
            Notify(claimed.Tenant, claimed.Job.Id);
            return new JobClaim(claimed.Tenant, claimed.Job.Id, claimed.Fence, workerId);
        }
        finally { gate.Release(); }
    }

    // One process owns the folder, so a claim lasts until a newer one replaces it (after a restart).
    public Task<bool> RenewAsync(JobClaim claim, TimeSpan claimDuration, CancellationToken cancellationToken)
    {
        lock (jobs)
            return Task.FromResult(jobs.TryGetValue((claim.Tenant, claim.JobId), out var job) && job.Fence == claim.Fence
                && job.Job.State == JobState.Running);
    }

    public async Task WaitForQueuedAsync(CancellationToken cancellationToken)
    {
        var signal = queued;
        lock (jobs)
            if (jobs.Values.Any(j => j.Job.State == JobState.Queued)) return;
        await signal.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        cancellationToken.ThrowIfCancellationRequested();
    }

    public async Task SaveCheckpointAsync(JobClaim claim, CheckpointData checkpoint, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            CheckFence(Require(claim.Tenant, claim.JobId), claim);
            var directory = Path.Combine(JobDirectory(claim.Tenant, claim.JobId), "checkpoints");
            Directory.CreateDirectory(directory);
            var name = $"epoch-{checkpoint.Checkpoint.Epoch:D4}";
            AtomicFile.Write(Path.Combine(directory, name + ".bin"), checkpoint.State);
            // The description last: a checkpoint exists only once its state is complete on disk.
            AtomicFile.Write(Path.Combine(directory, name + ".json"), System.Text.Encoding.UTF8.GetBytes(Formatter.Format(checkpoint.Checkpoint)));
            Publish(claim.Tenant, claim.JobId, AppendEvents(claim.Tenant, claim.JobId, [new JobEvent { Checkpoint = checkpoint.Checkpoint }]), null);
            Notify(claim.Tenant, claim.JobId);
        }
        finally { gate.Release(); }
    }

    public Task<IReadOnlyList<Checkpoint>> ListCheckpointsAsync(string tenant, string jobId, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(JobDirectory(tenant, jobId), "checkpoints");
        IReadOnlyList<Checkpoint> list = !Directory.Exists(directory) ? []
            : Directory.EnumerateFiles(directory, "epoch-*.json").Order(StringComparer.Ordinal)
                .Select(path => Checkpoint.Parser.ParseJson(File.ReadAllText(path))).ToList();
        return Task.FromResult(list);
    }

    public async Task<CheckpointData?> LatestCheckpointAsync(string tenant, string jobId, CancellationToken cancellationToken)
    {
        var latest = (await ListCheckpointsAsync(tenant, jobId, cancellationToken)).LastOrDefault();
        if (latest is null) return null;
        var state = await File.ReadAllBytesAsync(Path.Combine(JobDirectory(tenant, jobId), "checkpoints", $"epoch-{latest.Epoch:D4}.bin"), cancellationToken);
        return new CheckpointData(latest, state);
    }

    public Task EnsureCurrentAsync(JobClaim claim, CancellationToken cancellationToken)
    {
        lock (jobs) CheckFence(Require(claim.Tenant, claim.JobId), claim);
        return Task.CompletedTask;
    }

    public string ArtifactDirectory(string tenant, string jobId)
    {
        var directory = Path.Combine(JobDirectory(tenant, jobId), "artifacts");
        Directory.CreateDirectory(directory);
        return directory;
    }

    private static void CheckFence(StoredJob job, JobClaim claim)
    {
        if (job.Fence != claim.Fence || job.Job.State != JobState.Running) throw new LostClaimException(claim);
    }

    private StoredJob Require(string tenant, string jobId)
    {
        lock (jobs)
            return jobs.TryGetValue((tenant, jobId), out var job) ? job : throw new KeyNotFoundException($"job {jobId}");
    }

    /// <summary>Appends events to the job's file (fsynced) and returns them with their ids; <see cref="Publish"/> shows them.</summary>
    private List<JobEvent> AppendEvents(string tenant, string jobId, IReadOnlyList<JobEvent> newEvents)
    {
        if (newEvents.Count == 0) return [];
        long count;
        lock (jobs) count = events.TryGetValue((tenant, jobId), out var existing) ? existing.Count : 0;
        using var stream = new FileStream(Path.Combine(JobDirectory(tenant, jobId), "events.jsonl"), FileMode.Append, FileAccess.Write);
        using var writer = new StreamWriter(stream);
        var stamped = new List<JobEvent>(newEvents.Count);
        long sequence = count;
        foreach (var e in newEvents)
        {
            var copy = e.Clone();
            copy.Id = (++sequence).ToString(System.Globalization.CultureInfo.InvariantCulture);
            copy.JobId = jobId;
            copy.Time ??= Timestamp.FromDateTime(DateTime.UtcNow);
            writer.WriteLine(Formatter.Format(copy));
            stamped.Add(copy);
        }
        writer.Flush();
        stream.Flush(flushToDisk: true);
        return stamped;
    }

    /// <summary>
    /// Shows new events and the job's new state to readers in one step, so no reader sees the job
    /// ended without its last events, or its last events while it still reads as running.
    /// </summary>
    private void Publish(string tenant, string jobId, List<JobEvent> stamped, StoredJob? job)
    {
        lock (jobs)
        {
            (events.TryGetValue((tenant, jobId), out var list) ? list : events[(tenant, jobId)] = []).AddRange(stamped);
            if (job is not null) jobs[(tenant, jobId)] = job;
        }
    }

    private void WriteJob(StoredJob job) =>
        AtomicFile.Write(Path.Combine(JobDirectory(job.Tenant, job.Job.Id), "job.json"), System.Text.Encoding.UTF8.GetBytes(StoredJobJson.Write(job)));

    private void Load()
    {
        foreach (var path in Directory.EnumerateFiles(root, "job.json", SearchOption.AllDirectories))
        {
            var job = StoredJobJson.Read(File.ReadAllText(path));
            var key = (job.Tenant, job.Job.Id);
            jobs[key] = job;
            var eventsFile = Path.Combine(Path.GetDirectoryName(path)!, "events.jsonl");
            // A line cut short by a crash mid-append was never acknowledged: it is dropped.
            events[key] = !File.Exists(eventsFile) ? [] : File.ReadLines(eventsFile)
                .Select(TryParseEvent).TakeWhile(e => e is not null).Select(e => e!).ToList();
        }
        foreach (var job in jobs.Values.Where(j => j.Job.State is JobState.Running or JobState.Validating).ToList())
        {
            var requeued = job.Clone();
            requeued.Job.State = requeued.CancelRequested ? JobState.Cancelled : JobState.Queued;
            if (requeued.CancelRequested) requeued.Job.FinishedAt = Timestamp.FromDateTime(DateTime.UtcNow);
            var stamped = AppendEvents(job.Tenant, job.Job.Id, [JobEvents.Message("the service restarted; the job resumes from its last checkpoint"),
                JobEvents.StateChanged(requeued.Job.State)]);
            WriteJob(requeued);
            Publish(job.Tenant, job.Job.Id, stamped, requeued);
        }
    }

    private static JobEvent? TryParseEvent(string line)
    {
        try { return JobEvent.Parser.ParseJson(line); }
        catch (InvalidProtocolBufferException) { return null; }
        catch (System.Text.Json.JsonException) { return null; }
    }

    private string JobDirectory(string tenant, string jobId) => Path.Combine(root, tenant, jobId);

    private void Notify(string tenant, string jobId)
    {
        if (changed.TryRemove((tenant, jobId), out var signal)) signal.TrySetResult();
    }

    private static void Signal(ref TaskCompletionSource signal) => Interlocked.Exchange(ref signal, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
