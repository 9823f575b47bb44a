using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Jobs;
using StackExchange.Redis;
using static RagPlatform.FineTuning.Storage.Redis.RedisCalls;

namespace RagPlatform.FineTuning.Storage.Redis;

/// <summary>
/// Jobs in Redis, shared by every replica (Redis runs with append-only persistence). A queued job
/// has an entry in one stream that all replicas read through one consumer group; the entry stays
/// pending while its job runs, and the running worker keeps it fresh with its heartbeat. Entries
/// left idle by a worker that died are picked up (XAUTOCLAIM) by another replica, which takes the
/// job only once the lease has expired: the stream's idle time alone never moves a job. Every
/// write is one Lua script, conditioned on the version read or on the claim's fence and lease.
/// Artifacts go to the data folder, a volume every replica mounts.
/// </summary>
public sealed class RedisJobStore(IConnectionMultiplexer redis, RedisJobSignals signals, IOptions<FineTuningOptions> options,
    IHostEnvironment environment) : IJobStore
{
    private readonly string artifactsRoot = Path.Combine(Path.GetFullPath(options.Value.DataDirectory, environment.ContentRootPath), "jobs");
    private static readonly TimeSpan ConsumerPruneInterval = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan ConsumerIdleLimit = TimeSpan.FromHours(1);
    private int groupReady;
    private long nextPrune;

    private IDatabase Db => redis.GetDatabase();

    public async Task<(StoredJob Job, bool Created)> CreateAsync(StoredJob job, CancellationToken cancellationToken)
    {
        var key = job.Request.IdempotencyKey;
        var modelName = SuffixTaken.ModelName(job);
        var result = (RedisResult[])(await Guard(Db.ScriptEvaluateAsync(RedisJobScripts.Create,
            [RedisJobKeys.Job(job.Tenant, job.Job.Id), RedisJobKeys.Index(job.Tenant), RedisJobKeys.Idempotency(job.Tenant, key),
                RedisJobKeys.ModelHolders(job.Tenant)],
            [StoredJobJson.Write(job), (int)job.Job.State, job.Job.CreatedAt.ToDateTimeOffset().ToUnixTimeMilliseconds(), job.Job.Id,
                key.Length > 0 ? "1" : "0", modelName, RedisJobKeys.JobPrefix(job.Tenant)])))!;
        var (outcome, id) = ((string)result[0]!, (string)result[1]!);
        return outcome switch
        {
            "created" => (job.Clone(), true),
            "taken" => throw SuffixTaken.ByJob(modelName, id),
            _ => (await GetAsync(job.Tenant, id, cancellationToken) ?? throw new KeyNotFoundException($"job {id}"), false),
        };
    }

    public async Task<StoredJob?> GetAsync(string tenant, string jobId, CancellationToken cancellationToken)
    {
        var data = await Guard(Db.HashGetAsync(RedisJobKeys.Job(tenant, jobId), "data"));
        return data.IsNull ? null : StoredJobJson.Read(data!);
    }

    public async Task<IReadOnlyList<StoredJob>> ListAsync(string tenant, CancellationToken cancellationToken)
    {
        var db = Db;
        var ids = await Guard(db.SortedSetRangeByRankAsync(RedisJobKeys.Index(tenant)));
        var reads = ids.Select(id => db.HashGetAsync(RedisJobKeys.Job(tenant, id!), "data")).ToList();
        var data = await Guard(Task.WhenAll(reads));
        return data.Where(d => !d.IsNull).Select(d => StoredJobJson.Read(d!))
            .OrderByDescending(j => j.Job.CreatedAt).ThenByDescending(j => j.Job.Id, StringComparer.Ordinal).ToList();
    }

    public async Task<StoredJob> UpdateAsync(string tenant, string jobId, Func<StoredJob, bool> change, IReadOnlyList<JobEvent> events,
        JobClaim? claim, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (current, version, _) = await ReadAsync(tenant, jobId) ?? throw new KeyNotFoundException($"job {jobId}");
            if (claim is not null && current.Fence != claim.Fence) throw new LostClaimException(claim);
            var next = current.Clone();
            if (!change(next)) return current;
            var outcome = await WriteAsync(next, version, claim is null ? "any" : "fenced", claim?.Fence.ToString(CultureInfo.InvariantCulture) ?? "",
                TimeSpan.Zero, "", events);
            switch (outcome)
            {
                case 1: return next;
                case 0: continue; // another write came first: apply the change to what it wrote
                case -2: throw new LostClaimException(claim!);
                default: throw new KeyNotFoundException($"job {jobId}");
            }
        }
    }

    public async Task<IReadOnlyList<JobEvent>> ReadEventsAsync(string tenant, string jobId, long afterSequence, CancellationToken cancellationToken)
    {
        var lines = await Guard(Db.ListRangeAsync(RedisJobKeys.Events(tenant, jobId), afterSequence, -1));
        return lines.Select(line => JobEvent.Parser.ParseJson(line!)).ToList();
    }

    public async Task WaitForChangeAsync(string tenant, string jobId, long afterSequence, CancellationToken cancellationToken)
    {
        using var signal = signals.ChangeOf(tenant, jobId);
        var count = await Guard(Db.HashGetAsync(RedisJobKeys.Job(tenant, jobId), "events"));
        if (!count.IsNull && (long)count > afterSequence) return;
        await RedisJobSignals.WaitAsync(signal.Task, cancellationToken);
    }

    public async Task<JobClaim?> ClaimNextAsync(string workerId, TimeSpan claimDuration, CancellationToken cancellationToken)
    {
        var db = Db;
        await EnsureGroupAsync(db);
        try
        {
            await PruneGoneConsumersAsync(claimDuration);
            // First the jobs whose worker stopped renewing (their entries idle a whole claim), then new ones.
            var idle = await db.StreamAutoClaimAsync(RedisJobKeys.Queue, RedisJobKeys.Group, workerId,
                (long)claimDuration.TotalMilliseconds, "0-0", 16);
            foreach (var entry in idle.ClaimedEntries)
                if (await TryClaimAsync(db, entry, workerId, claimDuration) is { } claim) return claim;
            for (int read = 0; read < 16; read++)
            {
                var fresh = await db.StreamReadGroupAsync(RedisJobKeys.Queue, RedisJobKeys.Group, workerId, StreamPosition.NewMessages, 1);
                if (fresh.Length == 0) return null;
                if (await TryClaimAsync(db, fresh[0], workerId, claimDuration) is { } claim) return claim;
            }
            return null;
        }
        catch (RedisServerException error) when (error.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
        {
            Volatile.Write(ref groupReady, 0);
            return null;
        }
    }

    /// <summary>Removes consumers with nothing pending that have not read for <paramref name="idleFor"/>; returns how many.</summary>
    public async Task<int> PruneConsumersAsync(TimeSpan idleFor) =>
        (int)await Guard(Db.ScriptEvaluateAsync(RedisJobScripts.PruneConsumers, [RedisJobKeys.Queue], [(long)idleFor.TotalMilliseconds]));

    // Every replica start adds a consumer to the group; those of stopped replicas go now and then.
    private async Task PruneGoneConsumersAsync(TimeSpan claimDuration)
    {
        long now = Environment.TickCount64;
        if (now < Volatile.Read(ref nextPrune)) return;
        Volatile.Write(ref nextPrune, now + (long)ConsumerPruneInterval.TotalMilliseconds);
        var idleFor = TimeSpan.FromTicks(Math.Max(ConsumerIdleLimit.Ticks, claimDuration.Ticks * 10));
        await PruneConsumersAsync(idleFor);
    }

    public async Task<bool> RenewAsync(JobClaim claim, TimeSpan claimDuration, CancellationToken cancellationToken) =>
        (int)await Guard(Db.ScriptEvaluateAsync(RedisJobScripts.Renew, [RedisJobKeys.Job(claim.Tenant, claim.JobId), RedisJobKeys.Queue],
            [claim.Fence, (long)claimDuration.TotalMilliseconds, claim.WorkerId])) == 1;

    public Task WaitForQueuedAsync(CancellationToken cancellationToken) =>
        RedisJobSignals.WaitAsync(signals.Queued(), cancellationToken);

    public async Task SaveCheckpointAsync(JobClaim claim, CheckpointData checkpoint, CancellationToken cancellationToken)
    {
        var field = CheckpointField(checkpoint.Checkpoint.Epoch);
        var written = (long)await Guard(Db.ScriptEvaluateAsync(RedisJobScripts.SaveCheckpoint,
            [RedisJobKeys.Job(claim.Tenant, claim.JobId), RedisJobKeys.Events(claim.Tenant, claim.JobId),
                RedisJobKeys.Checkpoints(claim.Tenant, claim.JobId), RedisJobKeys.CheckpointStates(claim.Tenant, claim.JobId)],
            [claim.Fence, field, StoredJobJson.Formatter.Format(checkpoint.Checkpoint), checkpoint.State,
                RedisJobKeys.ChangeMessage(claim.Tenant, claim.JobId), EventJson(claim.JobId, new JobEvent { Checkpoint = checkpoint.Checkpoint })]));
        if (written < 0) throw new LostClaimException(claim);
    }

    public async Task<IReadOnlyList<Checkpoint>> ListCheckpointsAsync(string tenant, string jobId, CancellationToken cancellationToken)
    {
        var entries = await Guard(Db.HashGetAllAsync(RedisJobKeys.Checkpoints(tenant, jobId)));
        return entries.OrderBy(e => (string)e.Name!, StringComparer.Ordinal).Select(e => Checkpoint.Parser.ParseJson(e.Value!)).ToList();
    }

    public async Task<CheckpointData?> LatestCheckpointAsync(string tenant, string jobId, CancellationToken cancellationToken)
    {
        var db = Db;
        var fields = await Guard(db.HashKeysAsync(RedisJobKeys.Checkpoints(tenant, jobId)));
        if (fields.Length == 0) return null;
        var latest = fields.Select(f => (string)f!).Max(StringComparer.Ordinal)!;
        var description = db.HashGetAsync(RedisJobKeys.Checkpoints(tenant, jobId), latest);
        var state = db.HashGetAsync(RedisJobKeys.CheckpointStates(tenant, jobId), latest);
        return new CheckpointData(Checkpoint.Parser.ParseJson((await Guard(description))!), (byte[])(await Guard(state))!);
    }

    public async Task EnsureCurrentAsync(JobClaim claim, CancellationToken cancellationToken)
    {
        if (!await IsCurrentAsync(Db, claim)) throw new LostClaimException(claim);
    }

    /// <summary>Whether the claim still holds its job: its fence is the job's and its lease has not expired.</summary>
    public static async Task<bool> IsCurrentAsync(IDatabaseAsync db, JobClaim claim) =>
        (int)await Guard(db.ScriptEvaluateAsync(RedisJobScripts.IsClaimCurrent, [RedisJobKeys.Job(claim.Tenant, claim.JobId)], [claim.Fence])) == 1;

    public string ArtifactDirectory(string tenant, string jobId)
    {
        var directory = Path.Combine(artifactsRoot, tenant, jobId, "artifacts");
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>Takes the job of a queue entry if it waits, or if its worker's lease expired; acknowledges entries with nothing left to run.</summary>
    private async Task<JobClaim?> TryClaimAsync(IDatabase db, StreamEntry entry, string workerId, TimeSpan claimDuration)
    {
        string tenant = entry["tenant"]!, jobId = entry["job"]!;
        while (true)
        {
            if (await ReadAsync(tenant, jobId) is not { } read || read.Entry != entry.Id || StoredJob.IsTerminal(read.Job.Job.State))
            {
                await db.StreamAcknowledgeAsync(RedisJobKeys.Queue, RedisJobKeys.Group, entry.Id);
                return null;
            }
            var (current, version, _) = read;
            bool reclaim = current.Job.State == JobState.Running;
            var claimed = current.Clone();
            claimed.Fence++;
            claimed.Job.State = JobState.Running;
            claimed.Job.StartedAt ??= Timestamp.FromDateTime(DateTime.UtcNow);
            JobEvent[] events = reclaim
                ? [JobEvents.Message("the worker running it stopped renewing its claim; another worker takes it over")]
                : [JobEvents.StateChanged(JobState.Running)];
            switch (await WriteAsync(claimed, version, "claim", entry.Id.ToString(), claimDuration, workerId, events))
            {
                case 1: return new JobClaim(tenant, jobId, claimed.Fence, workerId);
                case 0: continue;
                case -4: return null; // its worker is alive: the entry stays pending, and its heartbeat takes it back
                default:
                    await db.StreamAcknowledgeAsync(RedisJobKeys.Queue, RedisJobKeys.Group, entry.Id);
                    return null;
            }
        }
    }

    private async Task<(StoredJob Job, string Version, string Entry)?> ReadAsync(string tenant, string jobId)
    {
        var fields = await Guard(Db.HashGetAsync(RedisJobKeys.Job(tenant, jobId), ["data", "version", "entry"]));
        return fields[0].IsNull ? null : (StoredJobJson.Read(fields[0]!), fields[1]!, fields[2]!);
    }

    private async Task<int> WriteAsync(StoredJob next, string version, string mode, string condition, TimeSpan lease, string workerId,
        IReadOnlyList<JobEvent> events)
    {
        var (tenant, jobId) = (next.Tenant, next.Job.Id);
        var values = new List<RedisValue>
        {
            version, mode, condition, StoredJobJson.Write(next), (int)next.Job.State, next.Fence, (long)lease.TotalMilliseconds,
            workerId, tenant, jobId, RedisJobKeys.ChangeMessage(tenant, jobId),
        };
        values.AddRange(events.Select(e => (RedisValue)EventJson(jobId, e)));
        var result = (RedisResult[])(await Guard(Db.ScriptEvaluateAsync(RedisJobScripts.Write,
            [RedisJobKeys.Job(tenant, jobId), RedisJobKeys.Events(tenant, jobId), RedisJobKeys.Queue], [.. values])))!;
        return (int)result[0];
    }

    /// <summary>An event without its id, which the script assigns (the text always starts with '{' and a field).</summary>
    private static string EventJson(string jobId, JobEvent e)
    {
        var copy = e.Clone();
        copy.Id = "";
        copy.JobId = jobId;
        copy.Time ??= Timestamp.FromDateTime(DateTime.UtcNow);
        return StoredJobJson.Formatter.Format(copy);
    }

    private static string CheckpointField(uint epoch) => $"epoch-{epoch:D4}";

    private async Task EnsureGroupAsync(IDatabase db)
    {
        if (Volatile.Read(ref groupReady) == 1) return;
        try { await db.StreamCreateConsumerGroupAsync(RedisJobKeys.Queue, RedisJobKeys.Group, StreamPosition.Beginning, createStream: true); }
        catch (RedisServerException error) when (error.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal)) { }
        Volatile.Write(ref groupReady, 1);
    }
}
