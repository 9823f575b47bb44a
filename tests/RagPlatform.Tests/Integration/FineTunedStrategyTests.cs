using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Generation.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Launcher;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Integration;

/// <summary>
/// Strategies end to end in the standalone composition: a random-weight GGUF registered in the
/// FineTuning registry as a fine-tuned chat model, listed by Generation, served by the llama-server
/// Generation starts for it, and chosen by the router for FINE_TUNED, HYBRID and AUTO.
/// </summary>
public sealed class FineTunedStrategyTests : IAsyncLifetime
{
    private const string Base = "random-llama", Tenant = "studio";
    private const string Bees = "# Honeybees\n\nKarl von Frisch decoded the waggle dance of honeybees. He shared the 1973 Nobel Prize for it.";
    private const string Stone = "# Rosetta\n\nThe Rosetta Stone has been kept in the British Museum since 1802.";

    private readonly string root = Path.Combine(Path.GetTempPath(), "ragplatform-strategy-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly List<IAsyncDisposable> owned = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(owned)) await item.DisposeAsync();
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }

    private string FineTuningDirectory => Path.Combine(root, "finetuning");

    private static DateTime Deadline => DateTime.UtcNow.AddSeconds(120);

    private Task<Model> RegisterAsync(string suffix, DateTime createdAt, string tenant = Tenant, string? redis = null) =>
        ChatModelRegistration.RegisterGgufAsync(FineTuningDirectory, tenant, Base, suffix, LlamaBuild.Locate().ModelPath, createdAt, redis);

    /// <summary>The platform with the base model configured as a local GGUF; its data in this test's folder, so a restart keeps it.</summary>
    private async Task<ServiceHost> StartAsync(string? redis = null)
    {
        var settings = LlamaChatModel.Local(Base, "--parallel 1 --ignore-eos --context-shift");
        settings["FineTuning:DataDirectory"] = FineTuningDirectory;
        settings["VectorSearch:DataDirectory"] = Path.Combine(root, "vectors");
        settings["QueryRouter:DataDirectory"] = Path.Combine(root, "router");
        if (redis is not null)
        {
            settings["ConnectionStrings:redis"] = redis;
            // Generous: on a busy machine a slow first Redis reply must not read as an outage (BYPASSED).
            settings["QueryRouter:Cache:Timeout"] = "00:00:05";
        }
        var host = await ServiceHost.StartStandaloneAsync(settings);
        owned.Add(host);
        return host;
    }

    private static async Task IngestAsync(QueryRouterService.QueryRouterServiceClient router)
    {
        using var call = router.Ingest(ServiceHost.Tenant(Tenant));
        foreach (var (id, text) in new[] { ("bees.md", Bees), ("stone.md", Stone) })
            await call.RequestStream.WriteAsync(new IngestRequest { DocumentId = id, ContentType = "text/markdown", Content = ByteString.CopyFromUtf8(text) });
        await call.RequestStream.CompleteAsync();
        Assert.Equal(2u, (await call).Indexed);
    }

    private static AskRequest Ask(string question, Strategy strategy, TimeSpan? budget = null) => new()
    {
        Question = question,
        Strategy = strategy,
        LatencyBudget = budget is { } b ? Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(b) : null,
    };

