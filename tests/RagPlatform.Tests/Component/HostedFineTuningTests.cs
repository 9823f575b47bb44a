using System.Text.Json;
using Grpc.Core;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Extensions;
using RagPlatform.Generation.Extensions;
using RagPlatform.FineTuning.Jobs;
using RagPlatform.FineTuning.Storage.Redis;
using RagPlatform.Launcher;
using Microsoft.Extensions.DependencyInjection;
using RagPlatform.Tests.Infrastructure;
using Gen = RagPlatform.Contracts.Generation.V1;
using Phase = RagPlatform.Tests.Infrastructure.HostedFineTuningApi.Phase;

namespace RagPlatform.Tests.Component;

/// <summary>
/// The hosted (OpenAI-compatible) fine-tuning executor against a local server that answers as the
/// documented API does: the requests it sends, the remote job followed through its states, events,
/// metrics and checkpoints as ours, the remote model registered once and served by Generation, and
/// the remote job's failure, a cancel, a restart mid-job, a refused key and a rate limit.
/// </summary>
public sealed class HostedFineTuningTests : IAsyncLifetime
{
    private const string Base = "hosted-mini";
    private const string Key = "sk-test-secret";
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "ragplatform-hosted-" + Guid.NewGuid().ToString("N")[..10]);
    private ServiceHost? host;
    private FineTuningService.FineTuningServiceClient client = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (host is not null) await host.DisposeAsync();
        try { Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { }
    }

    /// <summary>FineTuning alone, or with <paramref name="standalone"/> all services (an unknown base is then looked for in Embedding too).</summary>
    private Task StartAsync(HostedFineTuningApi api, IDictionary<string, string?>? extra = null, bool standalone = false)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"FineTuning:RemoteBases:{Base}:Endpoint"] = api.Endpoint.ToString(),
            [$"FineTuning:RemoteBases:{Base}:Model"] = HostedFineTuningApi.BaseModel,
            [$"FineTuning:RemoteBases:{Base}:ApiKey"] = Key,
            ["FineTuning:RemotePollInterval"] = "00:00:00.050",
            ["FineTuning:RemoteRetryBaseDelay"] = "00:00:00.020",
            ["FineTuning:RemoteMaxRetryDelay"] = "00:00:02",
        };
        foreach (var (name, value) in extra ?? new Dictionary<string, string?>()) settings[name] = value;
        return StartAsync(settings, standalone);
    }

    private async Task StartAsync(Dictionary<string, string?> settings, bool standalone = false)
    {
        settings["FineTuning:DataDirectory"] = dataDirectory;
        host = standalone ? await ServiceHost.StartStandaloneAsync(settings)
            : await ServiceHost.StartAsync(b => b.AddFineTuningService(), a => a.MapFineTuningService(), settings);
        client = new FineTuningService.FineTuningServiceClient(host.Channel);
    }

    private static string ChatLines(int count)
    {
        var lines = new System.Text.StringBuilder();
        for (int i = 0; i < count; i++)
            lines.AppendLine(JsonSerializer.Serialize(new
            {
                messages = new[]
                {
                    new { role = "system", content = "You answer about the garden." },
                    new { role = "user", content = $"Where are the tomatoes of row {i}?" },
                    new { role = "assistant", content = $"In bed {i}." },
                },
            }));
        return lines.ToString();
    }

    private const string PromptLine = "{\"prompt\":\"Which bed holds beans?\",\"completion\":\"Bed 3.\"}\n";

    private async Task<(Dataset Train, Dataset Validation)> UploadDatasetsAsync() =>
        (await FineTuningData.UploadAsync(client, ChatLines(12), DatasetKind.Chat),
         await FineTuningData.UploadAsync(client, PromptLine, DatasetKind.PromptCompletion));

    private async Task<Job> CreateAsync(Dataset train, Dataset? validation = null, string suffix = "garden") =>
        await client.CreateJobAsync(new CreateJobRequest
        {
            BaseModel = Base, TrainingDatasetId = train.Id, ValidationDatasetId = validation?.Id ?? "", Suffix = suffix, Seed = 7,
            Hyperparameters = new Hyperparameters { Epochs = 3 },
        });

    private Task<List<JobEvent>> WatchAsync(string jobId, Func<JobEvent, bool>? stopWhen = null) =>
        FineTuningData.WatchAsync(client, jobId, TimeSpan.FromMinutes(2), stopWhen: stopWhen);

    private static IEnumerable<JobState> States(IEnumerable<JobEvent> events) => FineTuningData.States(events);

    private static IEnumerable<string> Messages(IEnumerable<JobEvent> events) =>
        events.Where(e => e.EventCase == JobEvent.EventOneofCase.Message).Select(e => e.Message);

    private static Phase[] Training() =>
    [
        new("validating_files"),
        new("queued"),
        new("running", [HostedFineTuningApi.Message(1, "Fine-tuning job started"), HostedFineTuningApi.Metrics(2, 1, 1.9), HostedFineTuningApi.Metrics(3, 2, 1.5, 1.7)]),
        new("running", [HostedFineTuningApi.Metrics(4, 3, 1.1, 1.3)], [HostedFineTuningApi.Checkpoint(2, 1.5, 1.7)]),
        new("running", [HostedFineTuningApi.Metrics(5, 4, 0.8, 1.0)], [HostedFineTuningApi.Checkpoint(4, 0.8, 1.0)]),
        new("succeeded", [HostedFineTuningApi.Message(6, "The job has successfully completed")]),
    ];

    [Fact]
    public async Task A_hosted_job_uploads_its_files_follows_the_remote_job_and_registers_a_model_generation_answers_with()
    {
        await using var api = await HostedFineTuningApi.StartAsync(Training());
        await StartAsync(api);
        var (train, validation) = await UploadDatasetsAsync();
        var job = await CreateAsync(train, validation);
        var events = await WatchAsync(job.Id);

        Assert.Equal([JobState.Validating, JobState.Queued, JobState.Running, JobState.Succeeded], States(events));
        var messages = Messages(events).ToList();
        foreach (var expected in new[] { "validating its files", "queued at the provider", "training", "succeeded" })
            Assert.Contains($"hosted job ftjob-remote1: {expected}", messages);
        Assert.Contains("hosted: Fine-tuning job started", messages);
        var metrics = events.Where(e => e.Metrics is not null).Select(e => e.Metrics).ToList();
        Assert.Equal([1ul, 2ul, 3ul, 4ul], metrics.Select(m => m.Step));
        Assert.Equal([1.9, 1.5, 1.1, 0.8], metrics.Select(m => m.TrainLoss));
        Assert.Equal([1.7, 1.3, 1.0], metrics.Where(m => m.Validation.ContainsKey("validation_loss")).Select(m => m.Validation["validation_loss"]));

        // The files: multipart uploads for fine-tuning, our lines in the API's chat format.
        var uploads = api.To("POST", "/v1/files").ToList();
        Assert.Equal(2, uploads.Count);
        Assert.All(uploads, u => Assert.StartsWith("multipart/form-data", u.Headers["Content-Type"]));
        Assert.All(uploads, u => Assert.Matches("name=\"?purpose\"?\\r\\n\\r\\nfine-tune\\r\\n", u.Body));
        Assert.Contains($"{job.Id}-train.jsonl", uploads[0].Body);
        Assert.Contains("{\"messages\":[{\"role\":\"system\",\"content\":\"You answer about the garden.\"},"
            + "{\"role\":\"user\",\"content\":\"Where are the tomatoes of row 4?\"},{\"role\":\"assistant\",\"content\":\"In bed 4.\"}]}\n", uploads[0].Body);
        Assert.Contains("{\"messages\":[{\"role\":\"user\",\"content\":\"Which bed holds beans?\"},{\"role\":\"assistant\",\"content\":\"Bed 3.\"}]}\n", uploads[1].Body);
        Assert.All(api.Requests, r => Assert.Equal($"Bearer {Key}", r.Headers["Authorization"]));

        // The job: base, files, suffix, seed, metadata, and hyperparameters given or auto.
        var create = JsonDocument.Parse(Assert.Single(api.To("POST", "/v1/fine_tuning/jobs")).Body).RootElement;
        Assert.Equal(HostedFineTuningApi.BaseModel, create.GetProperty("model").GetString());
        Assert.Equal(("file-1", "file-2"), (create.GetProperty("training_file").GetString(), create.GetProperty("validation_file").GetString()));
        Assert.Equal(("garden", 7), (create.GetProperty("suffix").GetString(), create.GetProperty("seed").GetInt32()));
        Assert.Equal(job.Id, create.GetProperty("metadata").GetProperty("ragplatform_job").GetString());
        var method = create.GetProperty("method");
        Assert.Equal("supervised", method.GetProperty("type").GetString());
        var hyperparameters = method.GetProperty("supervised").GetProperty("hyperparameters");
        Assert.Equal(3, hyperparameters.GetProperty("n_epochs").GetInt32());
        Assert.Equal("auto", hyperparameters.GetProperty("batch_size").GetString());
        Assert.Equal("auto", hyperparameters.GetProperty("learning_rate_multiplier").GetString());

        // The remote checkpoints are the job's, after checkpoint 0 (the remote job's record).
        var checkpoints = (await client.ListCheckpointsAsync(new ListCheckpointsRequest { JobId = job.Id })).Checkpoints;
        Assert.Equal([(0u, 0ul), (1u, 2ul), (2u, 4ul)], checkpoints.Select(c => (c.Epoch, c.Step)));
        Assert.Equal(1.5, checkpoints[1].Metrics["train_loss"], 5); // the SDK reads checkpoint figures as floats
        Assert.Equal(1.7, checkpoints[1].Metrics["validation_loss"], 5);

        var done = await client.GetJobAsync(new GetJobRequest { Id = job.Id });
        Assert.Equal(("hosted-mini+garden", 0.8), (done.FineTunedModel, done.Metrics["train_loss"]));
        var model = Assert.Single((await client.ListModelsAsync(new ListModelsRequest { Kind = ModelKind.Chat })).Models);
        Assert.Equal(("hosted-mini+garden", Base, "openai-compatible"), (model.Name, model.BaseModel, model.Backend));
        Assert.Equal((api.Endpoint.ToString(), api.FineTunedModel, job.Id), (model.Endpoint, model.Artifact, model.JobId));

        // Generation answers with it: the hosted model is asked by its remote id.
        await using var generation = await ServiceHost.StartAsync(b => b.AddGenerationService(), a => a.MapGenerationService(),
            new Dictionary<string, string?> { ["services:finetuning:http:0"] = host!.Address.ToString() });
        var answer = await new Gen.GenerationService.GenerationServiceClient(generation.Channel).GenerateAsync(new Gen.GenerateRequest
        {
            Question = "Which bed holds the tomatoes?", Model = "hosted-mini+garden",
            Passages = { new Gen.Passage { Id = "garden/garden.md/0", DocumentId = "garden.md", Text = "Bed 7 holds the tomatoes." } },
        });
        Assert.Equal(("hosted-mini+garden", "Bed 7 [1]."), (answer.Model, answer.Answer));
        var chat = Assert.Single(api.To("POST", "/v1/chat/completions"));
        Assert.Equal(api.FineTunedModel, JsonDocument.Parse(chat.Body).RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task A_remote_job_that_fails_fails_the_job_with_its_code_and_message_and_registers_nothing()
    {
        await using var api = await HostedFineTuningApi.StartAsync(new Phase("validating_files"),
            new Phase("failed") { Error = new { code = "invalid_training_file", message = "The file has 3 lines without an assistant message.", param = "training_file" } });
        await StartAsync(api);
        var (train, _) = await UploadDatasetsAsync();
        var job = await CreateAsync(train);

        Assert.Equal(JobState.Failed, States(await WatchAsync(job.Id)).Last());
        var failed = await client.GetJobAsync(new GetJobRequest { Id = job.Id });
        Assert.Equal((int)StatusCode.Aborted, failed.Error.Code);
        Assert.Contains("invalid_training_file", failed.Error.Message);
        Assert.Contains("The file has 3 lines without an assistant message.", failed.Error.Message);
        Assert.Empty((await client.ListModelsAsync(new ListModelsRequest())).Models);
    }

    [Fact]
    public async Task Cancelling_the_job_cancels_the_remote_job_and_registers_nothing()
    {
        await using var api = await HostedFineTuningApi.StartAsync(new Phase("validating_files"),
            new Phase("running", [HostedFineTuningApi.Metrics(1, 1, 2.0)], Hold: true), new Phase("succeeded"));
        await StartAsync(api);
        var (train, _) = await UploadDatasetsAsync();
        var job = await CreateAsync(train);
        await WatchAsync(job.Id, e => e.Metrics is not null);

        await client.CancelJobAsync(new CancelJobRequest { Id = job.Id });
        Assert.Equal(JobState.Cancelled, States(await WatchAsync(job.Id)).Last());
        Assert.Single(api.To("POST", "/v1/fine_tuning/jobs/ftjob-remote1/cancel"));
        Assert.Empty((await client.ListModelsAsync(new ListModelsRequest())).Models);
    }

    [Fact]
    public async Task A_cancel_while_the_job_waits_to_retry_still_cancels_the_remote_job_it_created()
    {
        await using var api = await HostedFineTuningApi.StartAsync(new Phase("validating_files"),
            new Phase("running", [HostedFineTuningApi.Metrics(1, 1, 2.0)], Hold: true), new Phase("succeeded"));
        int outage = 0; // the provider stops answering once training is under way
        api.Refuse = r => Volatile.Read(ref outage) == 1 && r.Method == "GET" ? OpenAIChatReplies.Error(503, "The server is overloaded") : null;
        // A long claim: the worker that put the job back waits that long before it takes it again.
        await StartAsync(api, new Dictionary<string, string?> { ["FineTuning:RemoteMaxRetries"] = "1", ["FineTuning:ClaimDuration"] = "00:00:15" });
        var (train, _) = await UploadDatasetsAsync();
        var job = await CreateAsync(train);
        await WatchAsync(job.Id, e => e.Metrics is not null);

        Volatile.Write(ref outage, 1);
        await WatchAsync(job.Id, e => e.Message.StartsWith("waiting to retry"));
        Assert.Equal(JobState.Queued, (await client.GetJobAsync(new GetJobRequest { Id = job.Id })).State); // back in the queue, its remote job still training
        await client.CancelJobAsync(new CancelJobRequest { Id = job.Id });
        Volatile.Write(ref outage, 0);

        Assert.Equal(JobState.Cancelled, States(await WatchAsync(job.Id)).Last());
        Assert.Single(api.To("POST", "/v1/fine_tuning/jobs/ftjob-remote1/cancel"));
        Assert.Single(api.To("POST", "/v1/fine_tuning/jobs")); // stopped, not created again
        Assert.Empty((await client.ListModelsAsync(new ListModelsRequest())).Models);
    }

    [Fact]
    public async Task A_cancel_while_the_create_call_is_unanswered_finds_the_remote_job_and_cancels_it()
    {
        await using var api = await HostedFineTuningApi.StartAsync(Training());
        var createArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        static bool IsCreate(RecordedRequest r) => r.Method == "POST" && r.PathAndQuery.Split('?')[0] == "/v1/fine_tuning/jobs";
        api.Refuse = r =>
        {
            if (IsCreate(r)) createArrived.TrySetResult();
            return null;
        };
        api.DelayAnswer = r => IsCreate(r) ? TimeSpan.FromMinutes(5) : TimeSpan.Zero; // created, but the answer does not come
        await StartAsync(api);
        var (train, _) = await UploadDatasetsAsync();
        var job = await CreateAsync(train);
        await createArrived.Task.WaitAsync(TimeSpan.FromMinutes(1));

        await client.CancelJobAsync(new CancelJobRequest { Id = job.Id });
        Assert.Equal(JobState.Cancelled, States(await WatchAsync(job.Id)).Last());
        Assert.Single(api.To("POST", "/v1/fine_tuning/jobs/ftjob-remote1/cancel"));
        Assert.Empty((await client.ListModelsAsync(new ListModelsRequest())).Models);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_restart_mid_job_follows_the_same_remote_job_without_creating_another(bool inRedis)
    {
        await using var redis = inRedis ? await RedisServer.StartAsync(Path.Combine(dataDirectory, "redis")) : null;
        var store = new Dictionary<string, string?> { ["ConnectionStrings:redis"] = redis?.ConnectionString };
        await using var api = await HostedFineTuningApi.StartAsync(new Phase("validating_files"),
            new Phase("running", [HostedFineTuningApi.Metrics(1, 2, 1.5)], [HostedFineTuningApi.Checkpoint(2, 1.5, 1.6)], Hold: true),
            new Phase("running", [HostedFineTuningApi.Metrics(2, 4, 0.9)], [HostedFineTuningApi.Checkpoint(4, 0.9, 1.1)]),
            new Phase("succeeded"));
        await StartAsync(api, store);
        Assert.Equal(inRedis, host!.Services.GetRequiredService<IJobStore>() is RedisJobStore);
        var (train, _) = await UploadDatasetsAsync();
        var job = await CreateAsync(train, suffix: "restarted");
        await WatchAsync(job.Id, e => e.Checkpoint is { Epoch: 1 });
        await host!.DisposeAsync(); // the service stops while the remote job runs
        host = null;
        await StartAsync(api, store);
        api.Release();

        var events = await WatchAsync(job.Id);
        Assert.Equal(JobState.Succeeded, States(events).Last());
        Assert.Contains("following hosted job ftjob-remote1", Messages(events));
        Assert.Single(api.To("POST", "/v1/fine_tuning/jobs"));
        Assert.Equal(2, api.To("POST", "/v1/files").Count()); // training and the split-off validation, once
        // Each remote metric and checkpoint was reported once, across the restart.
        Assert.Equal([2ul, 4ul], events.Where(e => e.Metrics is not null).Select(e => e.Metrics.Step));
        var checkpoints = (await client.ListCheckpointsAsync(new ListCheckpointsRequest { JobId = job.Id })).Checkpoints;
        Assert.Equal([(0u, 0ul), (1u, 2ul), (2u, 4ul)], checkpoints.Select(c => (c.Epoch, c.Step)));
        var model = Assert.Single((await client.ListModelsAsync(new ListModelsRequest())).Models);
        Assert.Equal(("hosted-mini+restarted", api.FineTunedModel), (model.Name, model.Artifact));
    }

    [Fact]
    public async Task A_create_whose_answer_was_lost_is_found_again_by_its_metadata_rather_than_created_twice()
    {
        await using var api = await HostedFineTuningApi.StartAsync(Training());
        int creates = 0;
        api.LoseAnswer = r => r.Method == "POST" && r.PathAndQuery.Split('?')[0] == "/v1/fine_tuning/jobs" && Interlocked.Increment(ref creates) == 1;
        await StartAsync(api);
        var (train, _) = await UploadDatasetsAsync();
        var job = await CreateAsync(train);

        var events = await WatchAsync(job.Id);
        Assert.Equal(JobState.Succeeded, States(events).Last());
        Assert.Contains(Messages(events), m => m.StartsWith("waiting to retry: ", StringComparison.Ordinal) && m.Contains("HTTP 502"));
        Assert.Single(api.To("POST", "/v1/fine_tuning/jobs")); // the 5xx of a create is not retried blindly
        Assert.NotEmpty(api.To("GET", "/v1/fine_tuning/jobs")); // the next claim looked for it
        Assert.Equal(2, api.To("POST", "/v1/files").Count());
        Assert.Equal(api.FineTunedModel, Assert.Single((await client.ListModelsAsync(new ListModelsRequest())).Models).Artifact);
    }

    [Fact]
    public async Task A_remote_job_cancelled_at_the_provider_ends_the_job_cancelled()
    {
        await using var api = await HostedFineTuningApi.StartAsync(new Phase("validating_files"), new Phase("running"), new Phase("cancelled"));
        await StartAsync(api);
        var (train, _) = await UploadDatasetsAsync();
        var job = await CreateAsync(train);

        var events = await WatchAsync(job.Id);
        Assert.Equal(JobState.Cancelled, States(events).Last());
        Assert.Contains("hosted job ftjob-remote1 was cancelled at the provider", Messages(events));
        Assert.Empty(api.To("POST", "/v1/fine_tuning/jobs/ftjob-remote1/cancel"));
        Assert.Empty((await client.ListModelsAsync(new ListModelsRequest())).Models);
    }

    [Fact]
    public async Task A_refused_api_key_fails_the_job_clearly_without_showing_the_key()
    {
        await using var api = await HostedFineTuningApi.StartAsync(Training());
        api.Refuse = _ => OpenAIChatReplies.Error(401, "Incorrect API key provided: sk-te**********cret.", "invalid_api_key");
        await StartAsync(api);
        var (train, _) = await UploadDatasetsAsync();
        var job = await CreateAsync(train);

        Assert.Equal(JobState.Failed, States(await WatchAsync(job.Id)).Last());
        var failed = await client.GetJobAsync(new GetJobRequest { Id = job.Id });
        Assert.Equal((int)StatusCode.Unauthenticated, failed.Error.Code);
        Assert.Contains("refused its API key (401)", failed.Error.Message);
        Assert.Contains($"FineTuning:RemoteBases:{Base}:ApiKey", failed.Error.Message);
        Assert.DoesNotContain(Key, failed.Error.Message);
        Assert.Single(api.Requests); // not retried
    }

    [Fact]
    public async Task A_rate_limit_and_a_server_error_while_polling_are_retried_and_the_job_succeeds()
    {
        await using var api = await HostedFineTuningApi.StartAsync(Training());
        int jobReads = 0, eventReads = 0;
        api.Refuse = r =>
        {
            var path = r.PathAndQuery.Split('?')[0];
            if (r.Method == "GET" && path == "/v1/fine_tuning/jobs/ftjob-remote1" && Interlocked.Increment(ref jobReads) == 3)
                return OpenAIChatReplies.Error(429, "Rate limit reached for requests", "rate_limit_exceeded") with
                {
                    Headers = new Dictionary<string, string> { ["retry-after-ms"] = "30" },
                };
            if (path == "/v1/fine_tuning/jobs/ftjob-remote1/events" && Interlocked.Increment(ref eventReads) == 2)
                return OpenAIChatReplies.Error(503, "The server is overloaded");
            return null;
        };
        await StartAsync(api);
        var (train, _) = await UploadDatasetsAsync();
        var job = await CreateAsync(train);

        var events = await WatchAsync(job.Id);
        Assert.Equal(JobState.Succeeded, States(events).Last());
        Assert.True(jobReads > 3 && eventReads > 2);
        Assert.Equal([1ul, 2ul, 3ul, 4ul], events.Where(e => e.Metrics is not null).Select(e => e.Metrics.Step)); // none lost, none twice
        Assert.Single((await client.ListModelsAsync(new ListModelsRequest())).Models);
    }

    [Fact]
    public async Task An_azure_base_sends_its_key_in_the_api_key_header_with_the_api_version()
    {
        await using var api = await HostedFineTuningApi.StartAsync(Training());
        await StartAsync(api, new Dictionary<string, string?>
        {
            [$"FineTuning:RemoteBases:{Base}:Provider"] = "azure",
            [$"FineTuning:RemoteBases:{Base}:ApiKey"] = null,
            [$"FineTuning:RemoteBases:{Base}:ApiKeyVariable"] = "RAGPLATFORM_TEST_AZURE_KEY_" + Environment.ProcessId,
            [$"FineTuning:RemoteBases:{Base}:ApiVersion"] = "2025-04-01-preview",
        });
        Environment.SetEnvironmentVariable("RAGPLATFORM_TEST_AZURE_KEY_" + Environment.ProcessId, "azure-secret");
        var (train, _) = await UploadDatasetsAsync();
        var job = await CreateAsync(train);

        Assert.Equal(JobState.Succeeded, States(await WatchAsync(job.Id)).Last());
        Assert.All(api.Requests, r =>
        {
            Assert.Equal("azure-secret", r.Headers["api-key"]);
            Assert.False(r.Headers.ContainsKey("Authorization"));
            Assert.Contains("api-version=2025-04-01-preview", r.PathAndQuery);
        });
    }

    [Fact]
    public async Task Requests_the_hosted_api_would_refuse_are_refused_up_front_with_the_field_at_fault()
    {
        await using var api = await HostedFineTuningApi.StartAsync(Training());
        await StartAsync(api, new Dictionary<string, string?> { ["Embedding:DefaultModel"] = "hashing-v1" }, standalone: true);
        var (train, _) = await UploadDatasetsAsync();
        var pairs = await FineTuningData.UploadAsync(client, FineTuningData.Pairs(3));
        Task<Job> Create(Hyperparameters h, string baseModel = Base, string? dataset = null, long seed = 1) => client.CreateJobAsync(new CreateJobRequest
        {
            BaseModel = baseModel, TrainingDatasetId = dataset ?? train.Id, Hyperparameters = h, Seed = seed,
        }).ResponseAsync;

        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => Create(new Hyperparameters(), "hosted-unknown"), "base_model");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => Create(new Hyperparameters { Epochs = 51 }), "hyperparameters.epochs");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => Create(new Hyperparameters { BatchSize = 257 }), "hyperparameters.batch_size");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => Create(new Hyperparameters { Patience = 2 }), "hyperparameters.patience");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => Create(new Hyperparameters { WeightDecay = 1 }), "hyperparameters.weight_decay");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => Create(new Hyperparameters(), seed: -1), "seed");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => Create(new Hyperparameters(), dataset: pairs.Id), "training_dataset_id");
        Assert.Empty(api.Requests); // nothing reached the provider
        Assert.Empty((await client.ListJobsAsync(new ListJobsRequest())).Jobs);
    }

    [OpenAILiveFact]
    public async Task Live_a_hosted_job_uploads_its_files_and_creates_the_remote_job_then_a_cancel_stops_it()
    {
        // Runs the contract against the real API up to a created remote job, then cancels it so that nothing is trained or billed.
        var endpoint = Environment.GetEnvironmentVariable("OPENAI_BASE_URL");
        await StartAsync(new Dictionary<string, string?>
        {
            [$"FineTuning:RemoteBases:{Base}:Model"] = Environment.GetEnvironmentVariable("OPENAI_FINETUNE_MODEL") is { Length: > 0 } m ? m : "gpt-4o-mini-2024-07-18",
            [$"FineTuning:RemoteBases:{Base}:ApiKeyVariable"] = "OPENAI_API_KEY",
            [$"FineTuning:RemoteBases:{Base}:Endpoint"] = string.IsNullOrWhiteSpace(endpoint) ? null : endpoint,
            ["FineTuning:RemotePollInterval"] = "00:00:02",
        });
        var train = await FineTuningData.UploadAsync(client, ChatLines(10), DatasetKind.Chat);
        var validation = await FineTuningData.UploadAsync(client, PromptLine, DatasetKind.PromptCompletion);
        var job = await CreateAsync(train, validation, suffix: "live" + Guid.NewGuid().ToString("N")[..6]);
        var created = await WatchAsync(job.Id, e => e.Message.StartsWith("hosted job ", StringComparison.Ordinal)
            || e.StateChanged is JobState.Failed);
        Assert.True(created.Last().EventCase == JobEvent.EventOneofCase.Message,
            (await client.GetJobAsync(new GetJobRequest { Id = job.Id })).Error?.Message);
        Assert.Contains(Messages(created), m => m.StartsWith("created hosted job ftjob-", StringComparison.Ordinal));

        await client.CancelJobAsync(new CancelJobRequest { Id = job.Id });
        Assert.Equal(JobState.Cancelled, States(await WatchAsync(job.Id)).Last());
        Assert.Empty((await client.ListModelsAsync(new ListModelsRequest())).Models);
    }
}

/// <summary>A test against the live hosted fine-tuning API: skipped, with the reason, unless OPENAI_API_KEY is set.</summary>
public sealed class OpenAILiveFactAttribute : FactAttribute
{
    public OpenAILiveFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OPENAI_API_KEY")))
            Skip = "OPENAI_API_KEY is not set: no hosted fine-tuning API to run against; "
                + "the executor's contract is checked against a local server answering as the documented API does";
    }
}
