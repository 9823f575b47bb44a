using Google.Protobuf;
using Grpc.Core;
using RagPlatform.Contracts.Common.V1;
using Emb = RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

/// <summary>
/// Fine-tune jobs through the real gRPC stack of the standalone host: the lifecycle, the event
/// stream, checkpoints, registration, cancellation, bad requests, and a restart mid-training.
/// Jobs train adapters on hashing-v1, which needs no weights and embeds instantly.
/// </summary>
public sealed class FineTuningJobTests : IAsyncLifetime
{
    private const string Base = "hashing-v1";
    private string dataDirectory = null!;
    private ServiceHost host = null!;
    private FineTuningService.FineTuningServiceClient client = null!;

    public async Task InitializeAsync()
    {
        dataDirectory = Path.Combine(Path.GetTempPath(), "ragplatform-jobs-" + Guid.NewGuid().ToString("N")[..10]);
        await StartAsync();
    }

    private async Task StartAsync()
    {
        host = await ServiceHost.StartStandaloneAsync(new Dictionary<string, string?>
        {
            ["FineTuning:DataDirectory"] = dataDirectory,
            ["Embedding:DefaultModel"] = Base,
        });
        client = new FineTuningService.FineTuningServiceClient(host.Channel);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        try { Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { }
    }

    private static string Pairs(int topics, int queriesPerTopic = 2) => FineTuningData.Pairs(topics, queriesPerTopic);

    private Task<Dataset> UploadAsync(string content, DatasetKind kind = DatasetKind.RetrievalPairs) => FineTuningData.UploadAsync(client, content, kind);

    private Task<List<JobEvent>> WatchAsync(string jobId, string after = "", Func<JobEvent, bool>? stopWhen = null) =>
        FineTuningData.WatchAsync(client, jobId, TimeSpan.FromMinutes(3), after, stopWhen);

    private static IEnumerable<JobState> States(IEnumerable<JobEvent> events) => FineTuningData.States(events);

    [Fact]
    public async Task A_job_moves_through_its_states_reports_metrics_writes_checkpoints_and_registers_its_model_once()
    {
        var dataset = await UploadAsync(Pairs(20));
        var request = new CreateJobRequest
        {
            BaseModel = Base, TrainingDatasetId = dataset.Id, Suffix = "topics", Seed = 7, IdempotencyKey = "create-1",
            Hyperparameters = new Hyperparameters { Epochs = 3, BatchSize = 8, Patience = 3 },
        };
        var job = await client.CreateJobAsync(request);
        Assert.Equal(JobState.Queued, job.State);
        Assert.Equal(job.Id, (await client.CreateJobAsync(request)).Id); // same key, same job

        var events = await WatchAsync(job.Id);
        Assert.Equal([JobState.Validating, JobState.Queued, JobState.Running, JobState.Succeeded], States(events));
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => i.ToString()), events.Select(e => e.Id));
        var epochs = events.Where(e => e.Metrics is { TrainLoss: > 0 }).Select(e => e.Metrics.Epoch).ToList();
        Assert.Equal([1u, 2u, 3u], epochs);
        Assert.All(events.Where(e => e.Metrics is not null), e => Assert.True(e.Metrics.Validation.ContainsKey("validation_ndcg_at_10")));

        var done = await client.GetJobAsync(new GetJobRequest { Id = job.Id });
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal("hashing-v1+topics", done.FineTunedModel);
        Assert.NotNull(done.FinishedAt);
        var checkpoints = (await client.ListCheckpointsAsync(new ListCheckpointsRequest { JobId = job.Id })).Checkpoints;
        Assert.Equal([1u, 2u, 3u], checkpoints.Select(c => c.Epoch));
        Assert.All(checkpoints, c => Assert.True(c.Metrics.ContainsKey("validation_ndcg_at_10")));

        var model = await client.GetModelAsync(new GetModelRequest { Name = "hashing-v1+topics" });
        Assert.Equal(ModelKind.Retrieval, model.Kind);
        Assert.Equal(Base, model.BaseModel);
        Assert.True(model.FineTuned);
        Assert.Equal(job.Id, model.JobId);
        Assert.Equal(dataset.Id, model.DatasetId);
        Assert.Equal(Base, model.EmbeddingSpace); // the base index stays valid
        Assert.True(File.Exists(model.Artifact));
        Assert.True(model.Metrics.ContainsKey("validation_ndcg_at_10_before"));
        Assert.True(model.Metrics["validation_ndcg_at_10"] >= model.Metrics["validation_ndcg_at_10_before"]);
        Assert.Single((await client.ListModelsAsync(new ListModelsRequest { Kind = ModelKind.Retrieval })).Models);
        Assert.Empty((await client.ListModelsAsync(new ListModelsRequest { Kind = ModelKind.Chat })).Models);

