using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Tests.Infrastructure;
using GenerationV1 = RagPlatform.Contracts.Generation.V1;

namespace RagPlatform.Tests.Integration;

/// <summary>
/// The whole fine-tuned chain in one standalone host, with the real llama.cpp tools: a chat dataset
/// uploaded and counted against its base, a llama-finetune job trained to success on the dense
/// random base, and the model it registered answering AskStream through the llama-server Generation
/// starts for that very GGUF, by name (FINE_TUNED) and by the router's own choice (AUTO).
/// </summary>
[Collection(NonParallel.Name)]
public sealed class FineTunedChainTests : IAsyncLifetime
{
    private const string Base = "random-llama", Tenant = "chain";
    private const int ContextSize = 128;
    private readonly string root = Path.Combine(Path.GetTempPath(), "ragplatform-chain-" + Guid.NewGuid().ToString("N")[..10]);
    private ServiceHost host = null!;

    public async Task InitializeAsync()
    {
        var build = LlamaBuild.Locate();
        var settings = LlamaChatModel.Settings(new Dictionary<string, string>
        {
            ["Provider"] = "llama-server",
            ["ModelPath"] = DenseLlamaModel.Path,
            ["ServerArguments"] = "--parallel 1 --ignore-eos --context-shift",
        }, Base);
        settings["Generation:LlamaServerPath"] = build.Tool("llama-server");
        settings["FineTuning:DataDirectory"] = Path.Combine(root, "finetuning");
        settings["FineTuning:LlamaBinDirectory"] = build.BinDirectory;
        settings[$"FineTuning:ChatBases:{Base}:Artifact"] = DenseLlamaModel.Path;
        settings[$"FineTuning:ChatBases:{Base}:ContextSize"] = ContextSize.ToString();
        settings["VectorSearch:DataDirectory"] = Path.Combine(root, "vectors");
        settings["QueryRouter:DataDirectory"] = Path.Combine(root, "router");
        host = await ServiceHost.StartStandaloneAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }

    /// <summary>Short exchanges about bees; enough text that half of it holds a perplexity window of 128 tokens.</summary>
    private static string Chats(int count)
    {
        string[] flowers = ["clover", "lavender", "heather", "borage", "thyme"];
        var lines = new StringBuilder();
        for (int i = 0; i < count; i++)
            lines.AppendLine(JsonSerializer.Serialize(new
            {
                messages = new object[]
                {
                    new { role = "user", content = $"Where do the bees of hive {i} forage?" },
                    new { role = "assistant", content = $"Hive {i} forages on {flowers[i % flowers.Length]} by the orchard, {1 + i % 3} km away." },
                },
            }));
        return lines.ToString();
    }

