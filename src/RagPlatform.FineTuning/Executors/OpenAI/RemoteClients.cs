using System.ClientModel;
using System.ClientModel.Primitives;
using global::OpenAI;
using global::OpenAI.Files;
using global::OpenAI.FineTuning;

namespace RagPlatform.FineTuning.Executors.OpenAI;

/// <summary>The SDK's file and fine-tuning clients for one hosted base, with retries left to us.</summary>
public sealed class RemoteClients
{
    // Servers that need no key still get a credential: the client refuses to run without one.
    private const string NoKey = "no-key";

    private RemoteClients(OpenAIFileClient files, FineTuningClient fineTuning)
    {
        Files = files;
        FineTuning = fineTuning;
    }

    public OpenAIFileClient Files { get; }
    public FineTuningClient FineTuning { get; }

    public static RemoteClients For(RemoteBaseOptions settings, TimeSpan requestTimeout)
    {
        var key = new ApiKeyCredential(settings.ResolveApiKey() is { Length: > 0 } k ? k : NoKey);
        var options = new OpenAIClientOptions
        {
            // Retries are ours (RemoteCalls): they follow configuration and end in a clear job error.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = requestTimeout,
        };
        if (settings.Endpoint is not null) options.Endpoint = settings.Endpoint;
        AuthenticationPolicy authentication;
        if (settings.Provider == RemoteProviders.Azure)
        {
            authentication = ApiKeyAuthenticationPolicy.CreateHeaderApiKeyPolicy(key, "api-key");
            if (!string.IsNullOrWhiteSpace(settings.ApiVersion))
                options.AddPolicy(new ApiVersionPolicy(settings.ApiVersion), PipelinePosition.PerCall);
        }
        else authentication = ApiKeyAuthenticationPolicy.CreateBearerAuthorizationPolicy(key);
        var client = new OpenAIClient(authentication, options);
        return new RemoteClients(client.GetOpenAIFileClient(), client.GetFineTuningClient());
    }

    /// <summary>Adds Azure's api-version to every request.</summary>
    private sealed class ApiVersionPolicy(string version) : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            AddVersion(message);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            AddVersion(message);
            return ProcessNextAsync(message, pipeline, currentIndex);
        }

        private void AddVersion(PipelineMessage message)
        {
            var uri = new UriBuilder(message.Request.Uri!);
            if (uri.Query.Contains("api-version=", StringComparison.Ordinal)) return;
            var parameter = "api-version=" + Uri.EscapeDataString(version);
            uri.Query = uri.Query.Length > 1 ? uri.Query[1..] + "&" + parameter : parameter;
            message.Request.Uri = uri.Uri;
        }
    }
}
