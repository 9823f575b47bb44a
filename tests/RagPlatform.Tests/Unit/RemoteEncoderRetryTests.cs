using Microsoft.Extensions.Logging.Abstractions;
using RagPlatform.Embedding.Encoders.Remote;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.Tests.Infrastructure;
using static RagPlatform.Tests.Infrastructure.OpenAIEmbeddingReplies;

namespace RagPlatform.Tests.Unit;

/// <summary>Our retry policy against a provider that answers 429 and 5xx, played by a local HTTP server.</summary>
public sealed class RemoteEncoderRetryTests
{
    private static readonly Func<string, float[]> AnyVector = _ => [1f, 0f, 0f, 0f];

    private static RemoteDenseEncoder Encoder(ScriptedHttpServer server, Action<RemoteModelOptions>? adjust = null)
    {
        var options = new RemoteModelOptions
        {
            Provider = RemoteProviders.OpenAICompatible,
            Endpoint = new Uri(server.Address, "v1/"),
            Model = "scripted",
            Dimension = 4,
            MaxRetries = 3,
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
            Timeout = TimeSpan.FromSeconds(10),
        };
        adjust?.Invoke(options);
        return RemoteEncoderFactory.Create("remote-test", options, NullLoggerFactory.Instance);
    }

    [Fact]
    public async Task A_429_is_retried_after_exactly_the_wait_the_provider_asks_for()
    {
        await using var server = await ScriptedHttpServer.StartAsync((request, index) => index == 0
            ? Error(429, "Rate limit reached for requests", "rate_limit_exceeded", new Dictionary<string, string> { ["Retry-After"] = "1" })
            : Success(request, AnyVector));
        using var encoder = Encoder(server);

        var results = await encoder.EncodeAsync(["tides"], isQuery: true, CancellationToken.None);

        Assert.Equal([1f, 0f, 0f, 0f], results[0].Vector);
        var requests = server.Requests;
        Assert.Equal(2, requests.Count);
        // The backoff alone would have waited about 10 ms; Retry-After asked for a second.
        Assert.InRange((requests[1].At - requests[0].At).TotalMilliseconds, 990, 5_000);
    }

    [Fact]
    public async Task Server_errors_are_retried_with_exponential_backoff()
    {
        await using var server = await ScriptedHttpServer.StartAsync((request, index) => index < 2
            ? Error(503, "overloaded")
            : Success(request, AnyVector));
        using var encoder = Encoder(server, o => o.RetryBaseDelay = TimeSpan.FromMilliseconds(200));

        await encoder.EncodeAsync(["tides"], isQuery: true, CancellationToken.None);

        var requests = server.Requests;
        Assert.Equal(3, requests.Count);
        var first = requests[1].At - requests[0].At;
        var second = requests[2].At - requests[1].At;
        Assert.True(first.TotalMilliseconds >= 195, $"first retry after {first.TotalMilliseconds} ms, expected at least the base delay (200 ms)");
        Assert.True(second.TotalMilliseconds >= 395, $"second retry after {second.TotalMilliseconds} ms, expected at least twice the base delay");
    }

    [Fact]
    public async Task A_rate_limit_that_outlasts_the_retries_is_resource_exhausted_with_the_providers_message()
    {
        await using var server = await ScriptedHttpServer.StartAsync(Error(429, "Rate limit reached for requests per minute", "rate_limit_exceeded"));
        using var encoder = Encoder(server, o => o.MaxRetries = 2);

        var error = await Assert.ThrowsAsync<ResourceExhaustedException>(() => encoder.EncodeAsync(["tides"], true, CancellationToken.None).AsTask());

        Assert.Contains("Rate limit reached for requests per minute", error.Message);
        Assert.Contains("remote-test", error.Message);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task A_spent_quota_and_a_wait_longer_than_allowed_are_reported_at_once()
    {
        await using (var server = await ScriptedHttpServer.StartAsync(Error(429, "You exceeded your current quota", "insufficient_quota")))
        {
            using var encoder = Encoder(server);
            var error = await Assert.ThrowsAsync<ResourceExhaustedException>(() => encoder.EncodeAsync(["tides"], true, CancellationToken.None).AsTask());
            Assert.Contains("You exceeded your current quota", error.Message);
            Assert.Single(server.Requests);
        }
        await using (var server = await ScriptedHttpServer.StartAsync(
            Error(429, "Try again tomorrow", headers: new Dictionary<string, string> { ["Retry-After"] = "86400" })))
        {
            using var encoder = Encoder(server);
            var error = await Assert.ThrowsAsync<ResourceExhaustedException>(() => encoder.EncodeAsync(["tides"], true, CancellationToken.None).AsTask());
            Assert.Contains("Try again tomorrow", error.Message);
            Assert.Contains("retry after 86400 s", error.Message);
            Assert.Single(server.Requests);
        }
    }

    [Fact]
    public async Task Refused_input_is_not_retried_and_names_the_texts()
    {
        await using var server = await ScriptedHttpServer.StartAsync(Error(400, "input is too long", "invalid_request_error"));
        using var encoder = Encoder(server);

        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => encoder.EncodeAsync(["tides"], true, CancellationToken.None).AsTask());

        Assert.Equal("texts", error.Field);
        Assert.Contains("input is too long", error.Reason);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task A_provider_that_never_answers_times_out_each_attempt_and_is_unavailable()
    {
        await using var server = await ScriptedHttpServer.StartAsync((request, _) =>
            Success(request, AnyVector) with { Delay = TimeSpan.FromSeconds(30) });
        using var encoder = Encoder(server, o => { o.Timeout = TimeSpan.FromMilliseconds(300); o.MaxRetries = 1; });

        var error = await Assert.ThrowsAsync<UnavailableException>(() => encoder.EncodeAsync(["tides"], true, CancellationToken.None).AsTask());

        Assert.Contains("did not answer", error.Message);
        Assert.Equal(2, server.Requests.Count);
    }
}