    [Fact]
    public async Task A_chat_dataset_trains_a_model_that_answers_fine_tuned_and_auto_through_llama_server()
    {
        var tenant = ServiceHost.Tenant(Tenant);
        var fineTuning = new FineTuningService.FineTuningServiceClient(host.Channel);
        var router = new QueryRouterService.QueryRouterServiceClient(host.Channel);

        // Upload, counted by the base's tokenizer.
        Dataset dataset;
        using (var upload = fineTuning.UploadDataset(tenant))
        {
            await upload.RequestStream.WriteAsync(new UploadDatasetRequest { Header = new DatasetHeader { DisplayName = "bees", Kind = DatasetKind.Chat, BaseModel = Base } });
            await upload.RequestStream.WriteAsync(new UploadDatasetRequest { Chunk = ByteString.CopyFromUtf8(Chats(48)) });
            await upload.RequestStream.CompleteAsync();
            dataset = await upload;
        }
        Assert.True(dataset.Status == DatasetStatus.Valid, string.Join("; ", dataset.Errors));

        // One epoch of llama-finetune, to success.
        var job = await fineTuning.CreateJobAsync(new CreateJobRequest
        {
            BaseModel = Base, TrainingDatasetId = dataset.Id, ValidationFraction = 0.5, Suffix = "bees", Seed = 1,
            Hyperparameters = new Hyperparameters { Epochs = 1, LearningRate = 3e-4 },
        }, tenant);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10)))
        using (var watch = fineTuning.WatchJob(new WatchJobRequest { Id = job.Id }, tenant, cancellationToken: timeout.Token))
            while (await watch.ResponseStream.MoveNext(timeout.Token)) { }
        var done = await fineTuning.GetJobAsync(new GetJobRequest { Id = job.Id }, tenant);
        Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error?.Message}");
        const string name = Base + "+bees";
        Assert.Equal(name, done.FineTunedModel);
        var model = await fineTuning.GetModelAsync(new GetModelRequest { Name = name }, tenant);
        Assert.Equal(job.Id, model.JobId);

        // Generation lists it as a fine-tuned chat model served from the job's GGUF.
        var generation = new GenerationV1.GenerationService.GenerationServiceClient(host.Channel);
        var listed = Assert.Single((await generation.ListModelsAsync(new GenerationV1.ListModelsRequest(), tenant)).Models, m => m.Name == name);
        Assert.Equal((ModelKind.Chat, true, model.Artifact), (listed.Kind, listed.FineTuned, listed.Artifact));

        // FINE_TUNED by name: deltas from the llama-server that serves that GGUF.
        var request = new AskRequest { Question = "Where do the bees of hive 3 forage?", Strategy = Strategy.FineTuned, GenerationModel = name };
        var (deltas, answer, summary) = await StreamAsync(router, request, tenant);
        Assert.Equal((Strategy.FineTuned, name), (summary.Route.Strategy, summary.Route.GenerationModel));
        Assert.False(summary.Extractive);
        Assert.True(deltas > 0, "no answer delta arrived");
        Assert.Equal(summary.Answer, answer);
        Assert.True(summary.Usage.CompletionTokens > 0);
        Assert.Contains(ChildCommandLines(), c => c.Contains("llama-server", StringComparison.Ordinal) && c.Contains(model.Artifact, StringComparison.Ordinal));

        // AUTO considers it once there is something to retrieve from: an open-ended question goes to the fresh fine-tuned model.
        using (var ingest = router.Ingest(tenant))
        {
            await ingest.RequestStream.WriteAsync(new IngestRequest
            {
                DocumentId = "bees.md", ContentType = "text/markdown",
                Content = ByteString.CopyFromUtf8("# Foraging\n\nHoneybees forage up to several kilometres from their hive."),
            });
            await ingest.RequestStream.CompleteAsync();
            Assert.Equal(1u, (await ingest).Indexed);
        }
        var (_, _, auto) = await StreamAsync(router, new AskRequest { Question = "Why do bees forage so far?", Strategy = Strategy.Auto }, tenant);
        Assert.Equal((Strategy.FineTuned, name), (auto.Route.Strategy, auto.Route.GenerationModel));
        Assert.StartsWith("AUTO", auto.Route.Reason);
    }

    private static async Task<(int Deltas, string Answer, AskResponse Summary)> StreamAsync(QueryRouterService.QueryRouterServiceClient router,
        AskRequest request, Metadata tenant)
    {
        using var call = router.AskStream(request, tenant, DateTime.UtcNow.AddMinutes(2));
        int deltas = 0;
        var answer = new StringBuilder();
        AskResponse? summary = null;
        await foreach (var update in call.ResponseStream.ReadAllAsync())
        {
            if (update.EventCase == AskStreamEvent.EventOneofCase.AnswerDelta) { deltas++; answer.Append(update.AnswerDelta); }
            else if (update.EventCase == AskStreamEvent.EventOneofCase.Summary) summary = update.Summary;
        }
        Assert.NotNull(summary);
        return (deltas, answer.ToString(), summary);
    }

    /// <summary>Command lines of the running children of this test process (Linux /proc).</summary>
    private static List<string> ChildCommandLines()
    {
        var self = Environment.ProcessId.ToString();
        var lines = new List<string>();
        foreach (var directory in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out _)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                if (stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1] != self) continue;
                lines.Add(File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' '));
            }
            catch (IOException) { } // ended meanwhile
        }
        return lines;
    }
}
