using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.Json;
using Microsoft.SemanticKernel;

namespace RagPlatform.Generation.Backends;

/// <summary>
/// A chat provider request that failed, as the retry policy and the error mapping need to see it.
/// <paramref name="HttpStatus"/> is 0 when no answer came (refused connection, reset, timeout).
/// </summary>
public sealed record ProviderFailure(int HttpStatus, string Message, string? Code, TimeSpan? RetryAfter, bool TimedOut = false)
{
    /// <summary>OpenAI's code for a spent budget: a 429 that no wait will cure.</summary>
    private const string InsufficientQuota = "insufficient_quota";

    public bool IsRetryable => HttpStatus is 0 or 408 or >= 500 || (HttpStatus == 429 && Code != InsufficientQuota);

    public static readonly ProviderFailure CutOff = new(0, "the answer stream ended before the model finished", null, null);

    public static ProviderFailure TimedOutAfter(TimeSpan timeout) =>
        new(0, $"no answer within {timeout.TotalSeconds:0.###} s", null, null, TimedOut: true);

    /// <summary>
    /// What Semantic Kernel or the provider's client threw, or null when it is not a provider
    /// failure. Semantic Kernel wraps the client's error; the response (with Retry-After) is inside.
    /// </summary>
    public static ProviderFailure? From(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case ClientResultException result when result.GetRawResponse() is { } response:
                    var (message, code) = ReadError(response);
                    return new ProviderFailure(result.Status, message ?? FirstLine(result.Message), code, ReadRetryAfter(response));
                case HttpOperationException { StatusCode: { } status } http when e.InnerException is not ClientResultException:
                    return new ProviderFailure((int)status, FirstLine(http.ResponseContent ?? http.Message), null, null);
                case HttpRequestException or IOException:
                    return new ProviderFailure(0, FirstLine(e.Message), null, null);
            }
        }
        return error is ClientResultException or HttpOperationException
            ? new ProviderFailure(0, FirstLine(error.InnerException?.Message ?? error.Message), null, null)
            : null;
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

    private static string FirstLine(string text)
    {
        int end = text.IndexOfAny(['\r', '\n']);
        return (end < 0 ? text : text[..end]).Trim();
    }
}
