using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using RagPlatform.ServiceDefaults.Providers;

namespace RagPlatform.Embedding.Encoders.Remote;

/// <summary>
/// Gives each provider request a timeout, and retries the ones worth retrying (429, 5xx, timeouts,
/// refused connections) with exponential backoff, or after exactly as long as the provider's
/// Retry-After asks. Ends in a <see cref="ProviderCallException"/> that says what went wrong.
/// </summary>
public sealed class RetryingEmbeddingGenerator(
    IEmbeddingGenerator<string, Embedding<float>> inner, RemoteModelOptions settings, ILogger logger)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var batch = values as IReadOnlyList<string> ?? [.. values]; // sent again on each attempt
        for (int attempt = 1; ; attempt++)
        {
            ProviderFailure failure;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(settings.Timeout);
                try
                {
                    return await base.GenerateAsync(batch, options, timeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = ProviderFailure.TimedOutAfter(settings.Timeout);
                }
                catch (Exception error) when (!cancellationToken.IsCancellationRequested && ProviderFailure.From(error) is { } classified)
                {
                    failure = classified;
                }
            }

            var delay = failure.DelayBeforeRetry(attempt, settings.MaxRetries, settings.RetryBaseDelay, settings.MaxRetryDelay);
            if (delay is null)
            {
                // Status and code only: a provider's message may echo part of the key.
                logger.LogWarning("Embedding model {Model} ({Provider}): giving up after {Attempts} attempt(s), last HTTP {Status} ({Reason})",
                    settings.Model, settings.Provider, attempt, failure.HttpStatus, failure.Reason);
                throw new ProviderCallException(failure, attempt);
            }
            logger.LogWarning("Embedding model {Model} ({Provider}): attempt {Attempt} failed with HTTP {Status} ({Reason}); retrying in {Delay} ms",
                settings.Model, settings.Provider, attempt, failure.HttpStatus, failure.Reason,
                (long)delay.Value.TotalMilliseconds);
            await Task.Delay(delay.Value, cancellationToken);
        }
    }
}
