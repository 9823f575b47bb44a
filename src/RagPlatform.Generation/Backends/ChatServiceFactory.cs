using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Azure.AI.OpenAI;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using OpenAI;
using RagPlatform.Generation.Models;

namespace RagPlatform.Generation.Backends;

/// <summary>
/// Semantic Kernel chat completion services, one per model, endpoint, remote model id and key (tenants
/// may register fine-tuned models of one name, and a name may be registered again), built on the provider's
/// own client: OpenAI's for OpenAI and every OpenAI-compatible server, Azure's (an OpenAI client
/// too) for Azure OpenAI deployments.
/// </summary>
public sealed class ChatServiceFactory(ILoggerFactory loggers)
{
    // OpenAI-compatible servers that need no key (a local llama-server, Ollama) still get a bearer
    // token, because the OpenAI client refuses to run without a credential.
    private const string NoKey = "no-key";

    private readonly ConcurrentDictionary<(string Name, Uri? Endpoint, string? Model, string? Key), IChatCompletionService> services = new();

    /// <summary>The service for <paramref name="model"/>, at <paramref name="endpoint"/> when given (a local server's current address).</summary>
    public IChatCompletionService Get(string name, ChatModelOptions model, Uri? endpoint = null) =>
        services.GetOrAdd((name, endpoint ?? model.Endpoint, model.Model, model.ApiKey), key => Create(model, key.Endpoint));

    private IChatCompletionService Create(ChatModelOptions model, Uri? endpoint)
    {
        var key = new ApiKeyCredential(string.IsNullOrWhiteSpace(model.ApiKey) ? NoKey : model.ApiKey);
        if (model.Provider == ChatProviders.AzureOpenAI)
        {
            var azureOptions = new AzureOpenAIClientOptions();
            DisableClientRetries(azureOptions, model);
            return new OpenAIChatCompletionService(model.Model, new AzureOpenAIClient(endpoint!, key, azureOptions), loggers);
        }
        var options = new OpenAIClientOptions();
        if (endpoint is not null)
            options.Endpoint = endpoint;
        DisableClientRetries(options, model);
        return new OpenAIChatCompletionService(string.IsNullOrEmpty(model.Model) ? "local" : model.Model, new OpenAIClient(key, options), loggers);
    }

    /// <summary>
    /// Retries are ours (<see cref="ChatModelCaller"/>): only before the first token, and never under
    /// a caller's deadline; the client's own would retry a stream that had already begun.
    /// </summary>
    private static void DisableClientRetries(ClientPipelineOptions options, ChatModelOptions model)
    {
        options.RetryPolicy = new ClientRetryPolicy(maxRetries: 0);
        // A whole answer may take far longer than one token; our per-token timeout guards silence.
        options.NetworkTimeout = System.Threading.Timeout.InfiniteTimeSpan;
    }
}
