using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace RagPlatform.ServiceDefaults.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>Every platform ActivitySource and Meter is named "RagPlatform.&lt;Part&gt;".</summary>
    public const string SourcePrefix = "RagPlatform.";

    /// <summary>
    /// Traces, metrics and logs through OpenTelemetry; exported over OTLP only when
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter reads the other OTEL_* variables itself).
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var otel = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(SourcePrefix + "*"))
            .WithTracing(tracing => tracing
                .AddSource(SourcePrefix + "*")
                .AddAspNetCoreInstrumentation(o => o.Filter = IsNotHealthProbe)
                .AddGrpcClientInstrumentation()
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            otel.UseOtlpExporter();
        return builder;
    }

    private static bool IsNotHealthProbe(HttpContext context)
    {
        var path = context.Request.Path;
        return !path.StartsWithSegments(ServiceDefaultsExtensions.HealthPath)
            && !path.StartsWithSegments(ServiceDefaultsExtensions.AlivePath)
            && !path.StartsWithSegments("/grpc.health.v1.Health");
    }
}
