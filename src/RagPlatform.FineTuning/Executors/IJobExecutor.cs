using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Datasets;
using RagPlatform.FineTuning.Jobs;

namespace RagPlatform.FineTuning.Executors;

/// <summary>Trains one family of models (embedding adapters, GGUF chat models, a hosted API's models).</summary>
public interface IJobExecutor
{
    /// <summary>The kind of model it produces.</summary>
    ModelKind Kind { get; }

    /// <summary>
    /// Whether it can fine-tune <paramref name="baseModel"/>: null when not its kind of model,
    /// else a description of the base (dimension, space, backend) for the registered model.
    /// </summary>
    Task<Model?> DescribeBaseAsync(string baseModel, CancellationToken cancellationToken);

    /// <summary>
    /// The base's own tokenizer, which dataset validation counts lines with; null when the base's
    /// tokenizer is not at hand (a hosted model, whose provider checks its own limits).
    /// </summary>
    /// <summary>
    /// Whether a job of this executor may have work running elsewhere while it waits in the queue (a
    /// hosted job created by an earlier claim): then a cancel must reach a worker, which stops that
    /// work, instead of ending the job where it waits.
    /// </summary>
    bool RunsElsewhere => false;

    Task<IBaseTokenizer?> OpenTokenizerAsync(Model baseModel, CancellationToken cancellationToken) => Task.FromResult<IBaseTokenizer?>(null);

    /// <summary>The dataset kinds it trains on.</summary>
    IReadOnlySet<DatasetKind> DatasetKinds { get; }

    /// <summary>Checks the request's hyperparameters and datasets beyond their schema; throws with the field at fault.</summary>
    Task ValidateAsync(JobInputs inputs, CancellationToken cancellationToken);

    /// <summary>
    /// Trains, resuming from <see cref="JobRun.ResumeFrom"/> when set, reporting metrics and writing a
    /// checkpoint each epoch through <paramref name="run"/>; returns the model to register (its name,
    /// job and dataset are filled in by the caller).
    /// </summary>
    Task<Model> RunAsync(JobRun run, CancellationToken cancellationToken);
}

/// <summary>What a job trains on: its request and its datasets' files.</summary>
public sealed record JobInputs(CreateJobRequest Request, string TrainingFile, string? ValidationFile);
