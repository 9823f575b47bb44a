using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RagPlatform.VectorSearch.Backends.Qdrant;

/// <summary>Readiness: Qdrant's own /readyz (which needs no API key) answers 200.</summary>
public sealed class QdrantHealthCheck(IHttpClientFactory httpClientFactory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await httpClientFactory.CreateClient(QdrantRestClient.HttpClientName).GetAsync("readyz", cancellationToken);
            return response.IsSuccessStatusCode
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"Qdrant /readyz answered {(int)response.StatusCode}");
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
        {
            return HealthCheckResult.Unhealthy("Qdrant cannot be reached", error);
        }
    }
}
