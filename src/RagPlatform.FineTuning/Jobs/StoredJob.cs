using RagPlatform.Contracts.FineTuning.V1;

namespace RagPlatform.FineTuning.Jobs;

/// <summary>
/// A job as a store keeps it: the public <see cref="Job"/> plus what only the service needs: the
/// request that created it, its owner, the fencing token of its latest claim, whether a cancel was
/// asked for, and the trace context of the call that created it.
/// </summary>
public sealed class StoredJob
{
    public required string Tenant { get; init; }
    public required Job Job { get; init; }
    public required CreateJobRequest Request { get; init; }
    /// <summary>Raised by every claim; a write carrying an older token is refused.</summary>
    public long Fence { get; set; }
    public bool CancelRequested { get; set; }
    /// <summary>W3C traceparent of the creating call, linked from the job's work spans.</summary>
    public string? TraceParent { get; init; }

    public StoredJob Clone() => new()
    {
        Tenant = Tenant, Job = Job.Clone(), Request = Request.Clone(), Fence = Fence,
        CancelRequested = CancelRequested, TraceParent = TraceParent,
    };

    public static bool IsTerminal(JobState state) =>
        state is JobState.Succeeded or JobState.Failed or JobState.Cancelled;
}

/// <summary>A worker's hold on a running job; <see cref="Fence"/> guards its checkpoint and registration writes.</summary>
public sealed record JobClaim(string Tenant, string JobId, long Fence, string WorkerId);

/// <summary>A checkpoint's description and the executor's state at that point.</summary>
public sealed record CheckpointData(Checkpoint Checkpoint, byte[] State);
