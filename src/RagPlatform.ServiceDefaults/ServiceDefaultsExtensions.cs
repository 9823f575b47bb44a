using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.ServiceDefaults.Redis;
using RagPlatform.ServiceDefaults.Telemetry;
using RagPlatform.ServiceDefaults.Tenancy;

namespace RagPlatform.ServiceDefaults;

/// <summary>The conventions every RagPlatform service host starts with.</summary>
public static class ServiceDefaultsExtensions
{
    public const string HealthPath = "/health";
    public const string AlivePath = "/alive";
    /// <summary>Largest gRPC message a service accepts or sends (ingested documents travel whole).</summary>
    public const int MaxMessageBytes = 32 * 1024 * 1024;

    /// <summary>
    /// Telemetry, health, service discovery, gRPC with the platform's interceptors, tenancy,
    /// and Kestrel serving HTTP/2 cleartext (one endpoint per service, as gRPC needs).
    /// Safe to call more than once (the standalone host composes five services).
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(ServiceDefaultsMarker)))
            return builder;
        builder.Services.AddSingleton<ServiceDefaultsMarker>();
        builder.Services.AddSingleton<ServiceDefaultsEndpointsMarker>();

        builder.ConfigureOpenTelemetry();
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), LiveTag);
        builder.Services.AddGrpcHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.AddTenancy();
        builder.AddRedisIfConfigured();

        builder.Services.AddGrpc(options =>
        {
            options.MaxReceiveMessageSize = MaxMessageBytes;
            options.MaxSendMessageSize = MaxMessageBytes;
            options.Interceptors.Add<ErrorMappingInterceptor>();
            options.Interceptors.Add<TenantServerInterceptor>();
        });
        // gRPC over cleartext needs HTTP/2 with prior knowledge; HTTP/1.1 cannot be negotiated without TLS.
        builder.Services.Configure<KestrelServerOptions>(kestrel =>
            kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2));
        return builder;
    }

    internal static readonly string[] LiveTag = ["live"];

    /// <summary>gRPC health (what Kubernetes grpc probes call) plus HTTP /health and /alive.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        var marker = app.Services.GetRequiredService<ServiceDefaultsEndpointsMarker>();
        if (marker.Mapped)
            return app;
        marker.Mapped = true;

        app.MapGrpcHealthChecksService();
        app.MapHealthChecks(HealthPath);
        app.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") });
        return app;
    }

    private sealed class ServiceDefaultsMarker;
}

/// <summary>Remembers that the default endpoints are mapped, so composed hosts map them once.</summary>
public sealed class ServiceDefaultsEndpointsMarker
{
    public bool Mapped { get; set; }
}
