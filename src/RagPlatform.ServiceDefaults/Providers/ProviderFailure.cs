using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.Json;

namespace RagPlatform.ServiceDefaults.Providers;

/// <summary>
/// A request to a model provider (OpenAI, Azure OpenAI, an OpenAI-compatible server) that failed,
/// as the retry policy and the error mapping need to see it. <paramref name="HttpStatus"/> is 0 when
/// no answer came (refused connection, reset, timeout).
/// </summary>
public sealed record ProviderFailure(int HttpStatus, string Message, string? Code, TimeSpan? RetryAfter, bool TimedOut = false)
{
    /// <summary>OpenAI's code for a spent budget: a 429 that no wait will cure.</summary>
    private const string InsufficientQuota = "insufficient_quota";

    public bool IsRetryable => HttpStatus is 0 or 408 or >= 500 || (HttpStatus == 429 && Code != InsufficientQuota);

    /// <summary>A short label for logs and metrics.</summary>
    public string Reason => TimedOut ? "timeout" : Code ?? "no code";

    public static ProviderFailure TimedOutAfter(TimeSpan timeout) =>
        new(0, $"no answer within {timeout.TotalSeconds:0.###} s", null, null, TimedOut: true);

    /// <summary>
    /// What the provider's client threw, or null when it is not a provider failure. Libraries that
    /// wrap the client (Semantic Kernel) pass <paramref name="wrapper"/> to read their own exception
    /// types; the client's error, with its Retry-After, is looked for inside them first.
    /// </summary>
    public static ProviderFailure? From(Exception error, Func<Exception, ProviderFailure?>? wrapper = null)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case ClientResultException result when result.GetRawResponse() is { } response:
                    var (message, code) = ReadError(response);
                    return new ProviderFailure(result.Status, message ?? FirstLine(result.Message), code, ReadRetryAfter(response));
                case HttpRequestException or IOException:
                    return new ProviderFailure(0, FirstLine(e.Message), null, null);
            }
            if (wrapper?.Invoke(e) is { } wrapped)
                return wrapped;
        }
        return error is ClientResultException ? Unanswered(error) : null;
    }

    /// <summary>A failure with no answer from the provider, described by the innermost cause's message.</summary>
    public static ProviderFailure Unanswered(Exception error) => new(0, FirstLine(error.InnerException?.Message ?? error.Message), null, null);

    /// <summary>
    /// How long to wait before attempt <paramref name="attempt"/> + 1, or null to give up now: the
    /// provider's Retry-After when it is short enough, else exponential backoff with jitter.
    /// </summary>
    public TimeSpan? DelayBeforeRetry(int attempt, int maxRetries, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        if (!IsRetryable || attempt > maxRetries)
            return null;
        if (RetryAfter is { } asked)
            return asked <= maxDelay ? asked : null; // a long wait is the caller's call, not ours
        // Exponential, plus up to a fifth on top so that many clients do not retry in step.
        double backoff = baseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        backoff += backoff * 0.2 * Random.Shared.NextDouble();
        return TimeSpan.FromMilliseconds(Math.Min(backoff, maxDelay.TotalMilliseconds));
    }

    public static string FirstLine(string text)
    {
        int end = text.IndexOfAny(['\r', '\n']);
        return (end < 0 ? text : text[..end]).Trim();
    }

    /// <summary>The message and code of OpenAI's error body ({"error": {"message", "code"}}), which compatible servers copy.</summary>
    private static (string? Message, string? Code) ReadError(PipelineResponse response)
    {
        try
        {
            using var body = JsonDocument.Parse(response.Content);
            if (!body.RootElement.TryGetProperty("error", out var error))
                return (null, null);
            if (error.ValueKind == JsonValueKind.String)
                return (error.GetString(), null);
            string? message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            string? code = error.TryGetProperty("code", out var c) ? c.ValueKind switch
            {
                JsonValueKind.String => c.GetString(),
                JsonValueKind.Number => c.GetRawText(),
                _ => null,
            } : null;
            // A numeric code only repeats the HTTP status; the type says more.
            if (error.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && (code is null || char.IsDigit(code[0])))
                code = t.GetString();
            return (message, code);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return (null, null); // not JSON, or not buffered: the exception's own message will do
        }
    }

    /// <summary>retry-after-ms (OpenAI, Azure) is finer than Retry-After (seconds or an HTTP date).</summary>
    private static TimeSpan? ReadRetryAfter(PipelineResponse response)
    {
        foreach (var header in new[] { "retry-after-ms", "x-ms-retry-after-ms" })
        {
            if (response.Headers.TryGetValue(header, out var ms)
                && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
                return TimeSpan.FromMilliseconds(milliseconds);
        }
        if (!response.Headers.TryGetValue("Retry-After", out var value) || value is null)
            return null;
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return TimeSpan.FromSeconds(seconds);
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
            return when > DateTimeOffset.UtcNow ? when - DateTimeOffset.UtcNow : TimeSpan.Zero;
        return null;
    }
}
