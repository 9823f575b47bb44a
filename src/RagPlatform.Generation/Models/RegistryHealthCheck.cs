using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RagPlatform.Generation.Models;

/// <summary>
/// Degraded while the fine-tuned model registry cannot be read: answers still come, from configured
/// models and the last list the registry gave, but a newly registered model is not seen.
/// </summary>
public sealed class RegistryHealthCheck(RegistryModelSource registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(registry.LastError is { } error
            ? HealthCheckResult.Degraded($"the fine-tuned model registry could not be read ({error}); serving the last list")
            : HealthCheckResult.Healthy());
}
