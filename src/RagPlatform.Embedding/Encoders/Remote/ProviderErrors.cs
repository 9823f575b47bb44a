using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.Embedding.Encoders.Remote;

/// <summary>
/// What the caller hears when a remote model fails: UNAVAILABLE for a provider that is down or
/// silent, RESOURCE_EXHAUSTED with the provider's words for a quota or rate limit, INVALID_ARGUMENT
/// for input it refused, FAILED_PRECONDITION for a model that is configured wrongly.
/// </summary>
public static class ProviderErrors
{
    public static PlatformException ToPlatformException(string modelName, ProviderCallException error)
    {
        var failure = error.Failure;
        string model = $"embedding model '{modelName}'";
        string tries = error.Attempts == 1 ? "" : $" ({error.Attempts} attempts)";
        return failure.HttpStatus switch
        {
            0 when failure.TimedOut => new UnavailableException($"{model} did not answer: {failure.Message}{tries}", error),
            0 => new UnavailableException($"{model} is unreachable: {failure.Message}{tries}", error),
            429 => new ResourceExhaustedException($"{model} is over its provider's quota or rate limit: {failure.Message}" +
                (failure.RetryAfter is { } wait ? $" (the provider asks to retry after {wait.TotalSeconds:0.###} s)" : "") + tries),
            400 or 413 or 422 => new InvalidArgumentException("texts", $"{model} refused the input: {failure.Message}"),
            // The provider's text may echo part of the key; it stays out of the reply.
            401 or 403 => new FailedPreconditionException($"{model} is not authorised by its provider (HTTP {failure.HttpStatus}); check its configured key"),
            404 => new FailedPreconditionException($"{model}: its provider does not serve the configured model (HTTP 404): {failure.Message}"),
            _ => new UnavailableException($"{model}: its provider failed (HTTP {failure.HttpStatus}): {failure.Message}{tries}", error),
        };
    }
}
