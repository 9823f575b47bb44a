using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using StreamingChatCompletionUpdate = OpenAI.Chat.StreamingChatCompletionUpdate;
using RagPlatform.Generation.Models;
using RagPlatform.Generation.Prompting;
using RagPlatform.ServiceDefaults.Providers;

namespace RagPlatform.Generation.Backends;

/// <summary>
/// Streams one answer from a chat model through Semantic Kernel. Each wait for the next piece is
/// bounded by the model's timeout, so a silent provider fails instead of hanging. Failures before
/// the first token (429, 5xx, timeouts, refused connections) are retried with backoff; after it,
/// text has reached the caller and a retry would repeat it, so the failure is reported instead.
/// The caller's cancellation (or deadline) aborts the HTTP request at once.
/// </summary>
public sealed class ChatModelCaller(ChatServiceFactory services, ILogger<ChatModelCaller> logger)
{
    public async Task<ChatCompletion> StreamAsync(string name, ChatModelOptions model, Uri? endpoint, ChatCall call,
        Func<string, ValueTask> onText, CancellationToken cancellationToken)
    {
        var service = services.Get(name, model, endpoint);
        var history = ToHistory(call.Messages);
        var settings = new OpenAIPromptExecutionSettings
        {
            MaxTokens = call.MaxTokens,
            Temperature = call.Temperature,
            TopP = call.TopP,
            Seed = call.Seed,
        };
        var clock = Stopwatch.StartNew();
        for (int attempt = 1; ; attempt++)
        {
            bool started = false;
            ProviderFailure failure;
            using (var silence = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                try
                {
                    int? promptTokens = null, completionTokens = null;
                    string? finish = null;
                    TimeSpan firstToken = TimeSpan.Zero;
                    var stream = service.GetStreamingChatMessageContentsAsync(history, settings, kernel: null, silence.Token);
                    await using var pieces = stream.GetAsyncEnumerator(silence.Token);
                    while (true)
                    {
                        silence.CancelAfter(model.Timeout);
                        if (!await pieces.MoveNextAsync())
                            break;
                        var piece = pieces.Current;
                        if (piece.InnerContent is StreamingChatCompletionUpdate update)
                        {
                            if (update.Usage is { } usage)
                                (promptTokens, completionTokens) = (usage.InputTokenCount, usage.OutputTokenCount);
                            if (update.FinishReason is { } reason)
                                finish = reason.ToString();
                        }
                        if (string.IsNullOrEmpty(piece.Content))
                            continue;
                        if (!started)
                        {
                            started = true;
                            firstToken = clock.Elapsed;
                        }
                        await onText(piece.Content);
                    }
                    // Every provider ends an answer with a finish reason; a stream that stops without one was cut
                    // off (the server died, or a proxy closed the connection) and its text is incomplete.
                    if (finish is not null)
                        return new ChatCompletion(promptTokens, completionTokens, finish, started ? firstToken : clock.Elapsed, attempt);
                    failure = ChatProviderFailures.CutOff;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = ProviderFailure.TimedOutAfter(model.Timeout);
                }
                catch (Exception error) when (!cancellationToken.IsCancellationRequested && ChatProviderFailures.From(error) is { } classified)
                {
                    failure = classified;
                }
            }

            var delay = started ? null : failure.DelayBeforeRetry(attempt, model.MaxRetries, model.RetryBaseDelay, model.MaxRetryDelay);
            if (delay is null)
            {
                // Status and code only: a provider's message may echo part of the key.
                logger.LogWarning("Chat model {Model} ({Provider}): failed {When} after {Attempts} attempt(s), HTTP {Status} ({Reason})",
                    name, model.Provider, started ? "mid-answer" : "before answering", attempt, failure.HttpStatus, failure.Reason);
                throw ProviderErrors.ToPlatformException(name, failure, attempt, midAnswer: started);
            }
            logger.LogWarning("Chat model {Model} ({Provider}): attempt {Attempt} failed with HTTP {Status} ({Reason}); retrying in {Delay} ms",
                name, model.Provider, attempt, failure.HttpStatus, failure.Reason, (long)delay.Value.TotalMilliseconds);
            await Task.Delay(delay.Value, cancellationToken);
        }
    }

    private static ChatHistory ToHistory(IReadOnlyList<PromptMessage> messages)
    {
        var history = new ChatHistory();
        foreach (var message in messages)
        {
            var role = message.Role switch
            {
                PromptRole.System => AuthorRole.System,
                PromptRole.Assistant => AuthorRole.Assistant,
                _ => AuthorRole.User,
            };
            history.Add(new ChatMessageContent(role, message.Content));
        }
        return history;
    }
}
