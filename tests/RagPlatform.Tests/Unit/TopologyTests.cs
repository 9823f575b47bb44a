using System.Text.RegularExpressions;
using RagPlatform.Launcher;

namespace RagPlatform.Tests.Unit;

/// <summary>deploy/topology.json is what both the AppHost and the launcher run: check it whole.</summary>
public sealed class TopologyTests
{
    private static readonly string Root = RepositoryRoot.Find();

    [Fact]
    public void Declares_the_five_services_with_real_projects_in_dependency_order()
    {
        var topology = Topology.Load(Root);
        Assert.Equal(["embedding", "vectorsearch", "finetuning", "generation", "queryrouter"], topology.StartOrder().Select(s => s.Name));
        foreach (var service in topology.Services)
        {
            Assert.True(File.Exists(Path.Combine(Root, service.Project)), $"{service.Project} does not exist");
            Assert.InRange(service.Replicas, 1, 10);
        }
        var router = topology.Services.Single(s => s.Name == "queryrouter");
        Assert.Equal(["redis", "embedding", "vectorsearch", "generation", "finetuning"], router.References);
        Assert.Equal("redis", topology.Resources["redis"].Type);
        Assert.True(topology.Resources["redis"].Persistence);
        var qdrantTag = topology.Resources["qdrant"].ImageTag!;
        var version = Regex.Match(qdrantTag, @"^v(\d+)\.(\d+)");
        Assert.True(int.Parse(version.Groups[1].Value) > 1 || int.Parse(version.Groups[2].Value) >= 17, $"Qdrant {qdrantTag} is older than 1.17");
    }

    [Fact]
    public void Service_names_match_the_addresses_the_router_resolves()
    {
        var names = Topology.Load(Root).Services.Select(s => s.Name).ToHashSet();
        Assert.Contains(QueryRouter.Extensions.QueryRouterServiceExtensions.EmbeddingService, names);
        Assert.Contains(QueryRouter.Extensions.QueryRouterServiceExtensions.VectorSearchService, names);
        Assert.Contains(QueryRouter.Extensions.QueryRouterServiceExtensions.GenerationService, names);
        Assert.Equal(names.Order(), Standalone.StandaloneHost.ServiceNames.Order());
    }

    [Fact]
    public void The_apphost_reads_the_same_file()
    {
        // The AppHost cannot be compiled here, so its constant is read from source.
        var apphost = File.ReadAllText(Path.Combine(Root, "RagPlatform.AppHost", "TopologyFile.cs"));
        var declared = Regex.Match(apphost, @"RelativePath\s*=\s*""([^""]+)""");
        Assert.True(declared.Success, "TopologyFile.cs no longer declares RelativePath");
        Assert.Equal(Topology.RelativePath, declared.Groups[1].Value);
    }
}
