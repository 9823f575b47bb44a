namespace RagPlatform.AppHost;

/// <summary>Turns a <see cref="TopologyFile"/> into Aspire resources.</summary>
internal static class TopologyAppModel
{
    /// <summary>The one endpoint of every service: gRPC over HTTP/2 cleartext (h2c).</summary>
    public const string ServiceEndpointName = "http";

    // How a service attaches to a named dependency: inject its address, then start after it.
    // Kept as a delegate so each dependency keeps its exact builder type (see AddQdrantDependency).
    private delegate void Attach(IResourceBuilder<ProjectResource> dependent);

    public static void AddTopology(this IDistributedApplicationBuilder builder, TopologyFile topology, string repoRoot)
    {
        var attachByName = new Dictionary<string, Attach>();

        foreach (var (name, resource) in topology.Resources)
        {
            attachByName[name] = resource.Type switch
            {
                TopologyResourceTypes.Redis => builder.AddRedisDependency(name, resource),
                TopologyResourceTypes.Qdrant => builder.AddQdrantDependency(name, resource),
                _ => throw new InvalidDataException($"Resource '{name}' has unknown type '{resource.Type}'."),
            };
        }

        // Add every project first so a service may reference one listed after it.
        var projectByName = new Dictionary<string, IResourceBuilder<ProjectResource>>();
        foreach (var service in topology.Services)
        {
            var project = builder.AddServiceProject(service, repoRoot);
            projectByName[service.Name] = project;
            // Service discovery: injects services__<name>__http__0 into the dependent.
            attachByName[service.Name] = dependent => dependent.WithReference(project).WaitFor(project);
        }

        foreach (var service in topology.Services)
        {
            foreach (var reference in service.References)
            {
                attachByName[reference](projectByName[service.Name]);
            }
        }
    }

    private static Attach AddRedisDependency(this IDistributedApplicationBuilder builder, string name, TopologyResource spec)
    {
        var redis = builder.AddRedis(name);
        if (spec.ImageTag is { } imageTag)
        {
            redis.WithImageTag(imageTag);
        }
        if (spec.Persistence)
        {
            // WithDataVolume already turns on snapshots; state the policy here rather than rely on the default:
            // save every 60 s when at least one key changed.
            redis.WithDataVolume().WithPersistence(TimeSpan.FromSeconds(60), keysChangedThreshold: 1);
        }
        // Injects ConnectionStrings__<name> = host:port,password=...
        return dependent => dependent.WithReference(redis).WaitFor(redis);
    }

    private static Attach AddQdrantDependency(this IDistributedApplicationBuilder builder, string name, TopologyResource spec)
    {
        // Without a parameter Aspire generates a random key per run; a named secret lets the key be set once.
        IResourceBuilder<ParameterResource>? apiKey = spec.ApiKeyParameter is { } parameterName
            ? builder.AddParameter(parameterName, secret: true)
            : null;
        var qdrant = builder.AddQdrant(name, apiKey: apiKey);
        if (spec.ImageTag is { } imageTag)
        {
            qdrant.WithImageTag(imageTag);
        }
        // The vector store is the system of record for indexed chunks: always keep /qdrant/storage.
        qdrant.WithDataVolume();
        // The Qdrant-typed WithReference (not the IResourceWithConnectionString one) injects both
        // ConnectionStrings__<name> (gRPC, Endpoint=...;Key=...) and ConnectionStrings__<name>_http (REST),
        // which is the one the service reads. Hence `qdrant` stays IResourceBuilder<QdrantServerResource>.
        return dependent => dependent.WithReference(qdrant).WaitFor(qdrant);
    }

    private static IResourceBuilder<ProjectResource> AddServiceProject(this IDistributedApplicationBuilder builder, TopologyService service, string repoRoot)
    {
        var projectPath = Path.Combine(repoRoot, service.Project);

        // Services have no launchSettings.json; excluding launch profiles also keeps a future one from
        // adding its own endpoints or running with `dotnet run --launch-profile`.
        var project = builder.AddProject(service.Name, projectPath, options => options.ExcludeLaunchProfile = true)
            // Declared explicitly since no launch profile supplies it. Without an `env` argument Aspire
            // tells the service where to listen through ASPNETCORE_URLS (run) or HTTP_PORTS (publish).
            .WithHttpEndpoint(name: ServiceEndpointName)
            // Marks the endpoint's transport as http2 (prior knowledge) for the proxy and the manifest.
            .AsHttp2Service()
            // h2c: without TLS there is no ALPN, so Kestrel must speak HTTP/2 only on this port.
            // No WithHttpHealthCheck: an HTTP/1.1 probe cannot talk to an HTTP/2-only port.
            .WithEnvironment("Kestrel__EndpointDefaults__Protocols", "Http2");

        if (service.Replicas > 1)
        {
            project.WithReplicas(service.Replicas);
        }

        // Last, so the topology file can override the defaults above.
        foreach (var (key, value) in service.Environment)
        {
            project.WithEnvironment(key, value);
        }

        return project;
    }
}
