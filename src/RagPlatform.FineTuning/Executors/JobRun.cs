using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Jobs;

namespace RagPlatform.FineTuning.Executors;

/// <summary>
/// An executor's handle on the job it runs: its inputs, the checkpoint to resume from, and fenced
/// writes of metrics and checkpoints (each refused once the claim is lost).
/// </summary>
public sealed class JobRun(IJobStore store, JobClaim claim, JobInputs inputs, CheckpointData? resumeFrom, string artifactDirectory)
{
    public JobClaim Claim => claim;
    public JobInputs Inputs => inputs;
    public CheckpointData? ResumeFrom => resumeFrom;
    public string ArtifactDirectory => artifactDirectory;
    public long Seed => inputs.Request.HasSeed ? inputs.Request.Seed : 0;

    /// <summary>Appends a metrics event and keeps the latest figures on the job.</summary>
    public Task ReportAsync(ulong step, uint epoch, double? trainLoss, IReadOnlyDictionary<string, double>? validation, CancellationToken cancellationToken) =>
        store.UpdateAsync(claim.Tenant, claim.JobId, job =>
        {
            if (trainLoss is { } loss) job.Job.Metrics["train_loss"] = loss;
            foreach (var (name, value) in validation ?? new Dictionary<string, double>()) job.Job.Metrics[name] = value;
            job.Job.Metrics["step"] = step;
            job.Job.Metrics["epoch"] = epoch;
            return true;
        }, [JobEvents.Metrics(step, epoch, trainLoss, validation)], claim, cancellationToken);

    public Task MessageAsync(string text, CancellationToken cancellationToken) =>
        store.UpdateAsync(claim.Tenant, claim.JobId, _ => true, [JobEvents.Message(text)], claim, cancellationToken);

    /// <summary>Whether a cancel of the job was asked for: a stop for any other reason (shutdown, lost claim) leaves remote work running.</summary>
    public async Task<bool> IsCancelRequestedAsync(CancellationToken cancellationToken) =>
        (await store.GetAsync(claim.Tenant, claim.JobId, cancellationToken))?.CancelRequested == true;

    /// <summary>Marks the job as cancelled from outside (a hosted job cancelled at its provider), so that the worker ends it cancelled.</summary>
    public Task RequestCancelAsync(string reason, CancellationToken cancellationToken) =>
        store.UpdateAsync(claim.Tenant, claim.JobId, job => { job.CancelRequested = true; return true; }, [JobEvents.Message(reason)], claim, cancellationToken);

    /// <summary>Fails with LostClaimException unless this run's claim is still the job's current one.</summary>
    public Task EnsureCurrentAsync(CancellationToken cancellationToken) => store.EnsureCurrentAsync(claim, cancellationToken);

    public Task SaveCheckpointAsync(uint epoch, ulong step, IReadOnlyDictionary<string, double> metrics, byte[] state, CancellationToken cancellationToken)
    {
        var checkpoint = new Checkpoint
        {
            Id = $"{claim.JobId}:epoch-{epoch}",
            JobId = claim.JobId,
            Epoch = epoch,
            Step = step,
            CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow),
        };
        foreach (var (name, value) in metrics) checkpoint.Metrics[name] = value;
        return store.SaveCheckpointAsync(claim, new CheckpointData(checkpoint, state), cancellationToken);
    }
}
