using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Embedding.Extensions;
using RagPlatform.Tests.Infrastructure;
using Grpc.Core;

namespace RagPlatform.Tests.Component;

/// <summary>CountTokens agrees with what Embed reads: a text counted within max_tokens is never truncated.</summary>
public sealed class TokenCountTests(UseLiteWeights weights) : IClassFixture<UseLiteWeights>, IAsyncLifetime
{
    private ServiceHost host = null!;
    private EmbeddingService.EmbeddingServiceClient client = null!;

    public async Task InitializeAsync()
    {
        host = await ServiceHost.StartAsync(b => b.AddEmbeddingService(), a => a.MapEmbeddingService(),
            new Dictionary<string, string?> { ["Embedding:UseLite:ModelDirectory"] = weights.Location.Directory });
        client = new EmbeddingService.EmbeddingServiceClient(host.Channel);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Theory]
    [InlineData("use-lite", 128u)]
    [InlineData("hashing-v1", 512u)]
    public async Task Counts_match_embeds_token_counts_and_the_limit_is_where_truncation_starts(string model, uint maxTokens)
    {
        string[] texts =
        [
            "Tides are caused by the Moon.",
            "Ünïcödé façade, naïve café: déjà vu!",
            string.Join(' ', Enumerable.Range(0, 60).Select(i => $"word{i}")),
            string.Join(' ', Enumerable.Range(0, 700).Select(i => $"term{i}")),
        ];
        var counted = await client.CountTokensAsync(new CountTokensRequest { Model = model, Texts = { texts } });
        Assert.Equal(model, counted.Model);
        Assert.Equal(maxTokens, counted.MaxTokens);
        var embedded = await client.EmbedAsync(new EmbedRequest { Model = model, InputType = InputType.Document, Dense = true, Texts = { texts } });
        Assert.Equal(embedded.Embeddings.Select(e => e.TokenCount), counted.TokenCounts);
        Assert.Equal(embedded.Embeddings.Select(e => e.Truncated), counted.TokenCounts.Select(c => c > maxTokens));
        Assert.Contains(counted.TokenCounts, c => c > maxTokens);
        Assert.Contains(counted.TokenCounts, c => c <= maxTokens);
    }

    [Fact]
    public async Task Bad_requests_name_the_field()
    {
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => client.CountTokensAsync(new CountTokensRequest()).ResponseAsync, "texts");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument,
            () => client.CountTokensAsync(new CountTokensRequest { Texts = { "ok", new string('x', 70_000) } }).ResponseAsync, "texts[1]");
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => client.CountTokensAsync(new CountTokensRequest { Model = "nope", Texts = { "x" } }).ResponseAsync);
    }
}
