using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.VectorSearch.Backends.Qdrant;

/// <summary>What a call is about, for errors the caller understands: the collection by its platform name, the request field at fault.</summary>
public sealed record QdrantCallContext(string Collection, string Field);

/// <summary>
/// Qdrant's REST API over an <see cref="IHttpClientFactory"/> client (so HttpClient instrumentation
/// traces every call): unwraps the <c>{"result", "status", "time"}</c> envelope and turns failures
/// into the platform's errors: unreachable or overloaded → UNAVAILABLE, 404 → NOT_FOUND, 409 →
/// ALREADY_EXISTS, other 4xx → INVALID_ARGUMENT with Qdrant's own message.
/// </summary>
public sealed class QdrantRestClient(IHttpClientFactory httpClientFactory)
{
    public const string HttpClientName = "ragplatform-qdrant";
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    public Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonNode? body, QdrantCallContext context, CancellationToken cancellationToken) =>
        SendAsync(method, path, body is null ? null : Encoding.UTF8.GetBytes(body.ToJsonString()), context, cancellationToken);

    /// <summary>The <c>result</c> of a successful call.</summary>
    public async Task<JsonNode?> SendAsync(HttpMethod method, string path, byte[]? body, QdrantCallContext context, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
            request.Content = new ByteArrayContent(body) { Headers = { ContentType = Json } };

        var client = httpClientFactory.CreateClient(HttpClientName);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException error)
        {
            throw new UnavailableException("The vector store (Qdrant) cannot be reached; try again later.", error);
        }
        catch (OperationCanceledException error) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UnavailableException($"The vector store (Qdrant) did not answer within {client.Timeout.TotalSeconds:0} s; try again later.", error);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw Failure(response.StatusCode, ErrorMessage(text), context);
            var envelope = JsonNode.Parse(text);
            return envelope?["result"];
        }
    }

    /// <summary>Qdrant's <c>status.error</c>, or the body itself when it is not Qdrant's envelope.</summary>
    private static string ErrorMessage(string text)
    {
        try
        {
            if (JsonNode.Parse(text)?["status"]?["error"] is JsonValue error && error.GetValueKind() == JsonValueKind.String)
                return error.GetValue<string>();
        }
        catch (JsonException) { }
        return string.IsNullOrWhiteSpace(text) ? "no details" : text.Length > 500 ? text[..500] : text;
    }

    private static Exception Failure(HttpStatusCode status, string message, QdrantCallContext context) => status switch
    {
        HttpStatusCode.NotFound => new NotFoundException($"collection '{context.Collection}' does not exist"),
        HttpStatusCode.Conflict => new AlreadyExistsException($"collection '{context.Collection}' already exists ({message})"),
        HttpStatusCode.TooManyRequests => new ResourceExhaustedException($"the vector store (Qdrant) is rate limiting: {message}"),
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
            // Our credentials, not the caller's fault: INTERNAL, logged by the error interceptor.
            new InvalidOperationException($"Qdrant refused this service's API key ({(int)status}): {message}"),
        HttpStatusCode.RequestTimeout or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout =>
            new UnavailableException($"The vector store (Qdrant) is unavailable ({(int)status}): {message}"),
        >= HttpStatusCode.BadRequest and < HttpStatusCode.InternalServerError =>
            new InvalidArgumentException(context.Field, $"refused by Qdrant: {message}"),
        _ => new InvalidOperationException($"Qdrant failed ({(int)status}): {message}"),
    };
}
