using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Standalone;

namespace RagPlatform.Cli.Client;

/// <summary>
/// What a command talks to: a running deployment at an endpoint, or a standalone host started in
/// this process on a free port with its data in a temporary folder.
/// </summary>
public sealed class PlatformTarget : IAsyncDisposable
{
    private readonly WebApplication? host;
    private readonly string? dataDirectory;
    private readonly GrpcChannel channel;
    private readonly Metadata headers = [];

    private PlatformTarget(Uri address, WebApplication? host, string? dataDirectory, string? tenant)
    {
        Address = address;
        this.host = host;
        this.dataDirectory = dataDirectory;
        channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20, MaxSendMessageSize = 64 << 20 });
        if (!string.IsNullOrEmpty(tenant)) headers.Add("x-tenant-id", tenant);
        Router = new QueryRouterService.QueryRouterServiceClient(channel);
        Embedding = new EmbeddingService.EmbeddingServiceClient(channel);
        FineTuning = new FineTuningService.FineTuningServiceClient(channel);
    }

    public Uri Address { get; }
    public bool InProcess => host is not null;
    public Metadata Headers => headers;
    public QueryRouterService.QueryRouterServiceClient Router { get; }
    public EmbeddingService.EmbeddingServiceClient Embedding { get; }
    public FineTuningService.FineTuningServiceClient FineTuning { get; }

    public static PlatformTarget Connect(string endpoint, string? tenant = null) =>
        new(new Uri(endpoint), null, null, tenant);

    /// <summary>A standalone host in this process, quiet, on a free loopback port.</summary>
    public static async Task<PlatformTarget> StartInProcessAsync(string? tenant = null, string[]? settings = null)
    {
        var data = Path.Combine(Path.GetTempPath(), "ragplatform-" + Guid.NewGuid().ToString("N")[..8]);
        var app = StandaloneHost.Build(
            ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default", "Warning", "--FineTuning:DataDirectory", Path.Combine(data, "finetuning"),
             "--VectorSearch:DataDirectory", Path.Combine(data, "vectors"), .. settings ?? []]);
        var address = await StandaloneHost.StartAsync(app);
        return new PlatformTarget(address, app, data, tenant);
    }

    public async ValueTask DisposeAsync()
    {
        channel.Dispose();
        if (host is not null)
        {
            await host.StopAsync();
            await host.DisposeAsync();
        }
        if (dataDirectory is not null && Directory.Exists(dataDirectory))
            Directory.Delete(dataDirectory, recursive: true);
    }
}
