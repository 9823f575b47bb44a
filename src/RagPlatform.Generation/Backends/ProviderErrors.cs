using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.ServiceDefaults.Providers;

namespace RagPlatform.Generation.Backends;

/// <summary>
/// What the caller hears when a chat model fails: UNAVAILABLE for a provider that is down, silent
/// or broke off mid-answer, RESOURCE_EXHAUSTED with the provider's words for a quota or rate limit,
/// INVALID_ARGUMENT for a request it refused, FAILED_PRECONDITION for a model configured wrongly.
/// </summary>
public static class ProviderErrors
{
    public static PlatformException ToPlatformException(string modelName, ProviderFailure failure, int attempts, bool midAnswer)
    {
        string model = $"chat model '{modelName}'";
        string tries = attempts == 1 ? "" : $" ({attempts} attempts)";
        string when = midAnswer ? " mid-answer" : "";
        return failure.HttpStatus switch
        {
            0 when failure.TimedOut => new UnavailableException($"{model} went silent{when}: {failure.Message}{tries}"),
            0 when midAnswer => new UnavailableException($"{model} broke off mid-answer: {failure.Message}"),
            0 => new UnavailableException($"{model} is unreachable: {failure.Message}{tries}"),
            429 => new ResourceExhaustedException($"{model} is over its provider's quota or rate limit: {failure.Message}" +
                (failure.RetryAfter is { } wait ? $" (the provider asks to retry after {wait.TotalSeconds:0.###} s)" : "") + tries),
            400 or 413 or 422 => new InvalidArgumentException("question", $"{model} refused the request (HTTP {failure.HttpStatus}" +
                (failure.Code is null ? "" : $", {failure.Code}") + $"): {failure.Message}"),
            // The provider's text may echo part of the key; it stays out of the reply.
            401 or 403 => new FailedPreconditionException($"{model} is not authorised by its provider (HTTP {failure.HttpStatus}); check its configured key"),
            404 => new FailedPreconditionException($"{model}: its provider does not serve the configured model (HTTP 404): {failure.Message}"),
            _ => new UnavailableException($"{model}: its provider failed{when} (HTTP {failure.HttpStatus}): {failure.Message}{tries}"),
        };
    }
}
