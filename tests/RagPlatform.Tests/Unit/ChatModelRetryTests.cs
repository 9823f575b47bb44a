using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using RagPlatform.Generation.Backends;
using RagPlatform.Generation.Models;
using RagPlatform.Generation.Prompting;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.Tests.Infrastructure;
using static RagPlatform.Tests.Infrastructure.OpenAIChatReplies;

namespace RagPlatform.Tests.Unit;

/// <summary>
/// Our retry policy for chat models against a provider that answers 429 and 5xx, played by a local
/// HTTP server: retried before the first token, never after it.
/// </summary>
public sealed class ChatModelRetryTests
{
    private static readonly ChatCall Call = new([new PromptMessage(PromptRole.User, "Why?")], 16, null, null, null);

    private static ChatModelOptions Options(ScriptedHttpServer server) => new()
    {
        Provider = ChatProviders.OpenAICompatible,
        Endpoint = new Uri(server.Address, "v1/"),
        Model = "scripted",
        MaxRetries = 2,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        Timeout = TimeSpan.FromSeconds(10),
    };

    private static async Task<(string Text, ChatCompletion Completion)> StreamAsync(ScriptedHttpServer server, ChatModelOptions? options = null)
    {
        var caller = new ChatModelCaller(new ChatServiceFactory(NullLoggerFactory.Instance), NullLogger<ChatModelCaller>.Instance);
        var text = new System.Text.StringBuilder();
        var completion = await caller.StreamAsync("scripted", options ?? Options(server), null, Call, piece =>
        {
            text.Append(piece);
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        return (text.ToString(), completion);
    }

    [Fact]
    public async Task Streams_the_pieces_with_usage_and_finish_reason()
    {
        await using var server = await ScriptedHttpServer.StartAsync(Stream(["The moon", " pulls [1]."], promptTokens: 21));
        var (text, completion) = await StreamAsync(server);
        Assert.Equal("The moon pulls [1].", text);
        Assert.Equal((21, 2), (completion.PromptTokens, completion.CompletionTokens));
        Assert.Equal("stop", completion.FinishReason, ignoreCase: true);
        Assert.Equal(1, completion.Attempts);
        Assert.Contains("\"stream\":true", Assert.Single(server.Requests).Body.Replace(" ", ""));
    }

    [Fact]
    public async Task Rate_limits_and_server_errors_before_the_first_token_are_retried()
    {
        await using var server = await ScriptedHttpServer.StartAsync(
            Error(429, "Rate limit reached", "rate_limit_exceeded"), Error(503, "overloaded"), Stream(["fine"]));
        var (text, completion) = await StreamAsync(server);
        Assert.Equal("fine", text);
        Assert.Equal(3, completion.Attempts);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task A_request_the_provider_refuses_is_not_retried_and_keeps_its_cause()
    {
        await using var server = await ScriptedHttpServer.StartAsync(Error(400, "the request exceeds the available context size", "exceed_context_size_error"));
        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => StreamAsync(server));
        Assert.Contains("exceeds the available context size", error.Message);
        Assert.Contains("HTTP 400", error.Message);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task A_spent_quota_is_resource_exhausted_at_once()
    {
        await using var server = await ScriptedHttpServer.StartAsync(Error(429, "You exceeded your current quota", "insufficient_quota"));
        var error = await Assert.ThrowsAsync<ResourceExhaustedException>(() => StreamAsync(server));
        Assert.Equal(StatusCode.ResourceExhausted, error.Code);
        Assert.Contains("exceeded your current quota", error.Message);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task A_stream_cut_off_after_text_arrived_is_unavailable_and_not_sent_again()
    {
        await using var server = await ScriptedHttpServer.StartAsync(Stream(["half an ans"], finishReason: null, done: false));
        var error = await Assert.ThrowsAsync<UnavailableException>(() => StreamAsync(server));
        Assert.Contains("broke off mid-answer", error.Message);
        Assert.Single(server.Requests); // text had reached the caller: a retry would repeat it
    }

    [Fact]
    public async Task Server_errors_that_outlast_the_retries_are_unavailable()
    {
        await using var server = await ScriptedHttpServer.StartAsync(Error(502, "bad gateway"));
        var error = await Assert.ThrowsAsync<UnavailableException>(() => StreamAsync(server));
        Assert.Contains("HTTP 502", error.Message);
        Assert.Contains("3 attempts", error.Message);
        Assert.Equal(3, server.Requests.Count);
    }
}
