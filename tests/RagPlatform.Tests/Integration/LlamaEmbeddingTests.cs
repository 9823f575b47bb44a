using System.Collections.Concurrent;
using System.Diagnostics;
using System.Numerics.Tensors;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Embedding.Extensions;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Integration;

/// <summary>The OpenAI-compatible backend against a real llama-server (random-weight GGUF, mean pooling).</summary>
public sealed class LlamaEmbeddingTests(LlamaEmbeddingServerFixture llama) : IClassFixture<LlamaEmbeddingServerFixture>
{
    [Fact]
    public async Task Embeds_a_batch_larger_than_the_providers_limit_into_unit_vectors_of_the_servers_dimension()
    {
        int dimension = await llama.Server.EmbeddingDimensionAsync();
        // A model name of its own, so that the spans counted below are this test's alone.
        var providerModel = "random-llama-" + Guid.NewGuid().ToString("N")[..8];
        await using var host = await ServiceHost.StartAsync(b => b.AddEmbeddingService(), a => a.MapEmbeddingService(),
            LlamaRemoteModel.Settings("llama", llama.Server, dimension,
                new Dictionary<string, string> { ["MaxBatch"] = "2", ["Model"] = providerModel }));
        var client = new EmbeddingService.EmbeddingServiceClient(host.Channel);
        using var requests = new ProviderRequestCounter(providerModel);
        string[] texts = ["the moon pulls the sea", "tides rise twice a day", "bees make honey", "honey keeps for years", "the moon pulls the sea"];

        var response = await client.EmbedAsync(new EmbedRequest { Model = "llama", Texts = { texts }, InputType = InputType.Document, Dense = true });

        Assert.Equal("llama", response.Model);
        Assert.Equal((uint)dimension, response.Dimension);
        Assert.Equal(texts.Length, response.Embeddings.Count);
        Assert.Equal(3, requests.Count); // five texts, at most two a request
        foreach (var embedding in response.Embeddings)
        {
            Assert.Equal(dimension, embedding.Dense.Count);
            Assert.Equal(1f, TensorPrimitives.Norm(embedding.Dense.ToArray()), 4);
            Assert.True(embedding.TokenCount > 0);
        }
        // The same text, in the first batch and in the last, and again in a later call: one vector.
        Assert.Equal(response.Embeddings[0].Dense, response.Embeddings[4].Dense);
        var again = await client.EmbedAsync(new EmbedRequest { Model = "llama", Texts = { texts[0] }, InputType = InputType.Query, Dense = true });
        Assert.Equal(response.Embeddings[0].Dense, again.Embeddings[0].Dense);
        Assert.NotEqual(response.Embeddings[0].Dense, response.Embeddings[2].Dense);
        Assert.Equal(response.Usage.TotalTokens, (uint)response.Embeddings.Sum(e => e.TokenCount));
    }

    [Fact]
    public async Task The_remote_model_is_listed_beside_the_local_one()
    {
        int dimension = await llama.Server.EmbeddingDimensionAsync();
        await using var host = await ServiceHost.StartAsync(b => b.AddEmbeddingService(), a => a.MapEmbeddingService(),
            LlamaRemoteModel.Settings("llama", llama.Server, dimension, new Dictionary<string, string> { ["EmbeddingSpace"] = "llama-space" }));
        var client = new EmbeddingService.EmbeddingServiceClient(host.Channel);

        var models = (await client.ListModelsAsync(new ListModelsRequest())).Models;

        // The local encoders are listed too: hashing-v1 always, use-lite where its weights are installed.
        string[] local = RagPlatform.Embedding.Encoders.UseLite.UseLiteModelLocation.Resolve(null).IsPresent ? ["hashing-v1", "use-lite"] : ["hashing-v1"];
        Assert.Equal(local.Append("llama").Order(StringComparer.Ordinal), models.Select(m => m.Name));
        var remote = models.Single(m => m.Name == "llama");
        Assert.Equal("openai-compatible", remote.Backend);
        Assert.Equal("llama-space", remote.EmbeddingSpace);
        Assert.Equal((uint)dimension, remote.Dimension);
    }

    /// <summary>
    /// Counts the gen_ai spans our embedding pipeline opens for one provider model: one per request
    /// to the provider (retries happen inside a span, and none happen here).
    /// </summary>
    private sealed class ProviderRequestCounter : IDisposable
    {
        private readonly ActivityListener listener;
        private readonly ConcurrentBag<Activity> spans = [];

        public ProviderRequestCounter(string providerModel)
        {
            listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "RagPlatform.Embedding",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity =>
                {
                    if (activity.GetTagItem("gen_ai.request.model") as string == providerModel)
                        spans.Add(activity);
                },
            };
            ActivitySource.AddActivityListener(listener);
        }

        public int Count => spans.Count;

        public void Dispose() => listener.Dispose();
    }
}
