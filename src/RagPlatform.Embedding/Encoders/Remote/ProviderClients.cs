using System.ClientModel;
using System.ClientModel.Primitives;
using Azure.AI.OpenAI;
using Microsoft.Extensions.AI;
using OpenAI;

namespace RagPlatform.Embedding.Encoders.Remote;

/// <summary>The provider's own client, seen through Microsoft.Extensions.AI's embedding abstraction.</summary>
public static class ProviderClients
{
    // OpenAI-compatible servers that need no key (a local llama-server, Ollama) still get a bearer
    // token, because the OpenAI client refuses to run without a credential.
    private const string NoKey = "no-key";

    public static IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddingGenerator(RemoteModelOptions model)
    {
        var apiKey = new ApiKeyCredential(string.IsNullOrWhiteSpace(model.ApiKey) ? NoKey : model.ApiKey);
        if (model.Provider == RemoteProviders.AzureOpenAI)
        {
            var azureOptions = new AzureOpenAIClientOptions();
            DisableClientRetries(azureOptions, model);
            return new AzureOpenAIClient(model.Endpoint!, apiKey, azureOptions).GetEmbeddingClient(model.Model).AsIEmbeddingGenerator();
        }
        var options = new OpenAIClientOptions();
        if (model.Endpoint is not null)
            options.Endpoint = model.Endpoint;
        DisableClientRetries(options, model);
        return new OpenAIClient(apiKey, options).GetEmbeddingClient(model.Model).AsIEmbeddingGenerator();
    }

    /// <summary>
    /// Retries and timeouts are ours (<see cref="RetryingEmbeddingGenerator"/>), so that they follow the
    /// model's configuration and end in a clear error; the client's own would retry underneath them.
    /// </summary>
    private static void DisableClientRetries(ClientPipelineOptions options, RemoteModelOptions model)
    {
        options.RetryPolicy = new ClientRetryPolicy(maxRetries: 0);
        // Our per-request timeout fires first; this only keeps the client from giving up earlier.
        options.NetworkTimeout = model.Timeout + TimeSpan.FromSeconds(5);
    }
}
