using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Embedding.Extensions;
using RagPlatform.ServiceDefaults.Grpc;
using RagPlatform.ServiceDefaults.Tenancy;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

/// <summary>
/// With Grpc:ClientBalancing=dns (how the Kubernetes manifests run), platform clients resolve a
/// service's host name through gRPC's DNS resolver and balance round-robin over its addresses.
/// </summary>
public sealed class PlatformClientBalancingTests
{
    private static EmbeddingService.EmbeddingServiceClient Client(string? balancing, string endpoint)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [GrpcClientExtensions.BalancingKey] = balancing,
            ["services:embedding:http:0"] = endpoint,
        });
        builder.AddTenancy();
        builder.Services.AddServiceDiscovery();
        builder.AddPlatformClient<EmbeddingService.EmbeddingServiceClient>("embedding");
        return builder.Build().Services.GetRequiredService<EmbeddingService.EmbeddingServiceClient>();
    }

    [Fact]
    public async Task Without_dns_balancing_the_client_goes_through_service_discovery()
    {
        await using var host = await ServiceHost.StartAsync(b => b.AddEmbeddingService(), a => a.MapEmbeddingService());
        var client = Client(null, host.Address.ToString());
        Assert.NotEmpty((await client.ListModelsAsync(new ListModelsRequest(), deadline: DateTime.UtcNow.AddSeconds(30))).Models);
    }

    [Fact]
    public async Task A_dns_balanced_client_resolves_the_host_name_and_calls_the_service()
    {
        await using var host = await ServiceHost.StartAsync(b => b.AddEmbeddingService(), a => a.MapEmbeddingService());
        var client = Client("dns", $"http://localhost:{host.Address.Port}");
        var models = await client.ListModelsAsync(new ListModelsRequest(), deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.NotEmpty(models.Models);
    }

    [Fact]
    public async Task A_name_that_does_not_resolve_is_unavailable_rather_than_a_hang()
    {
        var client = Client("dns", "http://no-such-service.invalid:5000");
        await RpcAssert.FailsAsync(StatusCode.Unavailable, () =>
            client.ListModelsAsync(new ListModelsRequest(), deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync);
    }

    [Fact]
    public void The_dns_address_comes_from_the_service_discovery_setting_and_its_absence_is_named()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [GrpcClientExtensions.BalancingKey] = "dns",
            ["services:generation:http:0"] = "http://generation-pods:8080",
        }).Build();
        Assert.Equal(new Uri("dns:///generation-pods:8080"), GrpcClientExtensions.DnsBalanced(configuration, "generation"));
        var missing = Assert.Throws<InvalidOperationException>(() => GrpcClientExtensions.DnsBalanced(configuration, "embedding"));
        Assert.Contains("services__embedding__http__0", missing.Message);
        Assert.Null(GrpcClientExtensions.DnsBalanced(new ConfigurationBuilder().Build(), "embedding"));
    }
}
