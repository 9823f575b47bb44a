using Microsoft.Extensions.Hosting;
using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Executors;
using RagPlatform.FineTuning.Registry;
using RagPlatform.FineTuning.Storage;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.ServiceDefaults.Tenancy;

namespace RagPlatform.FineTuning.Jobs;

/// <summary>
/// Runs queued jobs in this process: claims one, renews the claim while the executor trains
/// (stopping the moment the claim is lost or a cancel arrives), resumes from the job's last
/// checkpoint, registers the result under the claim's fencing token, and records how it ended.
/// </summary>
public sealed class JobWorker(IJobStore store, ExecutorCatalog executors, IModelRegistry registry, DatasetStore datasets,
    JobCancellations cancellations, IOptions<FineTuningOptions> options, ILogger<JobWorker> logger,
    IHostApplicationLifetime lifetime) : BackgroundService
{
    private readonly string workerId = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Jobs call other services: wait until the host is fully started (and, in one process, has
        // published its own address to service discovery) before the first claim.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
            await started.Task;
        var slots = Enumerable.Range(0, options.Value.MaxConcurrentJobs).Select(_ => RunSlotAsync(stoppingToken));
        await Task.WhenAll(slots);
    }

    private async Task RunSlotAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var claim = await store.ClaimNextAsync(workerId, options.Value.ClaimDuration, stoppingToken);
                if (claim is null)
                {
                    await store.WaitForQueuedAsync(stoppingToken);
                    continue;
                }
                await RunAsync(claim, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
            catch (Exception error)
            {
                logger.LogError(error, "Fine-tune worker loop failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task RunAsync(JobClaim claim, CancellationToken stoppingToken)
    {
        using var tenant = TenantContext.Use(claim.Tenant);
        var stored = await store.GetAsync(claim.Tenant, claim.JobId, stoppingToken) ?? throw new InvalidOperationException($"claimed job {claim.JobId} vanished");
        using var activity = FineTuningTelemetry.Source.StartActivity(ActivityKind.Internal, parentContext: default,
            links: ActivityContext.TryParse(stored.TraceParent, null, out var origin) ? [new ActivityLink(origin)] : null,
            name: "fine-tune job");
        activity?.SetTag("ragplatform.finetuning.job_id", claim.JobId);
        activity?.SetTag("ragplatform.finetuning.fence", claim.Fence);
        activity?.SetTag("gen_ai.request.model", stored.Job.BaseModel);

        using var run = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var tracked = cancellations.Track(claim.Tenant, claim.JobId, run);
        var heartbeat = HeartbeatAsync(claim, run);
        try
        {
            // Registered by an earlier claim that then failed to finish (the shared folder could not be
            // written): the model exists, so the job only needs its registration mirrored and ending.
            if (await registry.GetAsync(claim.Tenant, ModelNames.For(stored.Job.BaseModel, stored.Job.Suffix), stoppingToken) is { } earlier
                && earlier.JobId == claim.JobId)
            {
                await FinishRegisteredAsync(claim, await registry.RegisterAsync(claim, earlier, stoppingToken));
                return;
            }
            var (executor, _) = await executors.ForBaseModelAsync(stored.Job.BaseModel, run.Token);
            var inputs = new JobInputs(stored.Request, datasets.FilePath(stored.Job.TrainingDatasetId),
                stored.Job.ValidationDatasetId.Length > 0 ? datasets.FilePath(stored.Job.ValidationDatasetId) : null);
            var resume = await store.LatestCheckpointAsync(claim.Tenant, claim.JobId, run.Token);
            // A folder per claim: a worker that lost its claim can never overwrite the artifact another registered.
            var artifacts = Directory.CreateDirectory(Path.Combine(store.ArtifactDirectory(claim.Tenant, claim.JobId), $"claim-{claim.Fence}")).FullName;
            var jobRun = new JobRun(store, claim, inputs, resume, artifacts);
            // A job cancelled while it waited: its executor starts already cancelled, so it can stop what an earlier claim began.
            if (stored.CancelRequested) run.Cancel();
            else if (resume is not null) await jobRun.MessageAsync($"resuming from the checkpoint of epoch {resume.Checkpoint.Epoch}", run.Token);
            var model = await executor.RunAsync(jobRun, run.Token);
            model.Name = ModelNames.For(stored.Job.BaseModel, stored.Job.Suffix);
            model.BaseModel = stored.Job.BaseModel;
            model.FineTuned = true;
            model.JobId = claim.JobId;
            model.DatasetId = stored.Job.TrainingDatasetId;
            model.CreatedAt = Timestamp.FromDateTime(DateTime.UtcNow);
            run.Token.ThrowIfCancellationRequested();
            await FinishRegisteredAsync(claim, await registry.RegisterAsync(claim, model, stoppingToken));
        }
        catch (LostClaimException)
        {
            logger.LogWarning("Fine-tune job {JobId}: claim {Fence} lost; another worker owns it now", claim.JobId, claim.Fence);
        }
        catch (Exception stopped) when (IsCancellation(stopped, run.Token) && stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the job stays running here and is requeued on the next start.
        }
        catch (Exception stopped) when (IsCancellation(stopped, run.Token))
        {
            if (await IsCancelRequestedAsync(claim))
                await TryFinishAsync(claim, JobState.Cancelled, _ => { }, JobEvents.Message("cancelled"));
            else
                logger.LogWarning("Fine-tune job {JobId}: stopped because its claim could not be renewed", claim.JobId);
        }
        catch (UnavailableException error)
        {
            // A dependency that is down fails nothing: the job waits in the queue and resumes later.
            logger.LogWarning("Fine-tune job {JobId} requeued: {Reason}", claim.JobId, error.Message);
            await TryRequeueAsync(claim, error.Message);
            await Task.Delay(options.Value.ClaimDuration, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        catch (Exception error)
        {
            var (code, message) = error is PlatformException platform ? (platform.Code, platform.Message) : (global::Grpc.Core.StatusCode.Internal, "the trainer failed: " + error.Message);
            if (error is not PlatformException) logger.LogError(error, "Fine-tune job {JobId} failed", claim.JobId);
            activity?.SetStatus(ActivityStatusCode.Error, message);
            await TryFinishAsync(claim, JobState.Failed, job => job.Job.Error = new Google.Rpc.Status { Code = (int)code, Message = message },
                JobEvents.Message("failed: " + message));
        }
        finally
        {
            await run.CancelAsync();
            await heartbeat;
        }
    }

    /// <summary>Renews the claim and watches for a cancel; cancels the run when either says stop.</summary>
    private async Task HeartbeatAsync(JobClaim claim, CancellationTokenSource run)
    {
        var interval = options.Value.ClaimDuration / 3;
        var sinceRenewed = Stopwatch.StartNew();
        try
        {
            while (!run.IsCancellationRequested)
            {
                await Task.Delay(interval, run.Token);
                try
                {
                    if (!await store.RenewAsync(claim, options.Value.ClaimDuration, run.Token) || await IsCancelRequestedAsync(claim))
                        await run.CancelAsync();
                    sinceRenewed.Restart();
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    // A store out of reach for a moment costs nothing; once the claim may have run out, stop.
                    logger.LogWarning("Fine-tune job {JobId}: could not renew its claim: {Reason}", claim.JobId, error.Message);
                    if (sinceRenewed.Elapsed >= options.Value.ClaimDuration) await run.CancelAsync();
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task<bool> IsCancelRequestedAsync(JobClaim claim) =>
        (await store.GetAsync(claim.Tenant, claim.JobId, CancellationToken.None))?.CancelRequested == true;

    private async Task FinishRegisteredAsync(JobClaim claim, RagPlatform.Contracts.Common.V1.Model registered)
    {
        await FinishAsync(claim, JobState.Succeeded, job =>
        {
            job.Job.FineTunedModel = registered.Name;
            foreach (var (name, value) in registered.Metrics) job.Job.Metrics[name] = value;
        }, JobEvents.Message($"registered model {registered.Name}"));
        logger.LogInformation("Fine-tune job {JobId} succeeded: {Model}", claim.JobId, registered.Name);
    }

    private Task FinishAsync(JobClaim claim, JobState state, Action<StoredJob> change, JobEvent message) =>
        store.UpdateAsync(claim.Tenant, claim.JobId, job =>
        {
            change(job);
            job.Job.State = state;
            job.Job.FinishedAt = Timestamp.FromDateTime(DateTime.UtcNow);
            return true;
        }, [message, JobEvents.StateChanged(state)], claim, CancellationToken.None);

    private async Task TryRequeueAsync(JobClaim claim, string reason)
    {
        // A cancel asked for meanwhile ends the job here rather than sending it back to the queue.
        if (await IsCancelRequestedAsync(claim))
        {
            await TryFinishAsync(claim, JobState.Cancelled, _ => { }, JobEvents.Message("cancelled"));
            return;
        }
        try
        {
            await store.UpdateAsync(claim.Tenant, claim.JobId, job => { job.Job.State = JobState.Queued; return true; },
                [JobEvents.Message($"waiting to retry: {reason}"), JobEvents.StateChanged(JobState.Queued)], claim, CancellationToken.None);
        }
        catch (LostClaimException) { }
    }

    private async Task TryFinishAsync(JobClaim claim, JobState state, Action<StoredJob> change, JobEvent message)
    {
        try { await FinishAsync(claim, state, change, message); }
        catch (LostClaimException) { logger.LogWarning("Fine-tune job {JobId}: claim lost before it could end as {State}", claim.JobId, state); }
    }

    /// <summary>A cancelled call to another service ends in RpcException(Cancelled), not OperationCanceledException.</summary>
    private static bool IsCancellation(Exception error, CancellationToken token) =>
        error is OperationCanceledException
        || (error is global::Grpc.Core.RpcException { StatusCode: global::Grpc.Core.StatusCode.Cancelled } && token.IsCancellationRequested);
}
