using RagPlatform.ServiceDefaults.Providers;

namespace RagPlatform.Embedding.Encoders.Remote;

/// <summary>A provider request that failed for good: not retryable, or out of retries.</summary>
public sealed class ProviderCallException(ProviderFailure failure, int attempts)
    : Exception($"provider request failed after {attempts} attempt(s): {failure.Message}")
{
    public ProviderFailure Failure { get; } = failure;
    public int Attempts { get; } = attempts;
}
