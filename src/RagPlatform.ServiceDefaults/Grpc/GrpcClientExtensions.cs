using Grpc.Core;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RagPlatform.ServiceDefaults.Tenancy;

namespace RagPlatform.ServiceDefaults.Grpc;

public static class GrpcClientExtensions
{
    /// <summary>
    /// A typed gRPC client for another platform service, addressed by its logical name and resolved
    /// through service discovery (services__&lt;name&gt;__http__0, as Aspire and the launcher set it).
    /// The serving call's deadline, cancellation and tenant flow on to it. Retries are gRPC's own
    /// (status-code aware, UNAVAILABLE only, and never after a stream has started), rather than an
    /// HTTP resilience handler whose timeouts would cut long streaming calls.
    /// </summary>
    public static IHttpClientBuilder AddPlatformClient<TClient>(this IServiceCollection services, string serviceName)
        where TClient : ClientBase
    {
        return services
            .AddGrpcClient<TClient>(options => options.Address = new Uri($"http://{serviceName}"))
            .ConfigureChannel(channel =>
            {
                channel.MaxReceiveMessageSize = ServiceDefaultsExtensions.MaxMessageBytes;
                channel.MaxSendMessageSize = ServiceDefaultsExtensions.MaxMessageBytes;
                channel.ServiceConfig = new ServiceConfig { MethodConfigs = { RetryUnavailable } };
            })
            .EnableCallContextPropagation(options => options.SuppressContextNotFoundErrors = true)
            .AddInterceptor<TenantClientInterceptor>()
            .AddServiceDiscovery();
    }

    private static readonly MethodConfig RetryUnavailable = new()
    {
        Names = { MethodName.Default },
        RetryPolicy = new RetryPolicy
        {
            MaxAttempts = 3,
            InitialBackoff = TimeSpan.FromMilliseconds(50),
            MaxBackoff = TimeSpan.FromMilliseconds(500),
            BackoffMultiplier = 2,
            RetryableStatusCodes = { StatusCode.Unavailable },
        },
    };
}
