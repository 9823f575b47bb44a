using System.Diagnostics;
using System.Runtime.CompilerServices;
using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Executors;
using RagPlatform.FineTuning.Registry;
using RagPlatform.FineTuning.Storage;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.ServiceDefaults.Tenancy;

namespace RagPlatform.FineTuning.Jobs;

/// <summary>
/// The job lifecycle: creation (every check a caller can fix is made before a job exists, so a bad
/// request is an error, not a failed job), reads, cancellation, and the event stream watchers follow.
/// </summary>
public sealed class JobManager(IJobStore store, DatasetStore datasets, IModelRegistry registry, ExecutorCatalog executors,
    JobCancellations cancellations)
{
    public async Task<Job> CreateAsync(CreateJobRequest request, CancellationToken cancellationToken)
    {
        var tenant = TenantContext.Require();
        JobRequestValidation.Validate(request);
        if (request.IdempotencyKey.Length > 0
            && (await store.ListAsync(tenant, cancellationToken)).FirstOrDefault(j => j.Request.IdempotencyKey == request.IdempotencyKey) is { } earlier)
            return earlier.Job;

        var (executor, baseModel) = await executors.ForBaseModelAsync(request.BaseModel, cancellationToken);
        var training = RequireUsable(request.TrainingDatasetId, "training_dataset_id", executor);
        var validation = request.ValidationDatasetId.Length > 0 ? RequireUsable(request.ValidationDatasetId, "validation_dataset_id", executor) : null;
        var id = "ftjob-" + Guid.NewGuid().ToString("N")[..24];
        var suffix = request.Suffix.Length > 0 ? request.Suffix : id[6..14];
        var modelName = ModelNames.For(baseModel.Name, suffix);
        if (await registry.GetAsync(tenant, modelName, cancellationToken) is not null)
            throw SuffixTaken.ByModel(modelName);
        var inputs = new JobInputs(request, datasets.FilePath(training.Id), validation is null ? null : datasets.FilePath(validation.Id));
        await executor.ValidateAsync(inputs, cancellationToken);

        var job = new Job
        {
            Id = id,
            BaseModel = baseModel.Name,
            TrainingDatasetId = training.Id,
            ValidationDatasetId = request.ValidationDatasetId,
            Hyperparameters = request.Hyperparameters ?? new Hyperparameters(),
            Seed = request.HasSeed ? request.Seed : 0,
            Suffix = suffix,
            State = JobState.Validating,
            CreatedAt = Timestamp.FromDateTime(DateTime.UtcNow),
        };
        var stored = new StoredJob { Tenant = tenant, Job = job, Request = request.Clone(), TraceParent = Activity.Current?.Id };
        stored.Request.Suffix = suffix;
        var (created, isNew) = await store.CreateAsync(stored, cancellationToken);
        if (!isNew) return created.Job;
        await store.UpdateAsync(tenant, id, _ => true, [JobEvents.StateChanged(JobState.Validating)], null, cancellationToken);
        var queued = await store.UpdateAsync(tenant, id, j => { j.Job.State = JobState.Queued; return true; },
            [JobEvents.StateChanged(JobState.Queued)], null, cancellationToken);
        return queued.Job;
    }

    public async Task<Job> GetAsync(string id, CancellationToken cancellationToken) => (await RequireJob(id, cancellationToken)).Job;

    public async Task<ListJobsResponse> ListAsync(ListJobsRequest request, CancellationToken cancellationToken)
    {
        Require.That(request.PageSize <= 100, "page_size", "must be at most 100");
        int pageSize = request.PageSize == 0 ? 20 : (int)request.PageSize;
        var after = JobPageToken.Parse(request.PageToken);
        var states = request.States.ToHashSet();
        var matching = (await store.ListAsync(TenantContext.Require(), cancellationToken))
            .Select(j => j.Job)
            .Where(j => states.Count == 0 || states.Contains(j.State))
            .Where(j => request.BaseModel.Length == 0 || j.BaseModel == request.BaseModel)
            .Where(j => after is null || JobPageToken.IsAfter(j, after.Value));
        var page = matching.Take(pageSize + 1).ToList();
        var response = new ListJobsResponse();
        response.Jobs.Add(page.Take(pageSize));
        if (page.Count > pageSize) response.NextPageToken = JobPageToken.After(page[pageSize - 1]);
        return response;
    }

    public async Task<Job> CancelAsync(string id, CancellationToken cancellationToken)
    {
        var tenant = TenantContext.Require();
        var current = await RequireJob(id, cancellationToken);
        if (StoredJob.IsTerminal(current.Job.State))
            throw new FailedPreconditionException($"job {id} has already ended ({current.Job.State}); there is nothing to cancel");
        // A queued job whose earlier claim started work elsewhere (a hosted job) is left for a worker,
        // which stops that work; any other queued job ends here and now.
        bool viaWorker = current.Job.State == JobState.Running || await NeedsAWorkerToCancelAsync(current, cancellationToken);
        var updated = await store.UpdateAsync(tenant, id, job =>
        {
            if (StoredJob.IsTerminal(job.Job.State)) return false;
            job.CancelRequested = true;
            if (viaWorker || job.Job.State == JobState.Running) return true;
            job.Job.State = JobState.Cancelled;
            job.Job.FinishedAt = Timestamp.FromDateTime(DateTime.UtcNow);
            return true;
        }, viaWorker
            ? [JobEvents.Message("cancellation requested")]
            : [JobEvents.StateChanged(JobState.Cancelled)], null, cancellationToken);
        // The worker running it (if this process has it) stops now rather than at its next heartbeat.
        cancellations.Cancel(tenant, id);
        return updated.Job;
    }

    /// <summary>
    /// Whether a queued job has something a worker must settle: work an earlier claim started
    /// elsewhere (a hosted job), or a model it registered before it could finish (then it ends
    /// succeeded: the cancel came too late).
    /// </summary>
    private async Task<bool> NeedsAWorkerToCancelAsync(StoredJob job, CancellationToken cancellationToken) =>
        job.Job.State == JobState.Queued
        && await store.LatestCheckpointAsync(job.Tenant, job.Job.Id, cancellationToken) is not null
        && ((await executors.ForBaseModelAsync(job.Job.BaseModel, cancellationToken)).Executor.RunsElsewhere
            || (await registry.GetAsync(job.Tenant, ModelNames.For(job.Job.BaseModel, job.Job.Suffix), cancellationToken))?.JobId == job.Job.Id);

    public async IAsyncEnumerable<JobEvent> WatchAsync(WatchJobRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var tenant = TenantContext.Require();
        long after = 0;
        Require.That(request.AfterEventId.Length == 0 || (long.TryParse(request.AfterEventId, out after) && after >= 0),
            "after_event_id", "is not an event id of this job");
        await RequireJob(request.Id, cancellationToken);
        while (true)
        {
            // Read the state before the events: a job seen ended has all its events written already.
            var job = await RequireJob(request.Id, cancellationToken);
            var events = await store.ReadEventsAsync(tenant, request.Id, after, cancellationToken);
            foreach (var e in events)
            {
                yield return e;
                after = long.Parse(e.Id, System.Globalization.CultureInfo.InvariantCulture);
                // The job's last event: its state may not read as ended yet (events are written
                // first), and no later change would come to wake the wait below.
                if (e.EventCase == JobEvent.EventOneofCase.StateChanged && StoredJob.IsTerminal(e.StateChanged)) yield break;
            }
            if (StoredJob.IsTerminal(job.Job.State)) yield break;
            await store.WaitForChangeAsync(tenant, request.Id, after, cancellationToken);
        }
    }

    public async Task<ListCheckpointsResponse> ListCheckpointsAsync(string jobId, CancellationToken cancellationToken)
    {
        await RequireJob(jobId, cancellationToken);
        var response = new ListCheckpointsResponse();
        response.Checkpoints.Add(await store.ListCheckpointsAsync(TenantContext.Require(), jobId, cancellationToken));
        return response;
    }

    private async Task<StoredJob> RequireJob(string id, CancellationToken cancellationToken)
    {
        Require.NotBlank(id, "id");
        return await store.GetAsync(TenantContext.Require(), id, cancellationToken)
            ?? throw new NotFoundException($"job '{id}' does not exist");
    }

    private Dataset RequireUsable(string id, string field, IJobExecutor executor)
    {
        Require.NotBlank(id, field);
        var dataset = datasets.Find(id) ?? throw new NotFoundException($"{field}: dataset '{id}' does not exist");
        if (dataset.Status != DatasetStatus.Valid)
        {
            var first = dataset.Errors.FirstOrDefault();
            throw new FailedPreconditionException($"{field}: dataset '{id}' has {dataset.ErrorCount} validation errors"
                + (first is null ? "" : $" (first: line {first.Line}{(first.Field.Length > 0 ? " " + first.Field : "")}: {first.Reason})")
                + "; fix them and upload it again");
        }
        Require.That(executor.DatasetKinds.Contains(dataset.Kind), field,
            $"is a {dataset.Kind} dataset; {executor.Kind} models train on {string.Join(" or ", executor.DatasetKinds)}");
        return dataset;
    }
}
