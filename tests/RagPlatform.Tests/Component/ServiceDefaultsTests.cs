using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Embedding.Extensions;
using RagPlatform.Launcher;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

public sealed class ServiceDefaultsTests
{
    /// <summary>Records the deadline and tenant every served call arrived with.</summary>
    private sealed class CallRecorder : Interceptor
    {
        public static readonly ConcurrentQueue<(string Method, DateTime Deadline, string? Tenant)> Calls = new();

        public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
            UnaryServerMethod<TRequest, TResponse> continuation)
        {
            Calls.Enqueue((context.Method, context.Deadline, context.RequestHeaders.GetValue("x-tenant-id")));
            return continuation(request, context);
        }
    }

    [Fact]
    public async Task The_callers_deadline_and_tenant_reach_every_downstream_call()
    {
        await using var host = await ServiceHost.StartStandaloneAsync(configure: b =>
            b.Services.Configure<GrpcServiceOptions>(o => o.Interceptors.Add<CallRecorder>()));
        var router = new QueryRouterService.QueryRouterServiceClient(host.Channel);
        using (var ingest = router.Ingest(ServiceHost.Tenant("deadlines")))
        {
            await ingest.RequestStream.WriteAsync(new IngestRequest { DocumentId = "d", Content = ByteString.CopyFromUtf8("The sky is blue.") });
            await ingest.RequestStream.CompleteAsync();
            await ingest;
        }
        CallRecorder.Calls.Clear();
        var deadline = DateTime.UtcNow.AddMinutes(5);
        await router.AskAsync(new AskRequest { Question = "What colour is the sky?" }, ServiceHost.Tenant("deadlines"), deadline);

        var downstream = CallRecorder.Calls.Where(c => !c.Method.EndsWith("/Ask")).ToList();
        Assert.Contains(downstream, c => c.Method.EndsWith("/Embed"));
        Assert.Contains(downstream, c => c.Method.EndsWith("/Search"));
        Assert.Contains(downstream, c => c.Method.EndsWith("/Generate"));
        Assert.All(downstream, c =>
        {
            Assert.InRange(c.Deadline, deadline.AddSeconds(-5), deadline.AddSeconds(1));
            Assert.Equal("deadlines", c.Tenant);
        });
    }

    [Fact]
    public async Task Health_is_served_over_grpc_and_http2_and_redis_down_is_degraded_not_fatal()
    {
        await using var redis = await RedisServer.StartAsync(Path.Combine(Path.GetTempPath(), "ragplatform-health-" + Guid.NewGuid().ToString("N")[..8]));
        await using var host = await ServiceHost.StartAsync(b => b.AddEmbeddingService(), a => a.MapEmbeddingService(),
            new Dictionary<string, string?> { ["ConnectionStrings:redis"] = redis.ConnectionString });
        var health = new Health.HealthClient(host.Channel);
        using var http = new HttpClient { BaseAddress = host.Address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        Assert.Equal("Healthy", await http.GetStringAsync("/health"));
        Assert.Equal("Healthy", await http.GetStringAsync("/alive"));

        await redis.StopAsync();
        var response = await http.GetAsync("/health");
        Assert.Equal("Degraded", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // degraded still takes traffic
        Assert.Equal("Healthy", await http.GetStringAsync("/alive"));

        await redis.StartAsync();
        await WaitUntilAsync(async () => await http.GetStringAsync("/health") == "Healthy", TimeSpan.FromSeconds(30));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(100);
        }
    }
}
