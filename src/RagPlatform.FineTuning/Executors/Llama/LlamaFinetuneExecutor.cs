using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Datasets;
using RagPlatform.FineTuning.Registry;
using RagPlatform.FineTuning.Storage;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.FineTuning.Executors.Llama;

/// <summary>
/// Fine-tunes a GGUF chat model with llama.cpp's llama-finetune on the text of a chat or
/// prompt/completion dataset, and measures it by llama-perplexity on held-out validation text before
/// and after. Each epoch is one llama-finetune run that starts from the previous epoch's GGUF, so an
/// epoch's file is a checkpoint another worker can resume from (llama-finetune itself cannot resume
/// mid-run; AdamW's moments restart with each epoch). The result is published to
/// models/&lt;tenant&gt;/&lt;name&gt;.gguf under the data directory and served by llama-server.
/// </summary>
public sealed class LlamaFinetuneExecutor(IOptions<ChatFineTuningOptions> chatOptions, IOptions<FineTuningOptions> options,
    IHostEnvironment environment, DatasetStore datasets, IModelRegistry registry, ILogger<LlamaFinetuneExecutor> logger) : IJobExecutor
{
    public const string Backend = "llama-server";
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(1);
    private readonly string dataRoot = Path.GetFullPath(options.Value.DataDirectory, environment.ContentRootPath);

    public ModelKind Kind => ModelKind.Chat;

    public IReadOnlySet<DatasetKind> DatasetKinds { get; } = new HashSet<DatasetKind> { DatasetKind.Chat, DatasetKind.PromptCompletion };

    public Task<Model?> DescribeBaseAsync(string baseModel, CancellationToken cancellationToken) =>
        Task.FromResult(chatOptions.Value.ChatBases.TryGetValue(baseModel, out var settings)
            ? new Model { Name = baseModel, Kind = ModelKind.Chat, Backend = Backend, Artifact = ArtifactOf(settings), MaxTokens = (uint)settings.ContextSize }
            : null);

    /// <summary>The base GGUF's vocabulary, through a llama-server of its own, against the context each training window holds.</summary>
    public Task<IBaseTokenizer?> OpenTokenizerAsync(Model baseModel, CancellationToken cancellationToken)
    {
        var settings = chatOptions.Value.ChatBases[baseModel.Name];
        if (!File.Exists(ArtifactOf(settings)))
            throw new FailedPreconditionException($"base_model: the GGUF of '{baseModel.Name}' is missing ({ArtifactOf(settings)})");
        return Task.FromResult<IBaseTokenizer?>(new LlamaTokenizer(ToolPath("llama-server"), ArtifactOf(settings), baseModel.Name, settings.ContextSize, logger));
    }

    public Task ValidateAsync(JobInputs inputs, CancellationToken cancellationToken)
    {
        var request = inputs.Request;
        RequireReady(request.BaseModel);
        var h = request.Hyperparameters ?? new Hyperparameters();
        Require.That(!h.HasBatchSize, "hyperparameters.batch_size", "llama-finetune trains on context-sized sequences; leave batch_size auto");
        Require.That(!h.HasPatience, "hyperparameters.patience", "generative jobs train every epoch asked for; leave patience auto");
        Require.That(!h.HasWeightDecay, "hyperparameters.weight_decay", "applies to query adapters only; leave it auto");
        LoadExamples(inputs, request.Seed);
        return Task.CompletedTask;
    }

    public async Task<Model> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var request = run.Inputs.Request;
        var settings = RequireReady(request.BaseModel);
        var h = request.Hyperparameters ?? new Hyperparameters();
        uint epochs = h.HasEpochs ? h.Epochs : settings.Epochs;
        double learningRate = h.HasLearningRate ? h.LearningRate : settings.LearningRate;

        using var deadline = new CancellationTokenSource(chatOptions.Value.LlamaJobTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await TrainAsync(run, settings, epochs, learningRate, linked.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new LlamaToolException(StatusCode.DeadlineExceeded,
                $"training ran longer than FineTuning:LlamaJobTimeout ({chatOptions.Value.LlamaJobTimeout}) and was stopped");
        }
    }

    private async Task<Model> TrainAsync(JobRun run, ChatBaseOptions settings, uint epochs, double learningRate, CancellationToken cancellationToken)
    {
        var request = run.Inputs.Request;
        var directory = run.ArtifactDirectory;
        Directory.CreateDirectory(directory);
        var (train, validation) = LoadExamples(run.Inputs, run.Seed);
        var trainFile = Path.Combine(directory, "train.txt");
        var validationFile = Path.Combine(directory, "validation-twice.txt");
        AtomicFile.Write(trainFile, System.Text.Encoding.UTF8.GetBytes(TrainingText.Join(train)));
        var validationText = TrainingText.Join(validation);
        AtomicFile.Write(validationFile, System.Text.Encoding.UTF8.GetBytes(validationText + validationText)); // see PerplexityAsync

        // Each claim has its own folder; a checkpoint names its GGUF relative to the job's folder, so a
        // later claim (after a restart or a takeover) finds the epoch an earlier one wrote.
        var jobFolder = Path.GetDirectoryName(Path.GetFullPath(directory))!;
        var state = Resume(run, jobFolder);
        if (state is null && run.ResumeFrom is not null)
            await run.MessageAsync("the checkpoint's GGUF is gone and llama-finetune cannot resume without it: training starts again from the base model", cancellationToken);
        if (state is null)
        {
            await run.MessageAsync($"measuring validation perplexity of {request.BaseModel} on {validation.Count} held-out examples", cancellationToken);
            var before = await PerplexityAsync(ArtifactOf(settings), validationFile, settings, cancellationToken);
            await run.ReportAsync(0, 0, null, new Dictionary<string, double> { ["validation_perplexity"] = before }, cancellationToken);
            state = new LlamaCheckpoint(0, 0, "", before, before, null);
        }

        while (state.Epoch < epochs)
        {
            uint epoch = state.Epoch + 1;
            var current = state.ModelFile.Length > 0 ? Path.Combine(jobFolder, state.ModelFile) : ArtifactOf(settings);
            var output = Path.GetRelativePath(jobFolder, Path.Combine(directory, $"epoch-{epoch}.gguf"));
            var (steps, lastLoss) = await TrainEpochAsync(run, current, trainFile, Path.Combine(jobFolder, output), settings,
                learningRate, epoch, state.Step, cancellationToken);
            var loss = lastLoss ?? state.TrainLoss;
            var perplexity = await PerplexityAsync(Path.Combine(jobFolder, output), validationFile, settings, cancellationToken);
            var figures = new Dictionary<string, double> { ["validation_perplexity"] = perplexity };
            await run.ReportAsync(state.Step + steps, epoch, loss, figures, cancellationToken);
            if (loss is { } l) figures["train_loss"] = l;
            var previous = state.ModelFile;
            state = new LlamaCheckpoint(epoch, state.Step + steps, output, state.PerplexityBefore, perplexity, loss);
            await run.SaveCheckpointAsync(epoch, state.Step, figures, state.Serialize(), cancellationToken);
            if (previous.Length > 0) File.Delete(Path.Combine(jobFolder, previous)); // only the latest epoch is resumed from
        }

        var published = await PublishAsync(run, Path.Combine(jobFolder, state.ModelFile), cancellationToken);
        var model = new Model { Kind = ModelKind.Chat, Backend = Backend, Artifact = published, MaxTokens = (uint)settings.ContextSize };
        model.Metrics["validation_perplexity_before"] = state.PerplexityBefore;
        model.Metrics["validation_perplexity_after"] = state.Perplexity;
        model.Metrics["epochs"] = state.Epoch;
        if (state.TrainLoss is { } finalLoss) model.Metrics["train_loss"] = finalLoss;
        return model;
    }

    /// <summary>The checkpoint to go on from, or null to start over (none yet, or its GGUF is gone).</summary>
    private static LlamaCheckpoint? Resume(JobRun run, string jobFolder)
    {
        if (run.ResumeFrom is not { } checkpoint) return null;
        var state = LlamaCheckpoint.Deserialize(checkpoint.State);
        return state is not null && File.Exists(Path.Combine(jobFolder, state.ModelFile)) ? state : null;
    }

    /// <summary>One epoch: llama-finetune from <paramref name="from"/> into <paramref name="to"/>, its progress reported as it trains.</summary>
    private async Task<(ulong Steps, double? Loss)> TrainEpochAsync(JobRun run, string from, string trainFile, string to,
        ChatBaseOptions settings, double learningRate, uint epoch, ulong stepsBefore, CancellationToken cancellationToken)
    {
        var partial = to + ".partial";
        var arguments = new List<string>
        {
            "--model", from, "--file", trainFile, "--output", partial,
            "--ctx-size", settings.ContextSize.ToString(CultureInfo.InvariantCulture),
            "--learning-rate", learningRate.ToString("R", CultureInfo.InvariantCulture),
            "--epochs", "1", "--val-split", "0",
            "--seed", ((run.Seed + epoch) & int.MaxValue).ToString(CultureInfo.InvariantCulture),
        };
        AddThreads(arguments);
        LlamaOutput.Progress? last = null;
        var lastReport = Stopwatch.StartNew();
        try
        {
            await new LlamaTool(ToolPath("llama-finetune")).RunAsync(arguments, async piece =>
            {
                if (LlamaOutput.ParseTrainingProgress(piece) is not { } progress) return;
                last = progress;
                if (lastReport.Elapsed < ReportInterval) return;
                lastReport.Restart();
                await run.ReportAsync(stepsBefore + (ulong)progress.Batch, epoch, progress.Loss, null, cancellationToken);
            }, cancellationToken);
            File.Move(partial, to, overwrite: true);
        }
        finally { File.Delete(partial); } // a model-sized file: never left behind by a failed, cancelled or fenced-off run
        logger.LogInformation("Fine-tune job {JobId}: epoch {Epoch} trained, loss {Loss}", run.Claim.JobId, epoch, last?.Loss);
        return ((ulong)(last?.Batch ?? 0), last?.Loss);
    }

    /// <summary>
    /// llama-perplexity's estimate of <paramref name="model"/> on the validation text. The tool's logger
    /// prints from a thread of its own that is cut off when the tool exits, so on a busy machine its
    /// last lines (the final estimate among them) can be lost. So the file holds the validation text
    /// twice, chunks are scored one at a time, and the running estimate after the middle chunk (the
    /// end of the first copy) is the figure: it is printed while the second copy is still being
    /// scored. The estimate is deterministic, so a run whose figure was lost anyway is repeated.
    /// </summary>
    private async Task<double> PerplexityAsync(string model, string doubledTextFile, ChatBaseOptions settings, CancellationToken cancellationToken)
    {
        const int attempts = 3;
        var context = settings.ContextSize.ToString(CultureInfo.InvariantCulture);
        var arguments = new List<string> { "--model", model, "--file", doubledTextFile, "--ctx-size", context, "--batch-size", context };
        AddThreads(arguments);
        // Spinning OpenMP workers starve the logger's thread; waiting passively lets it print.
        var tool = new LlamaTool(ToolPath("llama-perplexity"), new Dictionary<string, string> { ["OMP_WAIT_POLICY"] = "passive" });
        string tail = "";
        for (int attempt = 1; attempt <= attempts; attempt++)
        {
            int? chunks = null;
            double? estimate = null;
            tail = await tool.RunAsync(arguments, piece =>
            {
                chunks = LlamaOutput.ParseChunkCount(piece) ?? chunks;
                foreach (var (chunk, perplexity) in LlamaOutput.ParseRunningPerplexities(piece))
                    if (chunks is { } total && chunk == total / 2) estimate = perplexity;
                return Task.CompletedTask;
            }, cancellationToken);
            if (estimate is { } found) return found;
            logger.LogDebug("llama-perplexity printed no estimate for {Model} (attempt {Attempt}); its output was cut short", model, attempt);
        }
        throw new LlamaToolException(StatusCode.FailedPrecondition,
            $"llama-perplexity gave no estimate for {Path.GetFileName(model)}: the validation text must hold at least one context window "
            + $"({settings.ContextSize} tokens); give a larger validation dataset or validation_fraction. Its last output:\n{tail}");
    }

    /// <summary>Copies the trained GGUF to models/&lt;tenant&gt;/&lt;name&gt;.gguf, whole or not at all, while the claim is still current.</summary>
    private async Task<string> PublishAsync(JobRun run, string trained, CancellationToken cancellationToken)
    {
        var request = run.Inputs.Request;
        var name = ModelNames.For(request.BaseModel, request.Suffix);
        if (await registry.GetAsync(run.Claim.Tenant, name, cancellationToken) is { } taken && taken.JobId != run.Claim.JobId)
            throw new AlreadyExistsException($"model '{name}' was registered by job {taken.JobId} meanwhile");
        var target = Path.Combine(dataRoot, "models", run.Claim.Tenant, name + ".gguf");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temp = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var source = File.OpenRead(trained))
            await using (var destination = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                await source.CopyToAsync(destination, cancellationToken);
                destination.Flush(flushToDisk: true);
            }
            await run.EnsureCurrentAsync(cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(temp, target, overwrite: true);
        }
        finally { File.Delete(temp); }
        return target;
    }

    private (List<string> Train, List<string> Validation) LoadExamples(JobInputs inputs, long seed) =>
        TrainingExamples.Load(inputs, KindOf, seed, TrainingText.Render);

    private DatasetKind KindOf(string datasetId) =>
        datasets.Find(datasetId)?.Kind ?? throw new FailedPreconditionException($"dataset '{datasetId}' is no longer stored");

    /// <summary>The base's settings, once its GGUF and the llama.cpp tools are where configuration says.</summary>
    private ChatBaseOptions RequireReady(string baseModel)
    {
        if (!chatOptions.Value.ChatBases.TryGetValue(baseModel, out var settings))
            throw new InvalidArgumentException("base_model", $"'{baseModel}' is not a configured chat base (FineTuning:ChatBases)");
        if (!File.Exists(ArtifactOf(settings)))
            throw new FailedPreconditionException($"base_model: the GGUF of '{baseModel}' is missing ({ArtifactOf(settings)})");
        Require.That(settings.ContextSize is >= 8 and <= 1 << 20, "base_model", $"FineTuning:ChatBases:{baseModel}:ContextSize must be between 8 and 1048576");
        foreach (var tool in new[] { "llama-finetune", "llama-perplexity" })
            if (!File.Exists(ToolPath(tool)))
                throw new FailedPreconditionException($"{tool} is not in FineTuning:LlamaBinDirectory ({chatOptions.Value.LlamaBinDirectory ?? "not set"})");
        return settings;
    }

    private string ArtifactOf(ChatBaseOptions settings) => Path.GetFullPath(settings.Artifact, environment.ContentRootPath);

    private string ToolPath(string tool) =>
        Path.Combine(Path.GetFullPath(chatOptions.Value.LlamaBinDirectory ?? "", environment.ContentRootPath), tool);

    private void AddThreads(List<string> arguments)
    {
        if (chatOptions.Value.LlamaThreads > 0)
            arguments.AddRange(["--threads", chatOptions.Value.LlamaThreads.ToString(CultureInfo.InvariantCulture)]);
    }
}
