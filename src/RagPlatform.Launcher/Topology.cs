using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagPlatform.Launcher;

/// <summary>An infrastructure resource: "redis" or "qdrant".</summary>
public sealed record TopologyResource(string Type, bool Persistence = false, string? ImageTag = null, string? ApiKeyParameter = null);

/// <summary>One platform service: its project, replica count, what it references, extra environment.</summary>
public sealed record TopologyService(
    string Name,
    string Project,
    int Replicas,
    IReadOnlyList<string> References,
    IReadOnlyDictionary<string, string> Environment);

/// <summary>
/// deploy/topology.json: the one description of the distributed topology, read by the Aspire
/// AppHost and by this launcher alike.
/// </summary>
public sealed record Topology(IReadOnlyDictionary<string, TopologyResource> Resources, IReadOnlyList<TopologyService> Services)
{
    public const string RelativePath = "deploy/topology.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    public static Topology Load(string repositoryRoot)
    {
        var path = Path.Combine(repositoryRoot, RelativePath);
        var topology = JsonSerializer.Deserialize<Topology>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path} is empty");
        topology.Validate(path);
        return topology;
    }

    /// <summary>Services in an order where each starts after everything it references.</summary>
    public IReadOnlyList<TopologyService> StartOrder()
    {
        var ordered = new List<TopologyService>();
        var done = new HashSet<string>(Resources.Keys);
        var pending = Services.ToList();
        while (pending.Count > 0)
        {
            var ready = pending.FirstOrDefault(s => s.References.All(done.Contains))
                ?? throw new InvalidDataException($"services reference each other in a cycle: {string.Join(", ", pending.Select(s => s.Name))}");
            ordered.Add(ready);
            done.Add(ready.Name);
            pending.Remove(ready);
        }
        return ordered;
    }

    private void Validate(string path)
    {
        var names = new HashSet<string>(Resources.Keys);
        foreach (var (name, resource) in Resources)
            if (resource.Type is not ("redis" or "qdrant"))
                throw new InvalidDataException($"{path}: resource '{name}' has unknown type '{resource.Type}'");
        foreach (var service in Services)
        {
            if (!names.Add(service.Name))
                throw new InvalidDataException($"{path}: the name '{service.Name}' is used twice");
            if (service.Replicas < 1)
                throw new InvalidDataException($"{path}: service '{service.Name}' needs at least one replica");
        }
        foreach (var service in Services)
            foreach (var reference in service.References)
                if (!names.Contains(reference))
                    throw new InvalidDataException($"{path}: service '{service.Name}' references unknown '{reference}'");
        StartOrder();
    }
}
