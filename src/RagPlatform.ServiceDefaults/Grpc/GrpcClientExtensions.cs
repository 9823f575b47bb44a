using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using RagPlatform.ServiceDefaults.Tenancy;

namespace RagPlatform.ServiceDefaults.Grpc;

public static class GrpcClientExtensions
{
    /// <summary>
    /// Configuration key that switches platform clients to gRPC's own DNS resolver with round-robin
    /// balancing: set it to <c>dns</c> where a service's address is a Kubernetes headless Service, so
    /// calls spread over every pod instead of riding one long-lived HTTP/2 connection.
    /// </summary>
    public const string BalancingKey = "Grpc:ClientBalancing";

    /// <summary>How often the DNS resolver looks again for pods that came or went.</summary>
    public static readonly TimeSpan DnsRefreshInterval = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A typed gRPC client for another platform service, addressed by its logical name and resolved
    /// through service discovery (services__&lt;name&gt;__http__0, as Aspire and the launcher set it),
    /// or, with <see cref="BalancingKey"/> = dns, balanced over every address that name resolves to.
    /// The serving call's deadline, cancellation and tenant flow on to it. Retries are gRPC's own
    /// (status-code aware, UNAVAILABLE only, and never after a stream has started), rather than an
    /// HTTP resilience handler whose timeouts would cut long streaming calls.
    /// </summary>
    public static IHttpClientBuilder AddPlatformClient<TClient>(this IHostApplicationBuilder builder, string serviceName)
        where TClient : ClientBase
    {
        // Decided once, at registration: service discovery marks its clients' handlers so that gRPC's
        // own balancer is switched off, so the two modes cannot share one client registration.
        var dnsAddress = DnsBalanced(builder.Configuration, serviceName);
        builder.Services.TryAddSingleton<ResolverFactory>(new DnsResolverFactory(DnsRefreshInterval));
        var client = builder.Services
            .AddGrpcClient<TClient>(options => options.Address = dnsAddress ?? new Uri($"http://{serviceName}"))
            .ConfigureChannel(channel =>
            {
                channel.MaxReceiveMessageSize = ServiceDefaultsExtensions.MaxMessageBytes;
                channel.MaxSendMessageSize = ServiceDefaultsExtensions.MaxMessageBytes;
                channel.ServiceConfig = new ServiceConfig { MethodConfigs = { RetryUnavailable } };
                if (dnsAddress is not null)
                {
                    channel.Credentials = ChannelCredentials.Insecure;
                    channel.ServiceConfig.LoadBalancingConfigs.Add(new RoundRobinConfig());
                }
            })
            // SocketsHttpHandler itself (not the HttpClientHandler wrapper): gRPC's balancer needs it,
            // and extra HTTP/2 connections keep busy clients from queueing behind one connection's streams.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                KeepAlivePingDelay = TimeSpan.FromSeconds(60),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
            })
            .EnableCallContextPropagation(options => options.SuppressContextNotFoundErrors = true)
            .AddInterceptor<TenantClientInterceptor>();
        return dnsAddress is null ? client.AddServiceDiscovery() : client;
    }

    /// <summary>
    /// Whether an address is configured for <paramref name="serviceName"/> (read at call time: the
    /// standalone host publishes its own once it has bound), so an optional peer can be skipped.
    /// </summary>
    public static bool IsAddressed(IConfiguration configuration, string serviceName) =>
        configuration.GetSection($"services:{serviceName}").GetChildren().Any();

    /// <summary>
    /// <c>dns:///host:port</c> from the service's configured endpoint when DNS balancing is on; the
    /// endpoint is read where service discovery reads it, so one setting serves both modes.
    /// </summary>
    public static Uri? DnsBalanced(IConfiguration configuration, string serviceName)
    {
        if (!string.Equals(configuration[BalancingKey], "dns", StringComparison.OrdinalIgnoreCase))
            return null;
        var endpoint = configuration[$"services:{serviceName}:http:0"] ?? configuration[$"services:{serviceName}:grpc:0"]
            ?? throw new InvalidOperationException(
                $"{BalancingKey}=dns needs the address of '{serviceName}' in services__{serviceName}__http__0");
        var address = new Uri(endpoint);
        return new Uri($"dns:///{address.Host}:{address.Port}");
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
