using System.ComponentModel.DataAnnotations;
using System.Numerics.Tensors;
using Microsoft.Extensions.Logging.Abstractions;
using RagPlatform.Embedding.Encoders.Remote;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.Tests.Infrastructure;
using static RagPlatform.Tests.Infrastructure.OpenAIEmbeddingReplies;

namespace RagPlatform.Tests.Unit;

/// <summary>What the remote encoder does around the provider's client: batches, cuts, checks, normalises, authenticates.</summary>
public sealed class RemoteEncoderTests
{
    private static RemoteModelOptions Options(ScriptedHttpServer server, string provider = RemoteProviders.OpenAICompatible) => new()
    {
        Provider = provider,
        Endpoint = provider == RemoteProviders.AzureOpenAI ? server.Address : new Uri(server.Address, "v1/"),
        Model = "scripted",
        Dimension = 2,
        MaxRetries = 0,
    };

    [Fact]
    public async Task Splits_batches_to_the_providers_limit_and_keeps_order_and_normalises()
    {
        // The "provider" answers each text with (length, 1): not unit length, and different per text.
        await using var server = await ScriptedHttpServer.StartAsync((request, _) => Success(request, text => [text.Length, 1f]));
        var options = Options(server);
        options.MaxBatch = 2;
        using var encoder = RemoteEncoderFactory.Create("remote-test", options, NullLoggerFactory.Instance);
        string[] texts = ["a", "bb", "ccc", "dddd", "eeeee"];

        var results = await encoder.EncodeAsync(texts, isQuery: false, CancellationToken.None);

        Assert.Equal([2, 2, 1], server.Requests.Select(r => Inputs(r).Count));
        Assert.Equal(texts, server.Requests.SelectMany(Inputs));
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(1f, TensorPrimitives.Norm(results[i].Vector), 5);
            Assert.Equal(texts[i].Length / MathF.Sqrt(texts[i].Length * texts[i].Length + 1), results[i].Vector[0], 5);
        }
        // The provider bills one token per character here; shared out, the counts add up to its bill.
        Assert.Equal(texts.Sum(t => t.Length), results.Sum(r => r.TokenCount));
    }

    [Fact]
    public async Task Cuts_texts_beyond_the_input_limit_and_says_so()
    {
        await using var server = await ScriptedHttpServer.StartAsync((request, _) => Success(request, _ => [1f, 0f]));
        var options = Options(server);
        options.MaxTokens = 4;
        using var encoder = RemoteEncoderFactory.Create("remote-test", options, NullLoggerFactory.Instance);
        var longText = new string('x', 100);

        var results = await encoder.EncodeAsync([longText, "short"], isQuery: false, CancellationToken.None);

        Assert.Equal(4 * RemoteDenseEncoder.CharactersPerToken, Inputs(server.Requests[0])[0].Length);
        Assert.True(results[0].Truncated);
        Assert.False(results[1].Truncated);
    }

    [Fact]
    public async Task A_vector_of_another_dimension_is_a_configuration_error()
    {
        await using var server = await ScriptedHttpServer.StartAsync((request, _) => Success(request, _ => [1f, 0f, 0f]));
        using var encoder = RemoteEncoderFactory.Create("remote-test", Options(server), NullLoggerFactory.Instance);

        var error = await Assert.ThrowsAsync<FailedPreconditionException>(() => encoder.EncodeAsync(["tides"], true, CancellationToken.None).AsTask());

        Assert.Contains("3-d", error.Message);
        Assert.Contains("Dimension is 2", error.Message);
    }

    [Fact]
    public async Task OpenAI_sends_the_key_as_a_bearer_token_to_the_embeddings_route()
    {
        await using var server = await ScriptedHttpServer.StartAsync((request, _) => Success(request, _ => [1f, 0f]));
        var options = Options(server, RemoteProviders.OpenAI);
        options.ApiKey = "sk-test-key";
        using var encoder = RemoteEncoderFactory.Create("remote-test", options, NullLoggerFactory.Instance);

        await encoder.EncodeAsync(["tides"], true, CancellationToken.None);

        var request = Assert.Single(server.Requests);
        Assert.Equal("/v1/embeddings", request.PathAndQuery);
        Assert.Equal("Bearer sk-test-key", request.Headers["Authorization"]);
        Assert.Contains("\"model\":\"scripted\"", request.Body);
    }

    [Fact]
    public async Task Azure_OpenAI_calls_the_deployment_with_an_api_key_header()
    {
        await using var server = await ScriptedHttpServer.StartAsync((request, _) => Success(request, _ => [0f, 2f]));
        var options = Options(server, RemoteProviders.AzureOpenAI);
        options.Model = "my-deployment";
        options.ApiKey = "azure-test-key";
        using var encoder = RemoteEncoderFactory.Create("remote-test", options, NullLoggerFactory.Instance);

        var results = await encoder.EncodeAsync(["tides"], true, CancellationToken.None);

        var request = Assert.Single(server.Requests);
        Assert.StartsWith("/openai/deployments/my-deployment/embeddings?api-version=", request.PathAndQuery);
        Assert.Equal("azure-test-key", request.Headers["api-key"]);
        Assert.Equal([0f, 1f], results[0].Vector);
        Assert.Equal("azure-openai", encoder.Backend);
    }

    [Theory]
    [InlineData("openai-compatible", null, null, "Endpoint")]
    [InlineData("azure-openai", "https://example.invalid/", null, "ApiKey")]
    [InlineData("openai", null, null, "ApiKey")]
    [InlineData("bedrock", "https://example.invalid/", "key", "Provider")]
    public void Incomplete_configuration_is_refused(string provider, string? endpoint, string? apiKey, string field)
    {
        var options = new RemoteModelOptions
        {
            Provider = provider, Endpoint = endpoint is null ? null : new Uri(endpoint), ApiKey = apiKey, Model = "m", Dimension = 8,
        };
        var errors = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true));
        Assert.Contains(errors, e => e.MemberNames.Contains(field));
    }
}
