using Microsoft.SemanticKernel;
using RagPlatform.ServiceDefaults.Providers;

namespace RagPlatform.Generation.Backends;

/// <summary>How a chat call through Semantic Kernel fails, in the platform's shared terms.</summary>
public static class ChatProviderFailures
{
    public static readonly ProviderFailure CutOff = new(0, "the answer stream ended before the model finished", null, null);

    /// <summary>
    /// What Semantic Kernel or the provider's client threw, or null when it is not a provider failure.
    /// Semantic Kernel wraps the client's error; the response (with Retry-After) is inside.
    /// </summary>
    public static ProviderFailure? From(Exception error) => ProviderFailure.From(error, e => e switch
    {
        HttpOperationException { StatusCode: { } status } http when e.InnerException is not System.ClientModel.ClientResultException =>
            new ProviderFailure((int)status, ProviderFailure.FirstLine(http.ResponseContent ?? http.Message), null, null),
        HttpOperationException { InnerException: null } => ProviderFailure.Unanswered(e),
        _ => null,
    });
}