        // Resuming after an event returns exactly the later ones.
        var resumed = await WatchAsync(job.Id, after: events[2].Id);
        Assert.Equal(events.Skip(3).Select(e => e.Id), resumed.Select(e => e.Id));

        // The model's name is taken: another job with the same suffix is refused up front.
        await RpcAssert.FailsAsync(StatusCode.AlreadyExists, () => client.CreateJobAsync(new CreateJobRequest
        {
            BaseModel = Base, TrainingDatasetId = dataset.Id, Suffix = "topics",
        }).ResponseAsync);
    }

    [Fact]
    public async Task The_embedding_service_serves_a_registered_adapter_as_a_model_that_maps_queries_only()
    {
        var dataset = await UploadAsync(Pairs(12));
        var job = await client.CreateJobAsync(new CreateJobRequest
        {
            BaseModel = Base, TrainingDatasetId = dataset.Id, Suffix = "served", Seed = 1, Hyperparameters = new Hyperparameters { Epochs = 2 },
        });
        Assert.Equal(JobState.Succeeded, States(await WatchAsync(job.Id)).Last());
        var embedding = new Emb.EmbeddingService.EmbeddingServiceClient(host.Channel);
        const string name = "hashing-v1+served";
        string[] texts = ["question 1 about subject3", "Subject4 is described here"];

        Task<Emb.EmbedResponse> Embed(string model, Emb.InputType type, Metadata? headers = null) =>
            embedding.EmbedAsync(new Emb.EmbedRequest { Model = model, InputType = type, Dense = true, Texts = { texts } }, headers).ResponseAsync;
        var baseDocuments = await Embed(Base, Emb.InputType.Document);
        var adaptedDocuments = await Embed(name, Emb.InputType.Document);
        var baseQueries = await Embed(Base, Emb.InputType.Query);
        var adaptedQueries = await Embed(name, Emb.InputType.Query);

        Assert.Equal(name, adaptedQueries.Model);
        Assert.Equal(baseQueries.EmbeddingSpace, adaptedQueries.EmbeddingSpace); // searches the base index
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(baseDocuments.Embeddings[i].Dense, adaptedDocuments.Embeddings[i].Dense);
            var expected = Adapt(File.ReadAllBytes((await client.GetModelAsync(new GetModelRequest { Name = name })).Artifact), baseQueries.Embeddings[i].Dense.ToArray());
            var actual = adaptedQueries.Embeddings[i].Dense.ToArray();
            Assert.Equal(expected.Length, actual.Length);
            for (int d = 0; d < expected.Length; d++) Assert.Equal(expected[d], actual[d], 5);
        }

        var info = await embedding.GetModelInfoAsync(new Emb.GetModelInfoRequest { Model = name });
        Assert.True(info.FineTuned);
        Assert.Equal(Base, info.BaseModel);
        Assert.Equal(job.Id, info.JobId);
        Assert.Contains((await embedding.ListModelsAsync(new Emb.ListModelsRequest())).Models, m => m.Name == name);
        // Registered models belong to their tenant.
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => Embed(name, Emb.InputType.Query, ServiceHost.Tenant("globex")));
    }

    [Fact]
    public async Task An_adapter_in_the_shared_registry_folder_maps_queries_and_is_dropped_when_its_entry_goes()
    {
        // A cyclic shift as W, written in the registry's format, so the mapping is known exactly.
        const int dimension = 384;
        var artifact = Path.Combine(dataDirectory, "shift.bin");
        var bytes = new byte[12 + 4 * dimension * dimension];
        "RPQA"u8.CopyTo(bytes);
        BitConverter.GetBytes(1).CopyTo(bytes, 4);
        BitConverter.GetBytes(dimension).CopyTo(bytes, 8);
        for (int r = 0; r < dimension; r++) BitConverter.GetBytes(1f).CopyTo(bytes, 12 + 4 * (r * dimension + (r + 1) % dimension));
        File.WriteAllBytes(artifact, bytes);
        var entry = Path.Combine(dataDirectory, "registry", "default", "hashing-v1+shift.json");
        Directory.CreateDirectory(Path.GetDirectoryName(entry)!);
        File.WriteAllText(entry, JsonFormatter.Default.Format(new Model
        {
            Name = "hashing-v1+shift", Kind = ModelKind.Retrieval, BaseModel = Base, FineTuned = true, Backend = "query-adapter",
            Artifact = artifact, EmbeddingSpace = Base, Dimension = dimension, Normalized = true,
        }));

        var embedding = new Emb.EmbeddingService.EmbeddingServiceClient(host.Channel);
        Task<Emb.EmbedResponse> Embed(string model) =>
            embedding.EmbedAsync(new Emb.EmbedRequest { Model = model, InputType = Emb.InputType.Query, Dense = true, Texts = { "tides and the moon" } }).ResponseAsync;
        var plain = (await Embed(Base)).Embeddings[0].Dense;
        var shifted = (await Embed("hashing-v1+shift")).Embeddings[0].Dense;
        for (int r = 0; r < dimension; r++) Assert.Equal(plain[(r + 1) % dimension], shifted[r], 6);

        File.Delete(entry);
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => Embed("hashing-v1+shift"));
    }

    /// <summary>normalise(W q), W read from the adapter file as its format describes it.</summary>
    private static float[] Adapt(byte[] file, float[] query)
    {
        int dimension = BitConverter.ToInt32(file, 8);
        Assert.Equal(query.Length, dimension);
        var result = new float[dimension];
        for (int r = 0; r < dimension; r++)
        {
            double sum = 0;
            for (int c = 0; c < dimension; c++) sum += BitConverter.ToSingle(file, 12 + 4 * (r * dimension + c)) * (double)query[c];
            result[r] = (float)sum;
        }
        var norm = Math.Sqrt(result.Sum(x => (double)x * x));
        return result.Select(x => (float)(x / norm)).ToArray();
    }

    [Fact]
    public async Task Jobs_are_listed_newest_first_in_pages_and_filtered_by_state_and_base_model()
    {
        var dataset = await UploadAsync(Pairs(6));
        var ids = new List<string>();
        for (int i = 0; i < 3; i++)
            ids.Add((await client.CreateJobAsync(new CreateJobRequest
            {
                BaseModel = Base, TrainingDatasetId = dataset.Id, Suffix = $"list{i}", Hyperparameters = new Hyperparameters { Epochs = 1 },
            })).Id);
        foreach (var id in ids) await WatchAsync(id);

        var first = await client.ListJobsAsync(new ListJobsRequest { PageSize = 2 });
        var second = await client.ListJobsAsync(new ListJobsRequest { PageSize = 2, PageToken = first.NextPageToken });
        Assert.Equal(Enumerable.Reverse(ids), first.Jobs.Concat(second.Jobs).Select(j => j.Id));
        Assert.Equal("", second.NextPageToken);
        Assert.Equal(3, (await client.ListJobsAsync(new ListJobsRequest { States = { JobState.Succeeded }, BaseModel = Base })).Jobs.Count);
        Assert.Empty((await client.ListJobsAsync(new ListJobsRequest { States = { JobState.Running, JobState.Failed } })).Jobs);
        Assert.Empty((await client.ListJobsAsync(new ListJobsRequest { BaseModel = "use-lite" })).Jobs);
        Assert.Empty((await client.ListJobsAsync(new ListJobsRequest(), ServiceHost.Tenant("globex"))).Jobs);
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => client.ListJobsAsync(new ListJobsRequest { PageToken = "nope" }).ResponseAsync, "page_token");
    }

    [Fact]
    public async Task Bad_requests_are_refused_with_the_field_at_fault_and_invalid_datasets_cannot_start_a_job()
    {
        var good = await UploadAsync(Pairs(4));
        var invalid = await UploadAsync("{\"query\":\"q\",\"positive\":\"p\"}\n{\"query\":\"\"}\n");
        var chat = await UploadAsync("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"hello\"}]}\n", DatasetKind.Chat);
        Task<Job> Create(CreateJobRequest r) => client.CreateJobAsync(r).ResponseAsync;

        var error = await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, () => Create(new() { BaseModel = Base, TrainingDatasetId = invalid.Id }));
        Assert.Contains("line 2", error.Status.Detail);
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => Create(new() { BaseModel = "no-such-model", TrainingDatasetId = good.Id }), "base_model");
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => Create(new() { BaseModel = Base, TrainingDatasetId = "ds-000000000000000000000000" }));
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => Create(new() { BaseModel = Base, TrainingDatasetId = chat.Id }), "training_dataset_id");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => Create(new()
        {
            BaseModel = Base, TrainingDatasetId = good.Id, Hyperparameters = new Hyperparameters { Epochs = 0 },
        }), "hyperparameters.epochs");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => Create(new()
        {
            BaseModel = Base, TrainingDatasetId = good.Id, Hyperparameters = new Hyperparameters { LearningRate = 5 },
        }), "hyperparameters.learning_rate");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => Create(new()
        {
            BaseModel = Base, TrainingDatasetId = good.Id, Hyperparameters = new Hyperparameters { WeightDecay = -1 },
        }), "hyperparameters.weight_decay");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => Create(new() { BaseModel = Base, TrainingDatasetId = good.Id, Suffix = "../x" }), "suffix");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => Create(new() { BaseModel = Base, TrainingDatasetId = good.Id, ValidationFraction = 0.9 }), "validation_fraction");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => Create(new()
        {
            BaseModel = Base, TrainingDatasetId = good.Id, ValidationDatasetId = good.Id,
        }), "validation_dataset_id");
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => client.GetJobAsync(new GetJobRequest { Id = "ftjob-missing" }).ResponseAsync);
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => client.GetModelAsync(new GetModelRequest { Name = "hashing-v1+none" }).ResponseAsync);
        Assert.Empty((await client.ListJobsAsync(new ListJobsRequest())).Jobs); // nothing was created along the way
    }

    [Fact]
    public async Task A_validation_dataset_that_repeats_training_queries_is_refused_with_both_datasets_lines()
    {
        var training = await UploadAsync(Pairs(6));
        var firstQuery = System.Text.Json.JsonDocument.Parse(Pairs(6).Split('\n')[2]).RootElement.GetProperty("query").GetString()!;
        var validation = await UploadAsync(
            "{\"query\":\"an unrelated question\",\"positive\":\"An unrelated passage.\"}\n"
            + System.Text.Json.JsonSerializer.Serialize(new { query = "  " + firstQuery.ToUpperInvariant(), positive = "Another passage." }) + "\n");

        var error = await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, () => client.CreateJobAsync(new CreateJobRequest
        {
            BaseModel = Base, TrainingDatasetId = training.Id, ValidationDatasetId = validation.Id,
        }).ResponseAsync);
        Assert.Contains("validation line 2 has the same query as training line 3", error.Status.Detail);
        Assert.Contains(training.Id, error.Status.Detail);
        Assert.Contains(validation.Id, error.Status.Detail);
        Assert.Empty((await client.ListJobsAsync(new ListJobsRequest())).Jobs);
    }

    [Fact]
    public async Task A_running_job_is_cancelled_promptly_and_registers_nothing()
    {
        var dataset = await UploadAsync(Pairs(30));
        var job = await client.CreateJobAsync(new CreateJobRequest
        {
            BaseModel = Base, TrainingDatasetId = dataset.Id, Suffix = "cancelled",
            Hyperparameters = new Hyperparameters { Epochs = 1000, Patience = 100, BatchSize = 4 },
        });
        await WatchAsync(job.Id, stopWhen: e => e.Metrics is { Epoch: >= 1 });
        var cancelling = await client.CancelJobAsync(new CancelJobRequest { Id = job.Id });
        Assert.Equal(JobState.Running, cancelling.State); // the worker ends it

        var events = await WatchAsync(job.Id);
        Assert.Equal(JobState.Cancelled, States(events).Last());
        Assert.Equal(JobState.Cancelled, (await client.GetJobAsync(new GetJobRequest { Id = job.Id })).State);
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => client.GetModelAsync(new GetModelRequest { Name = "hashing-v1+cancelled" }).ResponseAsync);
        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, () => client.CancelJobAsync(new CancelJobRequest { Id = job.Id }).ResponseAsync);
    }

    [Fact]
    public async Task A_queued_job_is_cancelled_at_once()
    {
        var dataset = await UploadAsync(Pairs(30));
        var running = await client.CreateJobAsync(new CreateJobRequest
        {
            BaseModel = Base, TrainingDatasetId = dataset.Id, Suffix = "busy",
            Hyperparameters = new Hyperparameters { Epochs = 1000, Patience = 100, BatchSize = 4 },
        });
        await WatchAsync(running.Id, stopWhen: e => e.StateChanged == JobState.Running);
        // One job trains at a time, so the second waits in the queue.
        var waiting = await client.CreateJobAsync(new CreateJobRequest { BaseModel = Base, TrainingDatasetId = dataset.Id, Suffix = "waiting" });
        var cancelled = await client.CancelJobAsync(new CancelJobRequest { Id = waiting.Id });
        Assert.Equal(JobState.Cancelled, cancelled.State);
        await client.CancelJobAsync(new CancelJobRequest { Id = running.Id });
        Assert.Equal(JobState.Cancelled, States(await WatchAsync(running.Id)).Last());
        Assert.Equal(JobState.Cancelled, States(await WatchAsync(waiting.Id)).Last());
    }

    [Fact]
    public async Task A_suffix_held_by_a_live_job_is_refused_at_create_and_free_again_once_that_job_is_cancelled()
    {
        var dataset = await UploadAsync(Pairs(30));
        CreateJobRequest Request() => new()
        {
            BaseModel = Base, TrainingDatasetId = dataset.Id, Suffix = "twice",
            Hyperparameters = new Hyperparameters { Epochs = 1000, Patience = 100, BatchSize = 4 },
        };
        var first = await client.CreateJobAsync(Request());
        var error = await RpcAssert.FailsAsync(StatusCode.AlreadyExists, () => client.CreateJobAsync(Request()).ResponseAsync);
        Assert.StartsWith("suffix:", error.Status.Detail);
        Assert.Contains(first.Id, error.Status.Detail);
        Assert.Single((await client.ListJobsAsync(new ListJobsRequest())).Jobs);

        await client.CancelJobAsync(new CancelJobRequest { Id = first.Id });
        Assert.Equal(JobState.Cancelled, States(await WatchAsync(first.Id)).Last());
        var second = await client.CreateJobAsync(Request());
        await client.CancelJobAsync(new CancelJobRequest { Id = second.Id });
        Assert.Equal(JobState.Cancelled, States(await WatchAsync(second.Id)).Last());
    }

    [Fact]
    public async Task A_job_interrupted_by_a_restart_resumes_from_its_last_checkpoint()
    {
        var dataset = await UploadAsync(Pairs(30));
        var job = await client.CreateJobAsync(new CreateJobRequest
        {
            BaseModel = Base, TrainingDatasetId = dataset.Id, Suffix = "restarted", Seed = 3,
            Hyperparameters = new Hyperparameters { Epochs = 40, Patience = 40, BatchSize = 4 },
        });
        await WatchAsync(job.Id, stopWhen: e => e.Checkpoint is { Epoch: >= 2 });
        await host.DisposeAsync(); // the service stops mid-training
        await StartAsync();

        var events = await WatchAsync(job.Id);
        Assert.True(States(events).Last() == JobState.Succeeded, (await client.GetJobAsync(new GetJobRequest { Id = job.Id })).Error?.Message);
        // The job may wait for the Embedding service to come back up first, then resume once more from the same checkpoint.
        var resumedFrom = events.Where(e => e.Message.StartsWith("resuming from the checkpoint of epoch ")).ToList();
        Assert.NotEmpty(resumedFrom);
        uint from = uint.Parse(resumedFrom[0].Message.Split(' ').Last());
        Assert.True(from >= 2);
        Assert.All(resumedFrom, e => Assert.EndsWith($" {from}", e.Message));
        // Epochs before the checkpoint were not trained again.
        var trainedAfterRestart = events.SkipWhile(e => e != resumedFrom[^1]).Where(e => e.Metrics is { TrainLoss: > 0 }).Select(e => e.Metrics.Epoch).ToList();
        Assert.Equal(from + 1, trainedAfterRestart.First());
        var checkpoints = (await client.ListCheckpointsAsync(new ListCheckpointsRequest { JobId = job.Id })).Checkpoints.Select(c => c.Epoch).ToList();
        Assert.Equal(checkpoints.Distinct().Order(), checkpoints);
        Assert.Equal("hashing-v1+restarted", (await client.GetModelAsync(new GetModelRequest { Name = "hashing-v1+restarted" })).Name);
    }
}
