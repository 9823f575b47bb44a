using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Grpc.Core;
using RagPlatform.Contracts.Generation.V1;
using RagPlatform.Generation.Extensions;
using RagPlatform.Generation.Local;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Integration;

/// <summary>
/// A chat model's server that freezes, dies mid-answer, or is a child process of the service:
/// each test starts its own llama-server, since it breaks it.
/// </summary>
public sealed class LlamaGenerationOutageTests
{
    private static GenerateRequest Request(uint maxTokens) => new()
    {
        Question = "Why do tides rise?",
        Model = "llama",
        Passages = { new Passage { Id = "a#0", Text = "The moon pulls the sea." } },
        Parameters = new GenerationParameters { MaxTokens = maxTokens },
    };

    private static Task<ServiceHost> StartAsync(Dictionary<string, string?> settings) =>
        ServiceHost.StartAsync(b => b.AddGenerationService(), a => a.MapGenerationService(), settings);

    [Fact]
    public async Task A_deadline_ends_the_call_and_the_model_request_with_it()
    {
        await using var server = await LlamaServer.StartAsync(LlamaChatServerFixture.ChatArguments);
        await using var host = await StartAsync(LlamaChatModel.Settings("llama", server));
        var client = new GenerationService.GenerationServiceClient(host.Channel);

        server.Pause(); // accepts the connection, answers nothing
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RpcException>(() => client.GenerateAsync(Request(8), deadline: DateTime.UtcNow.AddSeconds(2)).ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the call took {clock.Elapsed}");
        server.Resume();

        // The abandoned request left the one slot free: the next answer is not queued behind it.
        var response = await client.GenerateAsync(Request(4), deadline: DateTime.UtcNow.AddSeconds(60));
        Assert.Equal(4u, response.Usage.CompletionTokens);
    }

    [Fact]
    public async Task A_server_that_dies_mid_stream_is_unavailable_not_a_hang()
    {
        await using var server = await LlamaServer.StartAsync(LlamaChatServerFixture.ChatArguments);
        await using var host = await StartAsync(LlamaChatModel.Settings("llama", server));
        var client = new GenerationService.GenerationServiceClient(host.Channel);

        using var call = client.GenerateStream(Request(64), deadline: DateTime.UtcNow.AddSeconds(60));
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(GenerateStreamEvent.EventOneofCase.Delta, call.ResponseStream.Current.EventCase);
        server.Pause(); // mid-answer for certain: it writes nothing more
        await server.StopAsync();

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RpcException>(async () => { while (await call.ResponseStream.MoveNext(CancellationToken.None)) { } });
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("chat model 'llama' broke off mid-answer", error.Status.Detail);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the failure took {clock.Elapsed} to arrive");
    }

    [Fact]
    public async Task A_server_that_is_down_before_answering_is_unavailable()
    {
        await using var server = await LlamaServer.StartAsync(LlamaChatServerFixture.ChatArguments);
        await using var host = await StartAsync(LlamaChatModel.Settings("llama", server));
        var client = new GenerationService.GenerationServiceClient(host.Channel);
        await server.StopAsync();

        var error = await RpcAssert.FailsAsync(StatusCode.Unavailable,
            () => client.GenerateAsync(Request(4), deadline: DateTime.UtcNow.AddSeconds(60)).ResponseAsync);
        Assert.Contains("chat model 'llama' is unreachable", error.Status.Detail);
        Assert.Contains("2 attempts", error.Status.Detail); // retried once: nothing had been answered
    }

    [Fact]
    public async Task A_local_gguf_is_served_on_demand_restarted_after_a_crash_and_stopped_when_idle()
    {
        var settings = LlamaChatModel.Local("local", "--parallel 1 --ignore-eos");
        settings["Generation:LocalModelIdleTimeout"] = "00:00:03";
        await using var host = await StartAsync(settings);
        var client = new GenerationService.GenerationServiceClient(host.Channel);
        var servers = host.Services.GetRequiredService<LocalModelHost>();
        var request = Request(4);
        request.Model = "local";
        var deadline = () => DateTime.UtcNow.AddSeconds(120);

        Assert.Empty(servers.Running); // nothing starts before it is needed
        Assert.Equal(4u, (await client.GenerateAsync(request, deadline: deadline())).Usage.CompletionTokens);
        int first = Assert.Single(servers.Running).Value;

        using (var crashed = Process.GetProcessById(first))
        {
            crashed.Kill();
            await crashed.WaitForExitAsync();
        }
        Assert.Equal(4u, (await client.GenerateAsync(request, deadline: deadline())).Usage.CompletionTokens);
        int second = Assert.Single(servers.Running).Value;
        Assert.NotEqual(first, second);

        // Idle for 3 s: stopped, and its process gone.
        await WaitUntilAsync(() => servers.Running.Count == 0 && !Exists(second), TimeSpan.FromSeconds(60));
        Assert.Equal(4u, (await client.GenerateAsync(request, deadline: deadline())).Usage.CompletionTokens); // and back on demand
    }

    private static bool Exists(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, $"not so within {timeout}");
            await Task.Delay(50);
        }
    }
}
