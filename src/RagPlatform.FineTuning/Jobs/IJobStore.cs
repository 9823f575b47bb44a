using RagPlatform.Contracts.FineTuning.V1;

namespace RagPlatform.FineTuning.Jobs;

/// <summary>
/// Durable jobs, their events and checkpoints, and the queue workers claim them from. Every write a
/// worker makes on behalf of a claim carries its fencing token: once another claim has been taken
/// (after a restart, or an expired heartbeat elsewhere), the old claim's writes are refused with
/// <see cref="LostClaimException"/>. The file store serves one process; a shared store (Redis
/// Streams with a consumer group) can serve many replicas behind the same contract.
/// </summary>
public interface IJobStore
{
    /// <summary>
    /// Stores a new job, or returns the existing one with the same tenant and idempotency key. Refuses
    /// (<see cref="SuffixTaken.ByJob"/>) a job whose model name a job of the tenant that has not ended holds.
    /// </summary>
    Task<(StoredJob Job, bool Created)> CreateAsync(StoredJob job, CancellationToken cancellationToken);

    Task<StoredJob?> GetAsync(string tenant, string jobId, CancellationToken cancellationToken);

    /// <summary>A tenant's jobs, newest first.</summary>
    Task<IReadOnlyList<StoredJob>> ListAsync(string tenant, CancellationToken cancellationToken);

    /// <summary>
    /// Applies <paramref name="change"/> to the job and appends <paramref name="events"/> (their ids
    /// are assigned here) in one write. With a claim, refused unless the claim is still current.
    /// <paramref name="change"/> returns false to leave the job as it is.
    /// </summary>
    Task<StoredJob> UpdateAsync(string tenant, string jobId, Func<StoredJob, bool> change, IReadOnlyList<JobEvent> events,
        JobClaim? claim, CancellationToken cancellationToken);

    /// <summary>Events after <paramref name="afterSequence"/> (0 for all), oldest first.</summary>
    Task<IReadOnlyList<JobEvent>> ReadEventsAsync(string tenant, string jobId, long afterSequence, CancellationToken cancellationToken);

    /// <summary>Completes when the job has events after <paramref name="afterSequence"/> or changes; may complete spuriously.</summary>
    Task WaitForChangeAsync(string tenant, string jobId, long afterSequence, CancellationToken cancellationToken);

    /// <summary>Claims the oldest queued job (it becomes running under a new fencing token), or null when none waits.</summary>
    Task<JobClaim?> ClaimNextAsync(string workerId, TimeSpan claimDuration, CancellationToken cancellationToken);

    /// <summary>Extends a claim; false when it was lost (and the worker must stop writing).</summary>
    Task<bool> RenewAsync(JobClaim claim, TimeSpan claimDuration, CancellationToken cancellationToken);

    /// <summary>Completes when a job is queued (or after a while); may complete spuriously.</summary>
    Task WaitForQueuedAsync(CancellationToken cancellationToken);

    Task SaveCheckpointAsync(JobClaim claim, CheckpointData checkpoint, CancellationToken cancellationToken);

    Task<IReadOnlyList<Checkpoint>> ListCheckpointsAsync(string tenant, string jobId, CancellationToken cancellationToken);

    Task<CheckpointData?> LatestCheckpointAsync(string tenant, string jobId, CancellationToken cancellationToken);

    /// <summary>Fails with <see cref="LostClaimException"/> unless the claim is still the job's current one.</summary>
    Task EnsureCurrentAsync(JobClaim claim, CancellationToken cancellationToken);

    /// <summary>A folder for the job's artifacts, on storage every worker shares (each claim writes in a folder of its own below it).</summary>
    string ArtifactDirectory(string tenant, string jobId);
}

/// <summary>A worker wrote on behalf of a claim that is no longer the job's current one.</summary>
public sealed class LostClaimException(JobClaim claim)
    : Exception($"the claim on job {claim.JobId} (fence {claim.Fence}) is no longer current");
