using StackExchange.Redis;

namespace RagPlatform.FineTuning.Storage.Redis;

/// <summary>
/// Where fine-tuning keeps its state in Redis. Per tenant: a hash per job (its JSON, version,
/// state, fence, lease, worker, event count, queue entry), its events (a list), its checkpoints
/// (descriptions and states, two hashes), an index of the tenant's jobs, idempotency keys, the
/// model names live jobs hold, and the registry. Shared by all tenants: the queue stream that
/// workers read through one consumer group, and the channels that announce changes.
/// </summary>
public static class RedisJobKeys
{
    public const string Group = "workers";
    public static readonly RedisKey Queue = "ragplatform:finetuning:queue";
    public const string ChangesChannel = "ragplatform:finetuning:changes";
    public const string QueuedChannel = "ragplatform:finetuning:queued";
    public static readonly RedisChannel Changes = RedisChannel.Literal(ChangesChannel);
    public static readonly RedisChannel Queued = RedisChannel.Literal(QueuedChannel);

    /// <summary>The prefix of a tenant's job hashes; the job id follows.</summary>
    public static string JobPrefix(string tenant) => $"ragplatform:{tenant}:ftjob:";
    public static RedisKey Job(string tenant, string id) => JobPrefix(tenant) + id;
    public static RedisKey Events(string tenant, string id) => $"ragplatform:{tenant}:ftjob:{id}:events";
    public static RedisKey Checkpoints(string tenant, string id) => $"ragplatform:{tenant}:ftjob:{id}:checkpoints";
    public static RedisKey CheckpointStates(string tenant, string id) => $"ragplatform:{tenant}:ftjob:{id}:checkpoint-states";
    public static RedisKey Index(string tenant) => $"ragplatform:{tenant}:ftjobs";
    public static RedisKey Idempotency(string tenant, string key) => $"ragplatform:{tenant}:ftjob-create:{key}";
    public static RedisKey ModelHolders(string tenant) => $"ragplatform:{tenant}:ftjob-models";
    public static RedisKey Models(string tenant) => $"ragplatform:{tenant}:models";

    /// <summary>The message on <see cref="Changes"/> for a job.</summary>
    public static string ChangeMessage(string tenant, string id) => tenant + "\n" + id;
}