    [Fact]
    public async Task A_registered_gguf_is_listed_by_generation_and_answers_fine_tuned_hybrid_and_auto()
    {
        var registered = await RegisterAsync("style", DateTime.UtcNow.AddHours(-1));
        var host = await StartAsync();
        var generation = new GenerationService.GenerationServiceClient(host.Channel);
        var router = new QueryRouterService.QueryRouterServiceClient(host.Channel);
        var tenant = ServiceHost.Tenant(Tenant);

        // Generation shows the configured base and the registered fine-tuned model, for its tenant only.
        var models = (await generation.ListModelsAsync(new ListModelsRequest(), tenant)).Models;
        Assert.Equal(["extractive", Base, "random-llama+style"], models.Select(m => m.Name));
        var listed = models[2];
        Assert.Equal((ModelKind.Chat, true, Base, "llama-server"), (listed.Kind, listed.FineTuned, listed.BaseModel, listed.Backend));
        Assert.Equal(registered.Artifact, listed.Artifact);
        Assert.Equal(registered.CreatedAt, listed.CreatedAt);
        Assert.Equal(registered.JobId, listed.JobId);
        Assert.Equal(42.5, listed.Metrics["validation_perplexity"]);
        Assert.Equal(listed, await generation.GetModelAsync(new GetModelRequest { Name = "random-llama+style" }, tenant));
        Assert.DoesNotContain((await generation.ListModelsAsync(new ListModelsRequest(), ServiceHost.Tenant("elsewhere"))).Models, m => m.FineTuned);

        await IngestAsync(router);
        using var spans = new StrategySpans();

        // FINE_TUNED: the fine-tuned model alone, no route and no retrieval.
        var alone = await router.AskAsync(Ask("Who decoded the waggle dance?", Strategy.FineTuned), tenant, Deadline);
        Assert.Equal((Strategy.FineTuned, "random-llama+style"), (alone.Route.Strategy, alone.Route.GenerationModel));
        Assert.Contains("requested by the caller", alone.Route.Reason);
        Assert.False(alone.Extractive);
        Assert.NotEmpty(alone.Answer);
        Assert.True(alone.Usage.CompletionTokens > 0);
        Assert.Empty(alone.Citations);
        Assert.Empty(alone.Route.Sources);
        Assert.DoesNotContain(alone.Timings, t => t.Stage is "route" or "search");
        Assert.Equal("FineTuned", spans.Strategy(alone.TraceId));

        // FINE_TUNED streamed: an empty passages event, then the model's deltas.
        var streamed = await StreamAsync(router, Ask("Who decoded the waggle dance?", Strategy.FineTuned, null), tenant);
        Assert.Empty(streamed.Passages);
        Assert.Equal(streamed.Summary.Answer, streamed.Answer);
        Assert.Equal("random-llama+style", streamed.Summary.Route.GenerationModel);

        // HYBRID: retrieval, then the fine-tuned model over the passages; any citation points at a passage given.
        var hybrid = await StreamAsync(router, Ask("Who decoded the waggle dance?", Strategy.Hybrid, null), tenant);
        Assert.Equal((Strategy.Hybrid, "random-llama+style"), (hybrid.Summary.Route.Strategy, hybrid.Summary.Route.GenerationModel));
        Assert.Contains(hybrid.Passages, p => p.Passage.DocumentId == "bees.md");
        Assert.Contains(hybrid.Summary.Timings, t => t.Stage == "search");
        Assert.False(hybrid.Summary.Extractive);
        Assert.Equal(hybrid.Summary.Answer, hybrid.Answer);
        Assert.All(hybrid.Summary.Citations, c => Assert.Contains(hybrid.Passages, p => p.Passage.ChunkId == c.ChunkId));

        // AUTO per the shipped policy: open-ended → FINE_TUNED, factoid → HYBRID, volatile → RAG (the extractive base).
        var open = await router.AskAsync(Ask("Why do honeybees dance?", Strategy.Auto), tenant, Deadline);
        Assert.Equal((Strategy.FineTuned, "random-llama+style"), (open.Route.Strategy, open.Route.GenerationModel));
        Assert.StartsWith("AUTO (auto-v1), rule open-ended:", open.Route.Reason);
        Assert.Equal("FineTuned", spans.Strategy(open.TraceId));
        Assert.StartsWith("AUTO (auto-v1), rule open-ended:", spans.Reason(open.TraceId));
        var factoid = await router.AskAsync(Ask("Where is the Rosetta Stone kept?", Strategy.Unspecified), tenant, Deadline);
        Assert.Equal((Strategy.Hybrid, "random-llama+style"), (factoid.Route.Strategy, factoid.Route.GenerationModel));
        Assert.StartsWith("AUTO (auto-v1), rule factoid-grounded:", factoid.Route.Reason);
        var latest = await router.AskAsync(Ask("Where is the Rosetta Stone kept now?", Strategy.Auto), tenant, Deadline);
        Assert.Equal(Strategy.Rag, latest.Route.Strategy);
        Assert.StartsWith("AUTO (auto-v1), rule volatile-question:", latest.Route.Reason);
        Assert.True(latest.Extractive);
        Assert.Equal("stone.md", latest.Citations[0].DocumentId);
        var hurried = await router.AskAsync(Ask("Where is the Rosetta Stone kept?", Strategy.Auto, TimeSpan.FromMilliseconds(300)), tenant, Deadline);
        Assert.Equal(Strategy.Rag, hurried.Route.Strategy);
        Assert.StartsWith("AUTO (auto-v1), rule tight-budget:", hurried.Route.Reason);

        // A named model that is not a registered fine-tuned one is refused for FINE_TUNED, naming the field.
        var named = Ask("Who decoded the waggle dance?", Strategy.FineTuned);
        named.GenerationModel = Base;
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => router.AskAsync(named, tenant, Deadline).ResponseAsync, "generation_model");
    }

    [Fact]
    public async Task With_nothing_registered_fine_tuned_and_hybrid_are_refused_and_auto_answers_with_retrieval()
    {
        await RegisterAsync("style", DateTime.UtcNow.AddHours(-1), tenant: "another-tenant");
        var host = await StartAsync();
        var router = new QueryRouterService.QueryRouterServiceClient(host.Channel);
        var tenant = ServiceHost.Tenant(Tenant);
        await IngestAsync(router);

        foreach (var strategy in new[] { Strategy.FineTuned, Strategy.Hybrid })
        {
            var error = await RpcAssert.FailsAsync(StatusCode.FailedPrecondition,
                () => router.AskAsync(Ask("Why do honeybees dance?", strategy), tenant, Deadline).ResponseAsync);
            Assert.Contains("needs a registered fine-tuned chat model", error.Status.Detail);
        }
        var auto = await router.AskAsync(Ask("Why do honeybees dance?", Strategy.Auto), tenant, Deadline);
        Assert.Equal(Strategy.Rag, auto.Route.Strategy);
        Assert.Contains("fine-tuned model none fresh", auto.Route.Reason);
        Assert.True(auto.Extractive);
    }

    [Fact]
    public async Task A_cached_answer_is_kept_to_its_strategy_and_to_the_registration_of_its_model()
    {
        await using var redis = await RedisServer.StartAsync(Path.Combine(root, "redis"));
        // With Redis configured, FineTuning keeps its jobs and registry there.
        var first = await RegisterAsync("style", DateTime.UtcNow.AddHours(-2), redis: redis.ConnectionString);
        var tenant = ServiceHost.Tenant(Tenant);
        const string question = "Who decoded the waggle dance?";

        var host = await StartAsync(redis.ConnectionString);
        var router = new QueryRouterService.QueryRouterServiceClient(host.Channel);
        await IngestAsync(router);
        Assert.Equal(CacheStatus.Miss, (await router.AskAsync(Ask(question, Strategy.Rag), tenant, Deadline)).CacheStatus);
        Assert.Equal(CacheStatus.HitExact, (await router.AskAsync(Ask(question, Strategy.Rag), tenant, Deadline)).CacheStatus);
        // RAG's cached answer is not HYBRID's.
        var hybrid = await router.AskAsync(Ask(question, Strategy.Hybrid), tenant, Deadline);
        Assert.Equal((CacheStatus.Miss, first.Name), (hybrid.CacheStatus, hybrid.Route.GenerationModel));
        Assert.False(hybrid.Extractive);
        var again = await router.AskAsync(Ask(question, Strategy.Hybrid), tenant, Deadline);
        Assert.Equal((CacheStatus.HitExact, hybrid.Answer), (again.CacheStatus, again.Answer));
        await host.DisposeAsync();
        owned.Remove(host);

        // A fresher model is registered (the answers cached in Redis outlive the restart).
        var second = await RegisterAsync("style2", DateTime.UtcNow.AddMinutes(-1), redis: redis.ConnectionString);
        host = await StartAsync(redis.ConnectionString);
        router = new QueryRouterService.QueryRouterServiceClient(host.Channel);
        var fresh = await router.AskAsync(Ask(question, Strategy.Hybrid), tenant, Deadline);
        Assert.Equal((CacheStatus.Miss, second.Name), (fresh.CacheStatus, fresh.Route.GenerationModel));
        Assert.Equal(CacheStatus.HitExact, (await router.AskAsync(Ask(question, Strategy.Rag), tenant, Deadline)).CacheStatus);
    }

    private sealed record Streamed(List<RetrievedPassage> Passages, string Answer, AskResponse Summary);

    private static async Task<Streamed> StreamAsync(QueryRouterService.QueryRouterServiceClient router, AskRequest request, Metadata tenant)
    {
        using var call = router.AskStream(request, tenant, Deadline);
        List<RetrievedPassage>? passages = null;
        var answer = "";
        AskResponse? summary = null;
        await foreach (var update in call.ResponseStream.ReadAllAsync())
        {
            switch (update.EventCase)
            {
                case AskStreamEvent.EventOneofCase.Passages: passages = [.. update.Passages.Passages_]; break;
                case AskStreamEvent.EventOneofCase.AnswerDelta: answer += update.AnswerDelta; break;
                case AskStreamEvent.EventOneofCase.Summary: summary = update.Summary; break;
            }
        }
        Assert.NotNull(passages); // passages come first, even when there are none
        Assert.NotNull(summary);
        return new Streamed(passages, answer, summary);
    }

    /// <summary>The strategy tags the router puts on each request's span, by trace id.</summary>
    private sealed class StrategySpans : IDisposable
    {
        private readonly ConcurrentDictionary<string, (string Strategy, string Reason)> byTrace = new();
        private readonly ActivityListener listener;

        public StrategySpans()
        {
            listener = new ActivityListener
            {
                ShouldListenTo = _ => true,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStopped = activity =>
                {
                    if (activity.GetTagItem("ragplatform.strategy") is string strategy)
                        byTrace[activity.TraceId.ToHexString()] = (strategy, activity.GetTagItem("ragplatform.strategy.reason") as string ?? "");
                },
            };
            ActivitySource.AddActivityListener(listener);
        }

        public string Strategy(string traceId) => Find(traceId).Strategy;
        public string Reason(string traceId) => Find(traceId).Reason;

        private (string Strategy, string Reason) Find(string traceId)
        {
            // The server's span stops just after the response is written: wait for it briefly.
            var until = DateTime.UtcNow.AddSeconds(10);
            while (!byTrace.ContainsKey(traceId) && DateTime.UtcNow < until) Thread.Sleep(10);
            return byTrace.TryGetValue(traceId, out var found) ? found : throw new Xunit.Sdk.XunitException($"no span of trace {traceId} has a strategy");
        }

        public void Dispose() => listener.Dispose();
    }
}
