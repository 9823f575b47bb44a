using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using RagPlatform.ServiceDefaults;
using RagPlatform.Standalone;

namespace RagPlatform.Tests.Infrastructure;

/// <summary>
/// A service (or the standalone composition) served in the test process by Kestrel on a free
/// loopback port: the real gRPC stack, interceptors and all, with its data in a temporary folder.
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private ServiceHost(WebApplication app, Uri address, string dataDirectory)
    {
        this.app = app;
        Address = address;
        DataDirectory = dataDirectory;
        Channel = GrpcChannel.ForAddress(address);
    }

    public Uri Address { get; }
    public string DataDirectory { get; }
    public GrpcChannel Channel { get; }
    public IServiceProvider Services => app.Services;

    /// <summary>One service: <paramref name="add"/> registers it, <paramref name="map"/> maps it.</summary>
    public static async Task<ServiceHost> StartAsync(Action<WebApplicationBuilder> add, Action<WebApplication> map,
        IDictionary<string, string?>? settings = null)
    {
        var data = TempDirectory();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(Defaults(data, settings));
        builder.AddServiceDefaults();
        add(builder);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        map(app);
        await app.StartAsync();
        return new ServiceHost(app, new Uri(app.Urls.First()), data);
    }

    /// <summary>All five services composed as the standalone host composes them.</summary>
    public static async Task<ServiceHost> StartStandaloneAsync(IDictionary<string, string?>? settings = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        var data = TempDirectory();
        // Settings go in as arguments too: the composition reads some (ConnectionStrings:redis) while registering.
        var arguments = (settings ?? new Dictionary<string, string?>()).Where(s => s.Value is not null).Select(s => $"--{s.Key}={s.Value}");
        var app = StandaloneHost.Build(["--urls", "http://127.0.0.1:0", .. arguments], builder =>
        {
            builder.Configuration.AddInMemoryCollection(Defaults(data, settings));
            configure?.Invoke(builder);
        });
        var address = await StandaloneHost.StartAsync(app);
        return new ServiceHost(app, address, data);
    }

    public static Metadata Tenant(string tenant) => new() { { "x-tenant-id", tenant } };

    private static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "ragplatform-test-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(path);
        return path;
    }

    private static Dictionary<string, string?> Defaults(string data, IDictionary<string, string?>? settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["FineTuning:DataDirectory"] = Path.Combine(data, "finetuning"),
            ["VectorSearch:DataDirectory"] = Path.Combine(data, "vectors"),
            ["QueryRouter:DataDirectory"] = Path.Combine(data, "router"),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) values[key] = value;
        return values;
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
    }
}
