using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Grpc.Core;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Generation.V1;
using RagPlatform.Generation.Extensions;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Integration;

/// <summary>
/// The Generation service answering through the real gRPC stack with a real llama-server behind it
/// (random weights: the text is nonsense, the mechanics are real).
/// </summary>
public sealed class LlamaGenerationTests(LlamaChatServerFixture llama) : IClassFixture<LlamaChatServerFixture>, IAsyncLifetime
{
    private ServiceHost host = null!;
    private GenerationService.GenerationServiceClient client = null!;

    public async Task InitializeAsync()
    {
        host = await ServiceHost.StartAsync(b => b.AddGenerationService(), a => a.MapGenerationService(), LlamaChatModel.Merge(
            LlamaChatModel.Settings("llama", llama.Server),
            // Claims a window eight times the server's: the server, not our trimming, has the last word.
            LlamaChatModel.Settings("llama-overstated", llama.Server, new Dictionary<string, string> { ["ContextTokens"] = "16384" })));
        // "llama-overstated" also serves long answers: the server shifts its window rather than stop.
        client = new GenerationService.GenerationServiceClient(host.Channel);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    private static DateTime Deadline => DateTime.UtcNow.AddSeconds(60);

    private static GenerateRequest Request(string model = "llama", uint maxTokens = 0) => new()
    {
        Question = "Where has the stone been kept?",
        Model = model,
        Passages =
        {
            new Passage { Id = "a#0", Title = "Rosetta", Text = "The stone was found in 1799." },
            new Passage { Id = "b#0", Text = "It has been kept in the British Museum since 1802." },
        },
        Parameters = new GenerationParameters { MaxTokens = maxTokens, Temperature = 0, Seed = 7 },
    };

    [Fact]
    public async Task Answers_with_the_model_reporting_usage_and_time_to_first_token()
    {
        var response = await client.GenerateAsync(Request(maxTokens: 12), deadline: Deadline);

        Assert.Equal(AnswerKind.Generative, response.Kind);
        Assert.Equal("llama", response.Model);
        Assert.NotEmpty(response.Answer);
        Assert.Equal("grounded-v1", response.PromptVersion);
        Assert.Equal(12u, response.Usage.CompletionTokens); // end-of-sequence is ignored: exactly as many as asked
        Assert.Equal(FinishReason.Length, response.FinishReason);
        Assert.True(response.Usage.PromptTokens > 50, $"{response.Usage.PromptTokens} prompt tokens for instructions and two passages");
        Assert.Equal(response.Usage.PromptTokens + response.Usage.CompletionTokens, response.Usage.TotalTokens);
        Assert.True(response.TimeToFirstToken.ToTimeSpan() > TimeSpan.Zero);
        Assert.Equal(0u, response.TrimmedPassages);
    }

    [Fact]
    public async Task Streams_token_deltas_that_add_up_to_the_final_answer()
    {
        using var call = client.GenerateStream(Request(maxTokens: 16), deadline: Deadline);
        var deltas = new List<string>();
        GenerateResponse? final = null;
        await foreach (var update in call.ResponseStream.ReadAllAsync())
        {
            if (update.EventCase == GenerateStreamEvent.EventOneofCase.Delta) deltas.Add(update.Delta);
            else final = update.Final;
        }
        Assert.NotNull(final);
        Assert.True(deltas.Count > 1, $"{deltas.Count} deltas: the answer should arrive token by token");
        Assert.Equal(final.Answer, string.Concat(deltas));
        Assert.Equal(16u, final.Usage.CompletionTokens);
    }

    [Fact]
    public async Task The_model_span_carries_the_GenAI_conventions()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "RagPlatform.Generation",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var request = Request(maxTokens: 8);
        request.Question = "A question only this test asks?";

        var response = await client.GenerateAsync(request, deadline: Deadline);

        var span = Assert.Single(spans, s => s.DisplayName == "chat llama" && s.GetTagItem("ragplatform.generation.passages") is 2
            && (int?)s.GetTagItem("gen_ai.usage.output_tokens") == 8);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("chat", span.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("llama", span.GetTagItem("gen_ai.request.model"));
        Assert.Equal("openai", span.GetTagItem("gen_ai.provider.name"));
        Assert.Equal("openai", span.GetTagItem("gen_ai.system"));
        Assert.Equal((int)response.Usage.PromptTokens, span.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.True((double)span.GetTagItem("ragplatform.generation.time_to_first_token_ms")! > 0);
        Assert.Equal("127.0.0.1", span.GetTagItem("server.address"));
    }

    [Fact]
    public async Task Lists_the_configured_models_beside_the_extractive_answerer()
    {
        var models = (await client.ListModelsAsync(new ListModelsRequest())).Models;
        Assert.Equal(["extractive", "llama", "llama-overstated"], models.Select(m => m.Name));
        var llamaModel = await client.GetModelAsync(new GetModelRequest { Name = "llama" });
        Assert.Equal(ModelKind.Chat, llamaModel.Kind);
        Assert.Equal("openai-compatible", llamaModel.Backend);
        Assert.Equal(llama.Server.OpenAIEndpoint.ToString(), llamaModel.Endpoint);
        Assert.Equal((uint)LlamaChatServerFixture.ContextTokens, llamaModel.MaxTokens);

        var page = await client.ListModelsAsync(new ListModelsRequest { PageSize = 2 });
        Assert.Equal(["extractive", "llama"], page.Models.Select(m => m.Name));
        var rest = await client.ListModelsAsync(new ListModelsRequest { PageSize = 2, PageToken = page.NextPageToken });
        Assert.Equal(["llama-overstated"], rest.Models.Select(m => m.Name));
        Assert.Empty(rest.NextPageToken);
    }

    [Fact]
    public async Task Unknown_models_and_empty_questions_are_refused()
    {
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => client.GenerateAsync(Request(model: "gpt-nothing")).ResponseAsync);
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => client.GetModelAsync(new GetModelRequest { Name = "gpt-nothing" }).ResponseAsync);
        var empty = Request();
        empty.Question = "  ";
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => client.GenerateAsync(empty).ResponseAsync, "question");
    }

    /// <summary>Passages of about 150 tokens each, eight of them, for a 256-token window.</summary>
    private static GenerateRequest Oversized(string model)
    {
        var request = Request(model, maxTokens: 8);
        request.Passages.Clear();
        for (int i = 0; i < 8; i++)
            request.Passages.Add(new Passage { Id = $"long#{i}", Text = string.Join(' ', Enumerable.Repeat($"tide{i} moon sea", 40)) });
        return request;
    }

    [Fact]
    public async Task More_context_than_fits_is_trimmed_and_reported_not_an_error()
    {
        var response = await client.GenerateAsync(Oversized("llama"), deadline: Deadline);
        Assert.True(response.TrimmedPassages is >= 7 and <= 8, $"{response.TrimmedPassages} passages trimmed");
        Assert.True(response.Usage.PromptTokens <= LlamaChatServerFixture.ContextTokens - 8, $"{response.Usage.PromptTokens} prompt tokens");
        Assert.Equal(8u, response.Usage.CompletionTokens);
    }

    [Fact]
    public async Task A_request_the_server_refuses_is_passed_on_with_its_status_and_cause()
    {
        // Believing the window is 16,384 tokens, nothing is trimmed; the server's 256 refuse it.
        var error = await RpcAssert.FailsAsync(StatusCode.InvalidArgument,
            () => client.GenerateAsync(Oversized("llama-overstated"), deadline: Deadline).ResponseAsync, "question");
        Assert.Contains("chat model 'llama-overstated' refused the request (HTTP 400", error.Status.Detail);
        Assert.Contains("context", error.Status.Detail);
    }

    [Fact]
    public async Task Cancelling_mid_stream_stops_the_model_call()
    {
        using var cancel = new CancellationTokenSource();
        // 1,500 tokens take the server far longer than the test needs to cancel after the first.
        using var call = client.GenerateStream(Request("llama-overstated", maxTokens: 1500), deadline: Deadline, cancellationToken: cancel.Token);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(GenerateStreamEvent.EventOneofCase.Delta, call.ResponseStream.Current.EventCase);
        var clock = Stopwatch.StartNew();
        cancel.Cancel();

        var error = await Assert.ThrowsAsync<RpcException>(async () => { while (await call.ResponseStream.MoveNext(CancellationToken.None)) { } });
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);

        // The server notices the dropped connection and frees its only slot well before 1,500 tokens.
        var slot = await WaitForIdleSlotAsync();
        Assert.True(slot.Decoded < 1500, $"the server went on to decode {slot.Decoded} tokens");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the slot was busy for {clock.Elapsed} after the cancel");
        // And the next call is served at once, not queued behind an abandoned one.
        Assert.Equal(4u, (await client.GenerateAsync(Request(maxTokens: 4), deadline: Deadline)).Usage.CompletionTokens);
    }

    private async Task<(bool Idle, int Decoded)> WaitForIdleSlotAsync()
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var slot = (await llama.Server.GetJsonAsync("slots"))[0];
            bool busy = slot.GetProperty("is_processing").GetBoolean();
            int decoded = slot.TryGetProperty("next_token", out var next) && next.ValueKind == JsonValueKind.Array
                ? next[0].GetProperty("n_decoded").GetInt32()
                : next.ValueKind == JsonValueKind.Object ? next.GetProperty("n_decoded").GetInt32() : 0;
            if (!busy || DateTime.UtcNow > until)
                return (!busy, decoded);
            await Task.Delay(50);
        }
    }
}
