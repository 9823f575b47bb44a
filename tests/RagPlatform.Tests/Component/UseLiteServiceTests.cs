using System.Numerics.Tensors;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Embedding.Extensions;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

/// <summary>The embedding service with the USE-lite weights present: the sentence encoder is the default.</summary>
public sealed class UseLiteServiceTests(UseLiteWeights weights) : IClassFixture<UseLiteWeights>, IAsyncLifetime
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

    [Fact]
    public async Task Serves_use_lite_as_the_default_beside_hashing()
    {
        var models = (await client.ListModelsAsync(new ListModelsRequest())).Models.Select(m => m.Name);
        Assert.Equal(["hashing-v1", "use-lite"], models);
        var model = await client.GetModelInfoAsync(new GetModelInfoRequest());
        Assert.Equal("use-lite", model.Name);
        Assert.Equal("use-lite@0.2.0", model.EmbeddingSpace);
        Assert.Equal(512u, model.Dimension);
        Assert.Equal(128u, model.MaxTokens);
        Assert.Equal("local-encoder", model.Backend);
    }

    [Fact]
    public async Task Embeds_with_piece_counts_truncation_and_meaningful_distances()
    {
        var longText = string.Join(' ', Enumerable.Range(0, 200).Select(i => $"word{i}"));
        var response = await client.EmbedAsync(new EmbedRequest
        {
            Texts = { "what causes the tides", "The gravitational pull of the Moon causes the tides.", "Honeybees dance to share food.", longText },
            InputType = InputType.Document,
            Dense = true,
        });
        Assert.Equal("use-lite", response.Model);
        Assert.Equal("use-lite@0.2.0", response.EmbeddingSpace);
        var vectors = response.Embeddings.Select(e => e.Dense.ToArray()).ToList();
        Assert.All(vectors, v => Assert.Equal(512, v.Length));
        Assert.All(vectors, v => Assert.Equal(1f, TensorPrimitives.Norm(v), 4));
        Assert.Equal(weights.Encoder.Tokenize("what causes the tides").Count, (int)response.Embeddings[0].TokenCount);
        Assert.False(response.Embeddings[0].Truncated);
        Assert.True(response.Embeddings[3].TokenCount > 128, $"{response.Embeddings[3].TokenCount} pieces");
        Assert.True(response.Embeddings[3].Truncated);
        float related = TensorPrimitives.Dot(vectors[0], vectors[1]);
        float unrelated = TensorPrimitives.Dot(vectors[0], vectors[2]);
        Assert.True(related > unrelated + 0.2f, $"related {related}, unrelated {unrelated}");
    }

    [Fact]
    public async Task Without_weights_the_default_falls_back_to_hashing()
    {
        await using var bare = await ServiceHost.StartAsync(b => b.AddEmbeddingService(), a => a.MapEmbeddingService(),
            new Dictionary<string, string?> { ["Embedding:UseLite:ModelDirectory"] = Path.Combine(host.DataDirectory, "no-model-here") });
        var bareClient = new EmbeddingService.EmbeddingServiceClient(bare.Channel);
        Assert.Equal("hashing-v1", (await bareClient.GetModelInfoAsync(new GetModelInfoRequest())).Name);
        Assert.Equal(["hashing-v1"], (await bareClient.ListModelsAsync(new ListModelsRequest())).Models.Select(m => m.Name));
    }
}
