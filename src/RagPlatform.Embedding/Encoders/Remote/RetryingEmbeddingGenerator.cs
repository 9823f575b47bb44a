using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

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

            var delay = DelayBeforeRetry(failure, attempt);
            if (delay is null)
            {
                // Status and code only: a provider's message may echo part of the key.
                logger.LogWarning("Embedding model {Model} ({Provider}): giving up after {Attempts} attempt(s), last HTTP {Status} ({Reason})",
                    settings.Model, settings.Provider, attempt, failure.HttpStatus, Reason(failure));
                throw new ProviderCallException(failure, attempt);
            }
            logger.LogWarning("Embedding model {Model} ({Provider}): attempt {Attempt} failed with HTTP {Status} ({Reason}); retrying in {Delay} ms",
                settings.Model, settings.Provider, attempt, failure.HttpStatus, Reason(failure),
                (long)delay.Value.TotalMilliseconds);
            await Task.Delay(delay.Value, cancellationToken);
        }
    }

    private static string Reason(ProviderFailure failure) => failure.TimedOut ? "timeout" : failure.Code ?? "no code";

    /// <summary>How long to wait before the next attempt, or null to give up now.</summary>
    private TimeSpan? DelayBeforeRetry(ProviderFailure failure, int attempt)
    {
        if (!failure.IsRetryable || attempt > settings.MaxRetries)
            return null;
        if (failure.RetryAfter is { } asked)
            return asked <= settings.MaxRetryDelay ? asked : null; // a long wait is the caller's call, not ours
        // Exponential, plus up to a fifth on top so that many clients do not retry in step.
        double backoff = settings.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        backoff += backoff * 0.2 * Random.Shared.NextDouble();
        return TimeSpan.FromMilliseconds(Math.Min(backoff, settings.MaxRetryDelay.TotalMilliseconds));
    }
}
