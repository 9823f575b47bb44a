using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace RagPlatform.ServiceDefaults.Redis;

public static class RedisExtensions
{
    /// <summary>The Aspire connection name: ConnectionStrings__redis.</summary>
    public const string ConnectionName = "redis";

    /// <summary>
    /// When ConnectionStrings:redis is set, one shared multiplexer and a health check that reports
    /// Degraded (not Unhealthy) while Redis is down: services keep answering without it.
    /// The multiplexer never aborts on a failed connect, so a service can start before Redis.
    /// </summary>
    public static TBuilder AddRedisIfConfigured<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
            return builder;

        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 2000);
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        builder.Services.AddHealthChecks().AddRedis(
            sp => sp.GetRequiredService<IConnectionMultiplexer>(),
            name: ConnectionName,
            failureStatus: HealthStatus.Degraded,
            timeout: TimeSpan.FromSeconds(2));
        return builder;
    }
}
