using RagPlatform.ServiceDefaults.Providers;

namespace RagPlatform.FineTuning.Executors.OpenAI;

/// <summary>
/// Calls to a hosted fine-tuning API with our retry policy: an answer refused for the moment (429
/// with its Retry-After, 5xx, no answer) is retried with backoff; a refused key or a rejected request
/// fails at once; once retries are spent the call fails UNAVAILABLE and the job waits in the queue.
/// </summary>
public sealed class RemoteCalls(string baseModel, RemoteFineTuningOptions options, ILogger logger)
{
    /// <summary>
    /// Runs <paramref name="call"/>. With <paramref name="onlyWhenRefused"/> only a 429 is retried: the
    /// call creates something, and a 5xx or a lost answer may mean it was created anyway.
    /// </summary>
    public async Task<T> RunAsync<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken,
        bool onlyWhenRefused = false)
    {
        for (int attempt = 1; ; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.RemoteRequestTimeout);
            ProviderFailure failure;
            try
            {
                return await call(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = ProviderFailure.TimedOutAfter(options.RemoteRequestTimeout);
            }
            catch (Exception error) when (!cancellationToken.IsCancellationRequested && ProviderFailure.From(error) is { } classified)
            {
                failure = classified;
            }
            var delay = onlyWhenRefused && failure.HttpStatus != 429 ? null
                : failure.DelayBeforeRetry(attempt, options.RemoteMaxRetries, options.RemoteRetryBaseDelay, options.RemoteMaxRetryDelay);
            if (delay is null)
                throw RemoteFineTuningException.From(baseModel, what, failure);
            logger.LogWarning("Hosted fine-tuning of {Base}: could not {What} ({Status} {Reason}); retry {Attempt} in {Delay}",
                baseModel, what, failure.HttpStatus, failure.Reason, attempt, delay.Value);
            await Task.Delay(delay.Value, cancellationToken);
        }
    }
}
