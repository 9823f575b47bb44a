using Grpc.Core;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Embedding.Extensions;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Integration;

/// <summary>
/// A llama-server that goes away mid-test, killed or frozen: the Embedding service answers
/// UNAVAILABLE within its retry budget instead of hanging until the caller's deadline.
/// Each test starts its own server, since it breaks it.
/// </summary>
public sealed class LlamaOutageTests
{
    private static readonly EmbedRequest Request = new() { Model = "llama", Texts = { "the moon pulls the sea" }, InputType = InputType.Query, Dense = true };

    private static readonly Dictionary<string, string> FastFailure = new()
    {
        ["Timeout"] = "00:00:03", // generous: the first call must succeed on a busy machine
        ["MaxRetries"] = "1",
        ["RetryBaseDelay"] = "00:00:00.100",
    };

    // Far beyond the retry budget (about 6 s): reaching it would mean the call hung.
    private static DateTime Deadline => DateTime.UtcNow.AddSeconds(30);

    [Fact]
    public async Task A_killed_server_is_unavailable_not_a_hang()
    {
        await using var server = await LlamaServer.StartAsync(LlamaEmbeddingServerFixture.EmbeddingArguments);
        await using var host = await ServiceHost.StartAsync(b => b.AddEmbeddingService(), a => a.MapEmbeddingService(),
            LlamaRemoteModel.Settings("llama", server, await server.EmbeddingDimensionAsync(), FastFailure));
        var client = new EmbeddingService.EmbeddingServiceClient(host.Channel);
        Assert.NotEmpty((await client.EmbedAsync(Request)).Embeddings[0].Dense);

        await server.StopAsync();

        var error = await RpcAssert.FailsAsync(StatusCode.Unavailable, () => client.EmbedAsync(Request, deadline: Deadline).ResponseAsync);
        Assert.Contains("'llama' is unreachable", error.Status.Detail);
    }

    [Fact]
    public async Task A_frozen_server_is_unavailable_after_the_timeout_and_serves_again_once_it_resumes()
    {
        await using var server = await LlamaServer.StartAsync(LlamaEmbeddingServerFixture.EmbeddingArguments);
        await using var host = await ServiceHost.StartAsync(b => b.AddEmbeddingService(), a => a.MapEmbeddingService(),
            LlamaRemoteModel.Settings("llama", server, await server.EmbeddingDimensionAsync(), FastFailure));
        var client = new EmbeddingService.EmbeddingServiceClient(host.Channel);
        var before = (await client.EmbedAsync(Request)).Embeddings[0].Dense;

        server.Pause();
        var error = await RpcAssert.FailsAsync(StatusCode.Unavailable, () => client.EmbedAsync(Request, deadline: Deadline).ResponseAsync);
        server.Resume();

        Assert.Contains("'llama' did not answer", error.Status.Detail);
        Assert.Equal(before, (await client.EmbedAsync(Request, deadline: Deadline)).Embeddings[0].Dense);
    }
}
