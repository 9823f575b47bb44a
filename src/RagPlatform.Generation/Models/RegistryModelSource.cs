using Microsoft.Extensions.Logging;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.ServiceDefaults.Grpc;

namespace RagPlatform.Generation.Models;

/// <summary>
/// The fine-tuned chat models of the caller's tenant, as the FineTuning service's registry lists
/// them. A registered GGUF (backend llama-server, artifact its path) is served by a local
/// llama-server; a remote model (an endpoint, artifact its id there) is called as an OpenAI-compatible
/// server. Either inherits the serving settings (context window, timeouts, retries) of its base model
/// when that is configured here, and the base's key only for the base's own endpoint.
/// </summary>
public sealed class RegistryModelSource(
    FineTuningService.FineTuningServiceClient registry,
    ConfiguredModelSource bases,
    IConfiguration configuration,
    ILogger<RegistryModelSource> logger) : IModelSource
{
    public const string RegistryService = "finetuning";
    private const uint PageSize = 100;

    public string Name => "the fine-tuned model registry";

    /// <summary>Why the last read failed, or null when it succeeded (health reports Degraded meanwhile).</summary>
    public string? LastError { get; private set; }

    public async ValueTask<IReadOnlyList<ChatModel>> ListAsync(CancellationToken cancellationToken)
    {
        // Without a registry to ask (Generation deployed alone), there are no fine-tuned models.
        if (!GrpcClientExtensions.IsAddressed(configuration, RegistryService))
            return [];
        var models = new List<ChatModel>();
        var request = new ListModelsRequest { Kind = ModelKind.Chat, PageSize = PageSize };
        do
        {
            ListModelsResponse page;
            try
            {
                page = await registry.ListModelsAsync(request, cancellationToken: cancellationToken);
            }
            catch (global::Grpc.Core.RpcException error) when (error.StatusCode != global::Grpc.Core.StatusCode.Cancelled)
            {
                LastError = $"{error.StatusCode}: {error.Status.Detail}";
                throw;
            }
            foreach (var registered in page.Models)
            {
                if (ToChatModel(registered) is { } model) models.Add(model);
                else logger.LogWarning("Registered model {Model} (backend {Backend}) names neither a GGUF nor an endpoint; it is not served",
                    registered.Name, registered.Backend);
            }
            request.PageToken = page.NextPageToken;
        } while (request.PageToken.Length > 0);
        LastError = null;
        return models;
    }

    private ChatModel? ToChatModel(Model registered)
    {
        var baseOptions = bases.Find(registered.BaseModel);
        var connection = Connection(registered, baseOptions);
        if (connection is null) return null;
        var info = registered.Clone();
        info.FineTuned = true;
        info.Backend = connection.Provider;
        if (info.MaxTokens == 0) info.MaxTokens = (uint)connection.ContextTokens;
        return new ChatModel(info, connection);
    }

    private static ChatModelOptions? Connection(Model registered, ChatModelOptions? baseOptions)
    {
        var options = baseOptions is null ? new ChatModelOptions() : Inherit(baseOptions);
        if (registered.MaxTokens > 0) options.ContextTokens = (int)registered.MaxTokens;
        if (registered.Backend == ChatProviders.LocalGguf && registered.Artifact.Length > 0 && registered.Endpoint.Length == 0)
        {
            options.Provider = ChatProviders.LocalGguf;
            options.ModelPath = registered.Artifact;
            options.Model = registered.Name;
            options.ApiKey = null;
            options.Endpoint = null;
            return options;
        }
        if (Uri.TryCreate(registered.Endpoint, UriKind.Absolute, out var endpoint) && registered.Artifact.Length > 0)
        {
            if (baseOptions?.Endpoint != endpoint) options.ApiKey = null; // a key goes only where it was configured to go
            options.Provider = ChatProviders.OpenAICompatible;
            options.Endpoint = endpoint;
            options.Model = registered.Artifact;
            options.ModelPath = null;
            options.ServerArguments = null;
            return options;
        }
        return null;
    }

    private static ChatModelOptions Inherit(ChatModelOptions from) => new()
    {
        Provider = from.Provider,
        Endpoint = from.Endpoint,
        ApiKey = from.ApiKey,
        ContextTokens = from.ContextTokens,
        MaxOutputTokens = from.MaxOutputTokens,
        CharactersPerToken = from.CharactersPerToken,
        Timeout = from.Timeout,
        MaxRetries = from.MaxRetries,
        RetryBaseDelay = from.RetryBaseDelay,
        MaxRetryDelay = from.MaxRetryDelay,
        ServerArguments = from.ServerArguments,
    };
}
