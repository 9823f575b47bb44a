using System.Text.Json;
using Microsoft.Extensions.Options;
using global::OpenAI.Files;
using global::OpenAI.FineTuning;
using CreateOptions = global::OpenAI.FineTuning.FineTuningOptions;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Storage;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.FineTuning.Executors.OpenAI;

/// <summary>
/// Fine-tunes a hosted chat model through an OpenAI-compatible fine-tuning API (OpenAI, Azure
/// OpenAI): uploads the chat examples as JSONL files, creates the remote job, and follows it,
/// reporting its events and metrics as the job's and its checkpoints as the job's checkpoints. The
/// uploaded files and then the remote job's id are written as checkpoint 0 before anything waits on
/// the remote job, so a worker that reclaims the job follows the same remote job. On success the
/// remote model id is registered, served by Generation at the base's endpoint.
/// </summary>
public sealed class RemoteFineTuningExecutor(IOptions<RemoteFineTuningOptions> options, DatasetStore datasets,
    ILogger<RemoteFineTuningExecutor> logger) : IJobExecutor
{
    public const string Backend = "openai-compatible";
    /// <summary>Remote jobs carry our job id under this metadata key, so a lost create answer can be found again.</summary>
    public const string JobMetadataKey = "ragplatform_job";
    private static readonly Uri OpenAIEndpoint = new("https://api.openai.com/v1/");
    private const int MaxSeed = int.MaxValue;

    public ModelKind Kind => ModelKind.Chat;

    public IReadOnlySet<DatasetKind> DatasetKinds { get; } = new HashSet<DatasetKind> { DatasetKind.Chat, DatasetKind.PromptCompletion };

    public Task<Model?> DescribeBaseAsync(string baseModel, CancellationToken cancellationToken) =>
        Task.FromResult(options.Value.RemoteBases.TryGetValue(baseModel, out var settings)
            ? new Model { Name = baseModel, Kind = ModelKind.Chat, Backend = Backend, Endpoint = EndpointOf(settings).ToString(), Artifact = settings.Model }
            : null);

    public Task ValidateAsync(JobInputs inputs, CancellationToken cancellationToken)
    {
        var request = inputs.Request;
        RequireReady(request.BaseModel);
        var h = request.Hyperparameters ?? new Hyperparameters();
        Require.That(!h.HasPatience, "hyperparameters.patience", "hosted fine-tuning has no early stopping; leave patience auto");
        Require.That(!h.HasWeightDecay, "hyperparameters.weight_decay", "hosted fine-tuning takes no weight decay; leave it auto");
        Require.That(!h.HasEpochs || h.Epochs <= 50, "hyperparameters.epochs", "hosted fine-tuning trains 1 to 50 epochs");
        Require.That(!h.HasBatchSize || h.BatchSize <= 256, "hyperparameters.batch_size", "hosted fine-tuning takes batches of 1 to 256 examples");
        Require.That(!request.HasSeed || request.Seed is >= 0 and <= MaxSeed, "seed", $"hosted fine-tuning takes a seed from 0 to {MaxSeed}");
        TrainingExamples.Load(inputs, KindOf, request.Seed, ChatTrainingFile.Convert);
        return Task.CompletedTask;
    }

    public async Task<Model> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var request = run.Inputs.Request;
        var settings = RequireReady(request.BaseModel);
        var clients = RemoteClients.For(settings, options.Value.RemoteRequestTimeout);
        var calls = new RemoteCalls(request.BaseModel, options.Value, logger);
        var state = run.ResumeFrom is { } checkpoint ? RemoteJobState.Deserialize(checkpoint.State) : null;
        try
        {
            if (state is null)
            {
                state = await UploadAsync(run, clients, calls, cancellationToken);
                await run.SaveCheckpointAsync(0, 0, new Dictionary<string, double>(), state.Serialize(), cancellationToken);
            }
            if (state.RemoteJobId is null)
            {
                var remoteJobId = await FindCreatedAsync(run, clients, calls, cancellationToken)
                    ?? await CreateAsync(run, settings, clients, calls, state, cancellationToken);
                state = state with { RemoteJobId = remoteJobId };
                await run.SaveCheckpointAsync(0, 0, new Dictionary<string, double>(), state.Serialize(), cancellationToken);
            }
            else await run.MessageAsync($"following hosted job {state.RemoteJobId}", cancellationToken);
            return await FollowAsync(run, settings, clients, calls, state, cancellationToken);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested && state is not null)
        {
            // A shutdown or a lost claim leaves the remote job running for the next claim; a cancel
            // stops it, even one created by a call the cancel cut short.
            if (await run.IsCancelRequestedAsync(CancellationToken.None))
                await CancelRemoteAsync(run, clients, calls, state.RemoteJobId);
            throw;
        }
    }

    private async Task<RemoteJobState> UploadAsync(JobRun run, RemoteClients clients, RemoteCalls calls, CancellationToken cancellationToken)
    {
        var (train, validation) = TrainingExamples.Load(run.Inputs, KindOf, run.Seed, ChatTrainingFile.Convert);
        var trainingFileId = await UploadFileAsync(clients, calls, $"{run.Claim.JobId}-train.jsonl", ChatTrainingFile.Join(train), cancellationToken);
        var validationFileId = validation.Count == 0 ? null
            : await UploadFileAsync(clients, calls, $"{run.Claim.JobId}-validation.jsonl", ChatTrainingFile.Join(validation), cancellationToken);
        await run.MessageAsync($"uploaded {train.Count} training examples as {trainingFileId}"
            + (validationFileId is null ? "" : $" and {validation.Count} validation examples as {validationFileId}"), cancellationToken);
        return new RemoteJobState(trainingFileId, validationFileId, null, null, 0, 0);
    }

    private static async Task<string> UploadFileAsync(RemoteClients clients, RemoteCalls calls, string name, byte[] content, CancellationToken cancellationToken)
    {
        var uploaded = await calls.RunAsync($"upload {name}", async token =>
        {
            using var stream = new MemoryStream(content, writable: false);
            return (await clients.Files.UploadFileAsync(stream, name, FileUploadPurpose.FineTune, token)).Value;
        }, cancellationToken);
        return uploaded.Id;
    }

    /// <summary>
    /// The remote job an earlier claim created but could not record (its answer or its checkpoint was
    /// lost), found by the job id it carries in its metadata among the provider's latest jobs.
    /// </summary>
    private static async Task<string?> FindCreatedAsync(JobRun run, RemoteClients clients, RemoteCalls calls, CancellationToken cancellationToken) =>
        run.ResumeFrom is null ? null : await FindByMetadataAsync(run, clients, calls, cancellationToken);

    /// <summary>This job's remote job among the provider's latest hundred, by the metadata it was created with.</summary>
    private static async Task<string?> FindByMetadataAsync(JobRun run, RemoteClients clients, RemoteCalls calls, CancellationToken cancellationToken) =>
        await calls.RunAsync("list fine-tuning jobs", async token =>
        {
            int seen = 0;
            await foreach (var job in clients.FineTuning.GetJobsAsync(new FineTuningJobCollectionOptions { PageSize = 100 }, token))
            {
                if (job.Metadata.TryGetValue(JobMetadataKey, out var owner) && owner == run.Claim.JobId) return job.JobId;
                if (++seen >= 100) break;
            }
            return null;
        }, cancellationToken);

    public bool RunsElsewhere => true;

    private async Task<string> CreateAsync(JobRun run, RemoteBaseOptions settings, RemoteClients clients, RemoteCalls calls,
        RemoteJobState state, CancellationToken cancellationToken)
    {
        var request = run.Inputs.Request;
        var h = request.Hyperparameters ?? new Hyperparameters();
        var create = new CreateOptions
        {
            Suffix = request.Suffix,
            ValidationFile = state.ValidationFileId,
            TrainingMethod = FineTuningTrainingMethod.CreateSupervised(
                h.HasBatchSize ? HyperparameterBatchSize.CreateSize((int)h.BatchSize) : HyperparameterBatchSize.CreateAuto(),
                h.HasEpochs ? HyperparameterEpochCount.CreateEpochCount((int)h.Epochs) : HyperparameterEpochCount.CreateAuto(),
                h.HasLearningRate ? HyperparameterLearningRate.CreateMultiplier(h.LearningRate) : HyperparameterLearningRate.CreateAuto()),
        };
        if (request.HasSeed) create.Seed = (int)request.Seed;
        create.Metadata[JobMetadataKey] = run.Claim.JobId;
        // The API offers no idempotency key: a create is retried only when refused outright (429);
        // any other doubt requeues the job, and the next claim looks for it by its metadata first.
        var job = await calls.RunAsync("create the fine-tuning job",
            token => clients.FineTuning.FineTuneAsync(settings.Model, state.TrainingFileId, waitUntilCompleted: false, create, token),
            cancellationToken, onlyWhenRefused: true);
        await run.MessageAsync($"created hosted job {job.JobId} on {settings.Model}", cancellationToken);
        return job.JobId;
    }

    private async Task<Model> FollowAsync(JobRun run, RemoteBaseOptions settings, RemoteClients clients, RemoteCalls calls,
        RemoteJobState state, CancellationToken cancellationToken)
    {
        var remoteJobId = state.RemoteJobId!;
        string? lastStatus = null;
        while (true)
        {
            var job = await calls.RunAsync("read the fine-tuning job", token => clients.FineTuning.GetJobAsync(remoteJobId, token), cancellationToken);
            state = await RemoteProgress.ReportEventsAsync(run, job, calls, state, cancellationToken);
            state = await RemoteProgress.ReportCheckpointsAsync(run, job, calls, state, cancellationToken);
            var status = job.Status.ToString();
            if (status != lastStatus)
            {
                await run.MessageAsync($"hosted job {remoteJobId}: {Describe(status)}", cancellationToken);
                lastStatus = status;
            }
            var body = ReadBody(job);
            if (job.Status == FineTuningStatus.Succeeded)
                return Registered(settings, state, remoteJobId, body);
            if (job.Status == FineTuningStatus.Failed)
            {
                var (code, message) = ReadError(body);
                throw RemoteFineTuningException.JobFailed(remoteJobId, code, message);
            }
            if (job.Status == FineTuningStatus.Cancelled)
            {
                // Cancelled at the provider, not through us: the job ends cancelled all the same.
                await run.RequestCancelAsync($"hosted job {remoteJobId} was cancelled at the provider", cancellationToken);
                throw new OperationCanceledException($"hosted job {remoteJobId} was cancelled");
            }
            await Task.Delay(options.Value.RemotePollInterval, cancellationToken);
        }
    }

    private static Model Registered(RemoteBaseOptions settings, RemoteJobState state, string remoteJobId, JsonElement body)
    {
        var remoteModel = body.TryGetProperty("fine_tuned_model", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        if (string.IsNullOrEmpty(remoteModel))
            throw RemoteFineTuningException.JobFailed(remoteJobId, "no_model", "the job succeeded but names no fine_tuned_model");
        var model = new Model { Kind = ModelKind.Chat, Backend = Backend, Endpoint = EndpointOf(settings).ToString(), Artifact = remoteModel };
        model.Metrics["epochs"] = state.Epochs;
        if (body.TryGetProperty("trained_tokens", out var tokens) && tokens.ValueKind == JsonValueKind.Number)
            model.Metrics["trained_tokens"] = tokens.GetDouble();
        return model;
    }

    private async Task CancelRemoteAsync(JobRun run, RemoteClients clients, RemoteCalls calls, string? remoteJobId)
    {
        using var timeout = new CancellationTokenSource(options.Value.RemoteRequestTimeout);
        try
        {
            remoteJobId ??= await FindByMetadataAsync(run, clients, calls, timeout.Token);
            if (remoteJobId is null) return;
            var job = await calls.RunAsync("read the fine-tuning job", token => clients.FineTuning.GetJobAsync(remoteJobId, token), timeout.Token);
            if (!job.Status.InProgress) return;
            await calls.RunAsync("cancel the fine-tuning job", token => job.CancelAndUpdateAsync(token), timeout.Token);
            logger.LogInformation("Fine-tune job {JobId}: hosted job {RemoteJob} cancelled", run.Claim.JobId, remoteJobId);
        }
        catch (Exception error) when (error is PlatformException or OperationCanceledException)
        {
            logger.LogWarning("Fine-tune job {JobId}: could not cancel hosted job {RemoteJob}: {Reason}", run.Claim.JobId, remoteJobId, error.Message);
        }
    }

    private static JsonElement ReadBody(FineTuningJob job)
    {
        using var document = JsonDocument.Parse(job.GetRawResponse().Content);
        return document.RootElement.Clone();
    }

    private static (string? Code, string? Message) ReadError(JsonElement body)
    {
        if (!body.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object) return (null, null);
        static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return (Text(error, "code"), Text(error, "message"));
    }

    private static string Describe(string status) => status switch
    {
        "validating_files" => "validating its files",
        "queued" => "queued at the provider",
        "running" => "training",
        _ => status,
    };

    private DatasetKind KindOf(string datasetId) =>
        datasets.Find(datasetId)?.Kind ?? throw new FailedPreconditionException($"dataset '{datasetId}' is no longer stored");

    private static Uri EndpointOf(RemoteBaseOptions settings) => settings.Endpoint ?? OpenAIEndpoint;

    /// <summary>The base's settings, once they name a model and, where a key variable is named, it holds a key.</summary>
    private RemoteBaseOptions RequireReady(string baseModel)
    {
        if (!options.Value.RemoteBases.TryGetValue(baseModel, out var settings))
            throw new InvalidArgumentException("base_model", $"'{baseModel}' is not a configured hosted base (FineTuning:RemoteBases)");
        var prefix = $"FineTuning:RemoteBases:{baseModel}:";
        if (string.IsNullOrWhiteSpace(settings.Model))
            throw new FailedPreconditionException($"base_model: {prefix}Model is not set");
        if (settings.Provider is not (RemoteProviders.OpenAI or RemoteProviders.Azure))
            throw new FailedPreconditionException($"base_model: {prefix}Provider must be '{RemoteProviders.OpenAI}' or '{RemoteProviders.Azure}'");
        if (settings.Provider == RemoteProviders.Azure && settings.Endpoint is null)
            throw new FailedPreconditionException($"base_model: {prefix}Endpoint must name the Azure OpenAI resource");
        if (!string.IsNullOrWhiteSpace(settings.ApiKeyVariable) && string.IsNullOrWhiteSpace(settings.ResolveApiKey()))
            throw new FailedPreconditionException($"base_model: the environment variable {settings.ApiKeyVariable} ({prefix}ApiKeyVariable) holds no API key");
        return settings;
    }
}
