using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Integration;

/// <summary>
/// Generative fine-tune jobs through the real gRPC stack with the real llama-finetune and
/// llama-perplexity on a random-weight GGUF: the text is meaningless, the training is real, so its
/// validation perplexity must drop; the result must load in llama-server and answer.
/// </summary>
[Collection(NonParallel.Name)]
public sealed class LlamaFinetuneJobTests : IAsyncLifetime
{
    private const string Base = "random-llama";
    private const int ContextSize = 128;
    private string dataDirectory = null!;
    private ServiceHost host = null!;
    private FineTuningService.FineTuningServiceClient client = null!;

    public async Task InitializeAsync()
    {
        dataDirectory = Path.Combine(Path.GetTempPath(), "ragplatform-llamaft-" + Guid.NewGuid().ToString("N")[..10]);
        await StartAsync();
    }

    private async Task StartAsync()
    {
        var build = LlamaBuild.Locate();
        host = await ServiceHost.StartStandaloneAsync(new Dictionary<string, string?>
        {
            ["FineTuning:DataDirectory"] = dataDirectory,
            ["FineTuning:LlamaBinDirectory"] = build.BinDirectory,
            [$"FineTuning:ChatBases:{Base}:Artifact"] = DenseLlamaModel.Path,
            [$"FineTuning:ChatBases:{Base}:ContextSize"] = ContextSize.ToString(),
            // The cached random model routes through experts, which llama-finetune cannot train: a real crash.
            ["FineTuning:ChatBases:random-moe:Artifact"] = build.ModelPath,
            ["FineTuning:ChatBases:random-moe:ContextSize"] = ContextSize.ToString(),
            ["FineTuning:ChatBases:gone:Artifact"] = Path.Combine(dataDirectory, "no-such.gguf"),
            ["Embedding:DefaultModel"] = "hashing-v1",
        });
        client = new FineTuningService.FineTuningServiceClient(host.Channel);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        try { Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { }
    }

    /// <summary>Short gardening exchanges; <paramref name="from"/> keeps training and validation lines apart.</summary>
    private static string Chats(int from, int count)
    {
        string[] plants = ["beans", "leeks", "tulips", "mint", "kale", "roses", "thyme"];
        string[] places = ["wall", "pond", "shed", "gate", "path"];
        var lines = new StringBuilder();
        for (int i = from; i < from + count; i++)
        {
            var line = new
            {
                messages = new object[]
                {
                    new { role = "system", content = "You answer questions about the garden." },
                    new { role = "user", content = $"What grows in bed {i}?" },
                    new { role = "assistant", content = $"Bed {i} grows {plants[i % plants.Length]} beside the {places[i % places.Length]}, watered every {1 + i % 4} days." },
                },
            };
            lines.AppendLine(JsonSerializer.Serialize(line));
        }
        return lines.ToString();
    }

    private async Task<Dataset> UploadAsync(string content, DatasetKind kind = DatasetKind.Chat)
    {
        using var call = client.UploadDataset();
        await call.RequestStream.WriteAsync(new UploadDatasetRequest { Header = new DatasetHeader { DisplayName = "garden", Kind = kind } });
        await call.RequestStream.WriteAsync(new UploadDatasetRequest { Chunk = ByteString.CopyFromUtf8(content) });
        await call.RequestStream.CompleteAsync();
        var dataset = await call;
        Assert.Equal(DatasetStatus.Valid, dataset.Status);
        return dataset;
    }

    private Task<List<JobEvent>> WatchAsync(string jobId, Func<JobEvent, bool>? stopWhen = null) =>
        FineTuningData.WatchAsync(client, jobId, TimeSpan.FromMinutes(10), stopWhen: stopWhen);

    private static IEnumerable<JobState> States(IEnumerable<JobEvent> events) => FineTuningData.States(events);

    /// <summary>Without a validation dataset, half the examples are held out: perplexity needs two context windows of text.</summary>
    private async Task<Job> CreateAsync(string baseModel, Dataset training, Dataset? validation, string suffix, uint epochs) =>
        await client.CreateJobAsync(new CreateJobRequest
        {
            BaseModel = baseModel, TrainingDatasetId = training.Id, ValidationDatasetId = validation?.Id ?? "", Suffix = suffix, Seed = 1,
            ValidationFraction = validation is null ? 0.5 : 0,
            Hyperparameters = new Hyperparameters { Epochs = epochs, LearningRate = 3e-4 },
        });

    /// <summary>Command lines of running processes that mention <paramref name="text"/> (Linux /proc).</summary>
    private static List<string> ProcessesMentioning(string text) =>
        Directory.GetDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _))
            .Select(d => { try { return File.ReadAllText(Path.Combine(d, "cmdline")).Replace('\0', ' '); } catch (IOException) { return ""; } catch (UnauthorizedAccessException) { return ""; } })
            .Where(c => c.Contains(text, StringComparison.Ordinal)).ToList();

    [Fact]
    public async Task A_job_lowers_validation_perplexity_and_registers_a_GGUF_that_llama_server_serves()
    {
        var training = await UploadAsync(Chats(0, 40));
        var validation = await UploadAsync(Chats(100, 16));
        var job = await CreateAsync(Base, training, validation, "garden", epochs: 2);

        var events = await WatchAsync(job.Id);
        var done = await client.GetJobAsync(new GetJobRequest { Id = job.Id });
        Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error?.Message}\n{string.Join('\n', events)}");
        Assert.Equal([JobState.Validating, JobState.Queued, JobState.Running, JobState.Succeeded], States(events));
        var losses = events.Where(e => e.Metrics is { TrainLoss: > 0 }).ToList();
        Assert.NotEmpty(losses);
        Assert.Contains(losses, e => e.Metrics.Epoch == 2);

        var checkpoints = (await client.ListCheckpointsAsync(new ListCheckpointsRequest { JobId = job.Id })).Checkpoints;
        Assert.Equal([1u, 2u], checkpoints.Select(c => c.Epoch));
        Assert.All(checkpoints, c => Assert.True(c.Metrics.ContainsKey("validation_perplexity")));

        var model = await client.GetModelAsync(new GetModelRequest { Name = $"{Base}+garden" });
        Assert.Equal(ModelKind.Chat, model.Kind);
        Assert.Equal("llama-server", model.Backend);
        Assert.Equal(Base, model.BaseModel);
        Assert.True(model.FineTuned);
        Assert.Equal(job.Id, model.JobId);
        Assert.Equal(training.Id, model.DatasetId);
        Assert.Equal(Path.Combine(dataDirectory, "models"), Path.GetDirectoryName(Path.GetDirectoryName(model.Artifact)));
        Assert.Equal($"{Base}+garden.gguf", Path.GetFileName(model.Artifact));
        Assert.True(File.Exists(model.Artifact));
        double before = model.Metrics["validation_perplexity_before"], after = model.Metrics["validation_perplexity_after"];
        Assert.True(after < before, $"validation perplexity went from {before} to {after}");
        Assert.Equal(after, checkpoints[^1].Metrics["validation_perplexity"]);

        // The registered GGUF is a model llama-server loads and answers with.
        await using var server = await LlamaServer.StartAsync(["--ctx-size", ContextSize.ToString()], model: model.Artifact);
        using var response = await server.Http.PostAsJsonAsync("v1/chat/completions", new
        {
            messages = new[] { new { role = "user", content = "What grows in bed 7?" } },
            max_tokens = 8,
        });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(8, answer.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(JsonValueKind.String, answer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").ValueKind);
    }

    [Fact]
    public async Task Cancelling_mid_training_kills_llama_finetune_and_registers_nothing()
    {
        var training = await UploadAsync(Chats(0, 40));
        var job = await CreateAsync(Base, training, null, "cancelled", epochs: 200);

        // A training loss on the stream means training has begun; between epochs its tools come and go, so wait to see one.
        await WatchAsync(job.Id, e => e.Metrics is { TrainLoss: > 0 });
        var seen = DateTime.UtcNow.AddSeconds(60);
        while (ProcessesMentioning(job.Id).Count == 0)
        {
            Assert.True(DateTime.UtcNow < seen, "no llama.cpp tool of the job was seen running: " + await client.GetJobAsync(new GetJobRequest { Id = job.Id }));
            await Task.Delay(20);
        }
        await client.CancelJobAsync(new CancelJobRequest { Id = job.Id });

        var events = await WatchAsync(job.Id);
        Assert.Equal(JobState.Cancelled, States(events).Last());
        Assert.Equal(JobState.Cancelled, (await client.GetJobAsync(new GetJobRequest { Id = job.Id })).State);
        Assert.Empty(ProcessesMentioning(job.Id)); // the job ends only once its tool has exited
        Assert.Empty((await client.ListModelsAsync(new ListModelsRequest { Kind = ModelKind.Chat })).Models);
        Assert.False(Directory.Exists(Path.Combine(dataDirectory, "models")) && Directory.EnumerateFiles(Path.Combine(dataDirectory, "models"), "*", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task A_job_interrupted_by_a_restart_resumes_from_its_last_epoch()
    {
        var training = await UploadAsync(Chats(0, 24));
        var job = await CreateAsync(Base, training, null, "resumed", epochs: 3);
        await WatchAsync(job.Id, e => e.Checkpoint is { Epoch: >= 1 });
        await host.DisposeAsync(); // the service stops mid-training: its llama-finetune goes with it
        Assert.Empty(ProcessesMentioning(job.Id));
        await StartAsync();

        var events = await WatchAsync(job.Id);
        var done = await client.GetJobAsync(new GetJobRequest { Id = job.Id });
        Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error?.Message}");
        var resumed = events.Where(e => e.Message.StartsWith("resuming from the checkpoint of epoch ")).ToList();
        Assert.NotEmpty(resumed);
        uint from = uint.Parse(resumed[^1].Message.Split(' ').Last());
        Assert.True(from >= 1);
        // Epochs up to the checkpoint were not trained again: training went on from its GGUF.
        var trainedAfter = events.SkipWhile(e => e != resumed[^1]).Where(e => e.Metrics is { TrainLoss: > 0 }).Select(e => e.Metrics.Epoch).ToList();
        Assert.Equal(from + 1, trainedAfter.First());
        var checkpoints = (await client.ListCheckpointsAsync(new ListCheckpointsRequest { JobId = job.Id })).Checkpoints.Select(c => c.Epoch).ToList();
        Assert.Equal([1u, 2u, 3u], checkpoints);
        var model = await client.GetModelAsync(new GetModelRequest { Name = $"{Base}+resumed" });
        Assert.True(File.Exists(model.Artifact));
        Assert.True(model.Metrics["validation_perplexity_after"] < model.Metrics["validation_perplexity_before"]);
    }

    [Fact]
    public async Task A_crash_of_llama_finetune_fails_the_job_with_its_cause()
    {
        var training = await UploadAsync(Chats(0, 40));
        var job = await CreateAsync("random-moe", training, null, "crash", epochs: 1);

        await WatchAsync(job.Id);
        var done = await client.GetJobAsync(new GetJobRequest { Id = job.Id });
        Assert.True(done.State == JobState.Failed, done.ToString());
        Assert.True((int)StatusCode.Internal == done.Error.Code, done.Error.Message);
        Assert.Contains("llama-finetune exited with code", done.Error.Message);
        Assert.Contains("GGML_ASSERT", done.Error.Message); // the tail of its output says why
        Assert.Empty((await client.ListModelsAsync(new ListModelsRequest { Kind = ModelKind.Chat })).Models);
    }

    [Fact]
    public async Task An_upload_for_a_GGUF_base_counts_each_example_with_the_bases_tokenizer_against_its_context()
    {
        var longReply = string.Join(' ', Enumerable.Repeat("the beans grow tall beside the garden wall", 30));
        var longLine = JsonSerializer.Serialize(new { prompt = "Tell me everything about bed 9.", completion = longReply });
        var file = "{\"prompt\":\"What grows in bed 1?\",\"completion\":\"Beans.\"}\n" + longLine + "\n"
            + "{\"prompt\":\"What grows in bed 2?\",\"completion\":\"Leeks.\"}\n";
        using var call = client.UploadDataset();
        await call.RequestStream.WriteAsync(new UploadDatasetRequest
        {
            Header = new DatasetHeader { DisplayName = "counted", Kind = DatasetKind.PromptCompletion, BaseModel = Base },
        });
        await call.RequestStream.WriteAsync(new UploadDatasetRequest { Chunk = ByteString.CopyFromUtf8(file) });
        await call.RequestStream.CompleteAsync();
        var dataset = await call;

        Assert.Equal(DatasetStatus.Invalid, dataset.Status);
        Assert.Equal(2u, dataset.ValidLines);
        var error = Assert.Single(dataset.Errors);
        Assert.Equal((2ul, (uint)ContextSize), (error.Line, error.TokenLimit));
        // The base's own count of the text it would train on, as a llama-server serving the base tokenizes it.
        using var document = JsonDocument.Parse(longLine);
        var rendered = RagPlatform.FineTuning.Executors.Llama.TrainingText.Render(document.RootElement, DatasetKind.PromptCompletion);
        await using (var reference = await LlamaServer.StartAsync(["--ctx-size", ContextSize.ToString()], model: DenseLlamaModel.Path))
        {
            using var response = await reference.Http.PostAsJsonAsync("tokenize", new { content = rendered });
            var tokens = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tokens").GetArrayLength();
            Assert.Equal((uint)tokens, error.TokenCount);
        }
        // The tokenizer's llama-server lives only as long as the upload.
        Assert.Empty(ChildProcesses("llama-server"));

        using var gone = client.UploadDataset();
        await gone.RequestStream.WriteAsync(new UploadDatasetRequest { Header = new DatasetHeader { DisplayName = "x", Kind = DatasetKind.Chat, BaseModel = "gone" } });
        await gone.RequestStream.CompleteAsync();
        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, () => gone.ResponseAsync);
    }

    /// <summary>Running children of this test process with this program name (Linux /proc).</summary>
    private static List<int> ChildProcesses(string name)
    {
        var self = Environment.ProcessId.ToString();
        var children = new List<int>();
        foreach (var directory in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var command = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
                if (fields[1] == self && fields[0] != "Z" && command == name) children.Add(pid);
            }
            catch (IOException) { } // ended meanwhile
        }
        return children;
    }

    [Fact]
    public async Task Bad_requests_are_refused_before_a_job_exists_naming_the_field()
    {
        var chats = await UploadAsync(Chats(0, 10));
        var pairs = await UploadAsync("""{"query":"q","positive":"p"}""" + "\n", DatasetKind.RetrievalPairs);

        await RpcAssert.FailsAsync(StatusCode.InvalidArgument,
            () => CreateAsync("no-such-model", chats, null, "x", 1), "base_model");
        var missing = await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, () => CreateAsync("gone", chats, null, "x", 1));
        Assert.Contains("base_model", missing.Status.Detail);
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => CreateAsync(Base, pairs, null, "x", 1), "training_dataset_id");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => client.CreateJobAsync(new CreateJobRequest
        {
            BaseModel = Base, TrainingDatasetId = chats.Id, Hyperparameters = new Hyperparameters { BatchSize = 8 },
        }).ResponseAsync, "hyperparameters.batch_size");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => client.CreateJobAsync(new CreateJobRequest
        {
            BaseModel = Base, TrainingDatasetId = chats.Id, Hyperparameters = new Hyperparameters { WeightDecay = 1 },
        }).ResponseAsync, "hyperparameters.weight_decay");
        var overlapping = await UploadAsync(Chats(5, 10));
        var leak = await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, () => CreateAsync(Base, chats, overlapping, "x", 1));
        Assert.Contains("validation line 1 has the same example as training line 6", leak.Status.Detail); // Chats(5, ..) starts at bed 5, line 6 of Chats(0, ..)
        Assert.Contains(overlapping.Id, leak.Status.Detail);
        Assert.Empty((await client.ListJobsAsync(new ListJobsRequest())).Jobs);
    }
}
