using Grpc.Core;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Embedding.Extensions;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

public sealed class EmbeddingServiceTests : IAsyncLifetime
{
    private ServiceHost host = null!;
    private EmbeddingService.EmbeddingServiceClient client = null!;

    public async Task InitializeAsync()
    {
        // Hashing-specific facts are asserted here; the sentence encoder has its own tests.
        host = await ServiceHost.StartAsync(b => b.AddEmbeddingService(), a => a.MapEmbeddingService(),
            new Dictionary<string, string?>
            {
                ["Embedding:MaxTextsPerRequest"] = "4",
                ["Embedding:MaxCharactersPerText"] = "100",
                ["Embedding:DefaultModel"] = "hashing-v1",
                ["Embedding:UseLite:ModelDirectory"] = Path.Combine(Path.GetTempPath(), "ragplatform-no-model-" + Guid.NewGuid().ToString("N")),
            });
        client = new EmbeddingService.EmbeddingServiceClient(host.Channel);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Embeds_dense_and_sparse_with_token_counts_and_the_model_space()
    {
        var response = await client.EmbedAsync(new EmbedRequest { Texts = { "tides and the moon", "bees" }, InputType = InputType.Document });
        Assert.Equal(2, response.Embeddings.Count);
        Assert.Equal("hashing-v1", response.Model);
        Assert.Equal("hashing-v1", response.EmbeddingSpace);
        Assert.All(response.Embeddings, e => Assert.Equal((int)response.Dimension, e.Dense.Count));
        // "and" and "the" are stop words: two terms, tide and moon.
        Assert.Equal(2u, response.Embeddings[0].TokenCount);
        Assert.Equal(2u, response.Embeddings[0].SparseLength);
        Assert.Equal(2, response.Embeddings[0].Sparse.Indices.Count);
        Assert.Equal(3u, response.Usage.TotalTokens);

        var sparseOnly = await client.EmbedAsync(new EmbedRequest { Texts = { "tides" }, InputType = InputType.Query, Sparse = true });
        Assert.Empty(sparseOnly.Embeddings[0].Dense);
        Assert.Equal([1f], sparseOnly.Embeddings[0].Sparse.Values);
    }

    [Fact]
    public async Task Describes_its_models()
    {
        var model = await client.GetModelInfoAsync(new GetModelInfoRequest());
        Assert.Equal("hashing-v1", model.Name);
        Assert.Equal(384u, model.Dimension);
        Assert.Equal(512u, model.MaxTokens);
        Assert.Single((await client.ListModelsAsync(new ListModelsRequest())).Models);
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => client.GetModelInfoAsync(new GetModelInfoRequest { Model = "nope" }).ResponseAsync);
    }

    [Fact]
    public async Task Bad_input_names_the_field()
    {
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument,
            () => client.EmbedAsync(new EmbedRequest { InputType = InputType.Query }).ResponseAsync, "texts");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument,
            () => client.EmbedAsync(new EmbedRequest { Texts = { "a", "b", "c", "d", "e" }, InputType = InputType.Query }).ResponseAsync, "texts");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument,
            () => client.EmbedAsync(new EmbedRequest { Texts = { "ok", new string('x', 101) }, InputType = InputType.Query }).ResponseAsync, "texts[1]");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument,
            () => client.EmbedAsync(new EmbedRequest { Texts = { "ok" } }).ResponseAsync, "input_type");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument,
            () => client.EmbedAsync(new EmbedRequest { Texts = { "ok" }, InputType = InputType.Query }, ServiceHost.Tenant("Bad Tenant!")).ResponseAsync,
            "metadata.x-tenant-id");
    }
}
