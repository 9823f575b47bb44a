namespace RagPlatform.Launcher;

/// <summary>
/// Starts deploy/topology.json on this machine: a real redis-server, then each service's replicas
/// as separate processes in dependency order, each given the variables Aspire would give it
/// (ConnectionStrings__redis, services__&lt;name&gt;__http__&lt;i&gt;, OTEL_*), and waits for each to be
/// healthy before starting what depends on it.
/// </summary>
public sealed class LocalLauncher : IAsyncDisposable
{
    private readonly List<ServiceProcess> processes = [];

    private LocalLauncher(Topology topology, string workDirectory)
    {
        Topology = topology;
        WorkDirectory = workDirectory;
    }

    public Topology Topology { get; }
    public string WorkDirectory { get; }
    public RedisServer? Redis { get; private set; }
    /// <summary>Each service's replica addresses.</summary>
    public Dictionary<string, List<Uri>> Addresses { get; } = [];
    public IReadOnlyList<ServiceProcess> Processes => processes;

    public static async Task<LocalLauncher> StartAsync(LaunchOptions options, CancellationToken cancellationToken = default)
    {
        var root = options.RepositoryRoot ?? RepositoryRoot.Find();
        var topology = Topology.Load(root);
        var work = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "ragplatform-launch-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        var launcher = new LocalLauncher(topology, work);
        try
        {
            await launcher.StartAllAsync(root, options, cancellationToken);
            return launcher;
        }
        catch
        {
            await launcher.DisposeAsync();
            throw;
        }
    }

    private async Task StartAllAsync(string root, LaunchOptions options, CancellationToken cancellationToken)
    {
        var connectionStrings = new Dictionary<string, string>();
        foreach (var (name, resource) in Topology.Resources)
        {
            if (resource.Type == "redis")
            {
                Redis = await RedisServer.StartAsync(Path.Combine(WorkDirectory, name), cancellationToken);
                connectionStrings[name] = Redis.ConnectionString;
            }
            else if (resource.Type == "qdrant" && System.Environment.GetEnvironmentVariable("QDRANT_URL") is { Length: > 0 } qdrant)
            {
                // No Qdrant runs here; one given in QDRANT_URL is passed on as the AppHost would.
                var key = System.Environment.GetEnvironmentVariable("QDRANT_API_KEY");
                connectionStrings[name + "_http"] = $"Endpoint={qdrant}" + (string.IsNullOrEmpty(key) ? "" : $";Key={key}");
            }
        }

        foreach (var service in Topology.StartOrder())
        {
            var assembly = ServiceBuild.Locate(root, service.Project, options.Configuration);
            int replicas = options.Replicas ?? service.Replicas;
            var started = new List<ServiceProcess>();
            for (int replica = 0; replica < replicas; replica++)
            {
                var environment = Environment(service, replica, connectionStrings, options);
                var process = ServiceProcess.Start($"{service.Name}-{replica}", assembly, environment,
                    Path.Combine(WorkDirectory, $"{service.Name}-{replica}.log"));
                processes.Add(process);
                started.Add(process);
            }
            var addresses = new List<Uri>();
            foreach (var process in started)
                addresses.Add(await process.WaitReadyAsync(options.ReadyTimeout, cancellationToken));
            Addresses[service.Name] = addresses;
        }
    }

    private Dictionary<string, string> Environment(TopologyService service, int replica,
        Dictionary<string, string> connectionStrings, LaunchOptions options)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["OTEL_SERVICE_NAME"] = service.Name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={service.Name}-{replica}",
            ["FineTuning__DataDirectory"] = Path.Combine(WorkDirectory, "data", "finetuning"),
            ["VectorSearch__DataDirectory"] = Path.Combine(WorkDirectory, "data", "vectors"),
        };
        if (options.OtlpEndpoint is { } otlp) environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
        foreach (var reference in service.References)
        {
            if (Addresses.TryGetValue(reference, out var addresses))
            {
                for (int i = 0; i < addresses.Count; i++)
                    environment[$"services__{reference}__http__{i}"] = addresses[i].ToString().TrimEnd('/');
            }
            foreach (var (name, value) in connectionStrings.Where(c => c.Key == reference || c.Key == reference + "_http"))
                environment[$"ConnectionStrings__{name}"] = value;
        }
        foreach (var (key, value) in service.Environment) environment[key] = value;
        foreach (var (key, value) in options.Environment) environment[key] = value;
        return environment;
    }

    public async ValueTask DisposeAsync()
    {
        // Dependents first, then what they depend on.
        for (int i = processes.Count - 1; i >= 0; i--)
            await processes[i].DisposeAsync();
        processes.Clear();
        if (Redis is not null) await Redis.DisposeAsync();
    }
}
