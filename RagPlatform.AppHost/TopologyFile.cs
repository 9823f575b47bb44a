using System.Text.Json;

namespace RagPlatform.AppHost;

/// <summary>deploy/topology.json: the one description of the topology (the local launcher reads it too).</summary>
internal sealed record TopologyFile
{
    public const string RelativePath = "deploy/topology.json";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        // A null where the records say non-null is a file error, not a later NullReferenceException.
        RespectNullableAnnotations = true,
    };

    public required IReadOnlyDictionary<string, TopologyResource> Resources { get; init; }

    /// <summary>In file order, which is also the order the services are added in.</summary>
    public required IReadOnlyList<TopologyService> Services { get; init; }

    public static TopologyFile Load(string repoRoot)
    {
        var path = Path.Combine(repoRoot, RelativePath);
        TopologyFile? topology;
        try
        {
            using var stream = File.OpenRead(path);
            topology = JsonSerializer.Deserialize<TopologyFile>(stream, JsonOptions);
        }
        catch (JsonException e)
        {
            throw Invalid(path, e.Message);
        }
        if (topology is null)
        {
            throw Invalid(path, "the file holds null.");
        }
        topology.Validate(path, repoRoot);
        return topology;
    }

    private void Validate(string path, string repoRoot)
    {
        foreach (var (name, resource) in Resources)
        {
            if (!TopologyResourceTypes.All.Contains(resource.Type))
            {
                throw Invalid(path, $"resource '{name}' has unknown type '{resource.Type}' (known: {string.Join(", ", TopologyResourceTypes.All)}).");
            }
        }

        var serviceNames = new HashSet<string>();
        foreach (var service in Services)
        {
            if (!serviceNames.Add(service.Name) || Resources.ContainsKey(service.Name))
            {
                throw Invalid(path, $"the name '{service.Name}' is used more than once.");
            }
            if (service.Replicas < 1)
            {
                throw Invalid(path, $"service '{service.Name}' has replicas {service.Replicas}; it must be at least 1.");
            }
            if (!File.Exists(Path.Combine(repoRoot, service.Project)))
            {
                throw Invalid(path, $"service '{service.Name}' names project '{service.Project}', which does not exist under {repoRoot}.");
            }
        }

        foreach (var service in Services)
        {
            foreach (var reference in service.References)
            {
                if (!Resources.ContainsKey(reference) && !serviceNames.Contains(reference))
                {
                    throw Invalid(path, $"service '{service.Name}' references '{reference}', which is neither a resource nor a service.");
                }
            }
        }

        RejectWaitCycles(path);
    }

    // Every service reference is also a WaitFor, so a cycle would hang startup silently.
    private void RejectWaitCycles(string path)
    {
        var byName = Services.ToDictionary(s => s.Name);
        var done = new HashSet<string>();
        var onPath = new List<string>();

        void Visit(TopologyService service)
        {
            if (done.Contains(service.Name))
            {
                return;
            }
            if (onPath.Contains(service.Name))
            {
                throw Invalid(path, $"services wait for each other in a cycle: {string.Join(" -> ", onPath)} -> {service.Name}.");
            }
            onPath.Add(service.Name);
            foreach (var reference in service.References)
            {
                if (byName.TryGetValue(reference, out var dependency))
                {
                    Visit(dependency);
                }
            }
            onPath.RemoveAt(onPath.Count - 1);
            done.Add(service.Name);
        }

        foreach (var service in Services)
        {
            Visit(service);
        }
    }

    private static InvalidDataException Invalid(string path, string message) => new($"{path}: {message}");
}

internal static class TopologyResourceTypes
{
    public const string Redis = "redis";
    public const string Qdrant = "qdrant";

    public static readonly IReadOnlySet<string> All = new HashSet<string> { Redis, Qdrant };
}

/// <summary>A container dependency (redis, qdrant) that services reference by name.</summary>
internal sealed record TopologyResource
{
    public required string Type { get; init; }

    /// <summary>Keep the data in a named volume across runs.</summary>
    public bool Persistence { get; init; }

    /// <summary>Overrides the image tag the Aspire integration defaults to.</summary>
    public string? ImageTag { get; init; }

    /// <summary>Name of the secret AppHost parameter holding the API key (qdrant).</summary>
    public string? ApiKeyParameter { get; init; }
}

/// <summary>One gRPC service project.</summary>
internal sealed record TopologyService
{
    public required string Name { get; init; }

    /// <summary>Path of the .csproj, relative to the repository root.</summary>
    public required string Project { get; init; }

    public int Replicas { get; init; } = 1;

    /// <summary>Names of resources or other services this one calls; each is also waited for.</summary>
    public IReadOnlyList<string> References { get; init; } = [];

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}
