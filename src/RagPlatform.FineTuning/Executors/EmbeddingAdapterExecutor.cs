using Grpc.Core;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Adapters;
using RagPlatform.FineTuning.Datasets;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.ServiceDefaults.Tenancy;

namespace RagPlatform.FineTuning.Executors;

/// <summary>
/// Fine-tunes a retrieval model the Embedding service serves by training a query-side adapter on
/// retrieval pairs: texts are embedded by the base model once, then the adapter trains on the
/// vectors, validated by nDCG@10 each epoch with early stopping, a checkpoint every epoch.
/// </summary>
public sealed class EmbeddingAdapterExecutor(EmbeddingService.EmbeddingServiceClient embedding, IOptions<FineTuningOptions> options,
    IHostEnvironment environment) : IJobExecutor
{
    public const string Backend = "query-adapter";
    private readonly string cacheRoot = Path.Combine(Path.GetFullPath(options.Value.DataDirectory, environment.ContentRootPath), "vector-cache");

    public ModelKind Kind => ModelKind.Retrieval;

    public IReadOnlySet<DatasetKind> DatasetKinds { get; } = new HashSet<DatasetKind> { DatasetKind.RetrievalPairs };

    public async Task<Model?> DescribeBaseAsync(string baseModel, CancellationToken cancellationToken)
    {
        try
        {
            var model = await embedding.GetModelInfoAsync(new GetModelInfoRequest { Model = baseModel }, cancellationToken: cancellationToken);
            return model.Kind == ModelKind.Retrieval && model.Normalized && !model.FineTuned ? model : null;
        }
        catch (RpcException error) when (error.StatusCode == StatusCode.NotFound) { return null; }
        catch (RpcException error) when (error.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw new UnavailableException("the Embedding service, which serves the base model, is not reachable", error);
        }
    }

    /// <summary>The Embedding service counts with the base's own tokenizer, against the length it embeds whole.</summary>
    public Task<IBaseTokenizer?> OpenTokenizerAsync(Model baseModel, CancellationToken cancellationToken) =>
        Task.FromResult<IBaseTokenizer?>(new EmbeddingTokenizer(embedding, baseModel.Name, (int)baseModel.MaxTokens));

    public Task ValidateAsync(JobInputs inputs, CancellationToken cancellationToken)
    {
        var pairs = Read(inputs.TrainingFile, "training_dataset_id");
        if (inputs.ValidationFile is { } validationFile)
        {
            Read(validationFile, "validation_dataset_id");
            DatasetLeakage.Refuse(DatasetLeakage.OfRetrievalPairs(inputs.TrainingFile, validationFile),
                inputs.Request.TrainingDatasetId, inputs.Request.ValidationDatasetId);
        }
        else
            Require.That(pairs.Select(p => p.Query).Distinct(StringComparer.Ordinal).Count() >= 2, "training_dataset_id",
                "needs at least two distinct queries to hold one out for validation");
        return Task.CompletedTask;
    }

    public async Task<Model> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var request = run.Inputs.Request;
        var baseModel = await DescribeBaseAsync(request.BaseModel, cancellationToken)
            ?? throw new FailedPreconditionException($"base model '{request.BaseModel}' is no longer served by the Embedding service");
        var all = Read(run.Inputs.TrainingFile, "training_dataset_id");
        var (trainPairs, validationPairs) = run.Inputs.ValidationFile is { } file
            ? (all, Read(file, "validation_dataset_id"))
            : RetrievalPair.Split(all, request.ValidationFraction == 0 ? 0.1 : request.ValidationFraction, run.Seed);

        var (train, validation, documents) = await EmbedAsync(run, baseModel, trainPairs, validationPairs, cancellationToken);
        var hyperparameters = AdapterHyperparameters.Resolve(request.Hyperparameters, train.Count);
        var trainer = new AdapterTrainer(train, validation, documents, hyperparameters, run.Seed);
        var state = run.ResumeFrom is { } checkpoint ? AdapterTrainerState.Deserialize(checkpoint.State) : trainer.Start();
        if (run.ResumeFrom is null)
            await run.ReportAsync(0, 0, null, new Dictionary<string, double> { ["validation_ndcg_at_10"] = state.BaselineMetric }, cancellationToken);

        while (state.Epoch < hyperparameters.Epochs && state.EpochsSinceBest < hyperparameters.Patience)
        {
            double loss = trainer.TrainEpoch(state, cancellationToken);
            double metric = trainer.Validate(state.Residual);
            trainer.RecordValidation(state, metric);
            var figures = new Dictionary<string, double> { ["validation_ndcg_at_10"] = metric };
            await run.ReportAsync(state.Step, (uint)state.Epoch, loss, figures, cancellationToken);
            figures["train_loss"] = loss;
            await run.SaveCheckpointAsync((uint)state.Epoch, state.Step, figures, state.Serialize(), cancellationToken);
        }

        var artifact = Path.Combine(run.ArtifactDirectory, "query-adapter.bin");
        QueryAdapter.Write(artifact, state.BestResidual, state.Dimension);
        var model = new Model
        {
            Kind = ModelKind.Retrieval,
            Backend = Backend,
            Artifact = artifact,
            EmbeddingSpace = baseModel.EmbeddingSpace,
            Dimension = baseModel.Dimension,
            MaxTokens = baseModel.MaxTokens,
            Normalized = true,
        };
        model.Metrics["validation_ndcg_at_10_before"] = state.BaselineMetric;
        model.Metrics["validation_ndcg_at_10"] = state.BestMetric;
        model.Metrics["best_epoch"] = state.BestEpoch;
        return model;
    }

    private async Task<(AdapterTrainingSet, AdapterValidationSet, float[][])> EmbedAsync(JobRun run, Model baseModel,
        List<RetrievalPair> trainPairs, List<RetrievalPair> validationPairs, CancellationToken cancellationToken)
    {
        // One pool of distinct documents: every positive and hard negative on either side.
        var documentIds = new Dictionary<string, int>(StringComparer.Ordinal);
        int Document(string text) => documentIds.TryGetValue(text, out var id) ? id : documentIds[text] = documentIds.Count;
        foreach (var pair in trainPairs.Concat(validationPairs))
        {
            Document(pair.Positive);
            foreach (var negative in pair.Negatives) Document(negative);
        }
        var positivesOf = trainPairs.Concat(validationPairs).GroupBy(p => p.Query, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlySet<int>)g.Select(p => documentIds[p.Positive]).ToHashSet(), StringComparer.Ordinal);
        var validationQueries = validationPairs.Select(p => p.Query).Distinct(StringComparer.Ordinal).ToList();

        var vectors = new BaseVectors(embedding, Path.Combine(cacheRoot, TenantContext.Require()));
        var dimension = (int)baseModel.Dimension;
        var documentTexts = documentIds.OrderBy(d => d.Value).Select(d => d.Key).ToList();
        await run.MessageAsync($"embedding {documentTexts.Count} passages and {trainPairs.Count + validationQueries.Count} queries with {baseModel.Name}", cancellationToken);
        var documents = await vectors.GetAsync(baseModel.Name, dimension, documentTexts, isQuery: false, null, cancellationToken);
        var queries = await vectors.GetAsync(baseModel.Name, dimension,
            trainPairs.Select(p => p.Query).Concat(validationQueries).ToList(), isQuery: true, null, cancellationToken);

        var train = new AdapterTrainingSet
        {
            Queries = queries[..trainPairs.Count],
            Positive = trainPairs.Select(p => documentIds[p.Positive]).ToArray(),
            Negatives = trainPairs.Select(p => p.Negatives.Select(n => documentIds[n]).ToArray()).ToArray(),
            PositivesOfQuery = trainPairs.Select(p => positivesOf[p.Query]).ToArray(),
        };
        var validation = new AdapterValidationSet
        {
            Queries = queries[trainPairs.Count..],
            Relevant = validationQueries.Select(q => positivesOf[q]).ToArray(),
        };
        return (train, validation, documents);
    }

    private static List<RetrievalPair> Read(string path, string field)
    {
        try { return RetrievalPair.ReadFile(path); }
        catch (FormatException error) { throw new InvalidArgumentException(field, error.Message); }
    }
}
