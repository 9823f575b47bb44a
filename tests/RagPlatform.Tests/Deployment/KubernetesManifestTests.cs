using System.Diagnostics;
using System.Text.Json.Nodes;
using RagPlatform.Launcher;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace RagPlatform.Tests.Deployment;

/// <summary>
/// deploy/k8s rendered by kustomize, checked against the topology every other launcher runs:
/// each service is there, reachable the way its clients address it, probed over gRPC health,
/// spread over pods, and protected from draining all at once.
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly string Root = RepositoryRoot.Find();
    private static readonly Lazy<IReadOnlyList<JsonObject>> Rendered = new(Render);

    private static IReadOnlyList<JsonObject> Render()
    {
        var info = new ProcessStartInfo("kubectl", ["kustomize", Path.Combine(Root, "deploy", "k8s")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var errors = process.StandardError.ReadToEndAsync();
        var yaml = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"kubectl kustomize failed: {errors.Result}");

        var parser = new Parser(new StringReader(yaml));
        var reader = new DeserializerBuilder().Build();
        var json = new SerializerBuilder().JsonCompatible().Build();
        var documents = new List<JsonObject>();
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
            documents.Add(JsonNode.Parse(json.Serialize(reader.Deserialize(parser)))!.AsObject());
        return documents;
    }

    private static JsonObject Single(string kind, string name) =>
        Assert.Single(Rendered.Value, d => (string?)d["kind"] == kind && (string?)d["metadata"]!["name"] == name);

    private static IEnumerable<TopologyService> Services => Topology.Load(Root).Services;

    [Fact]
    public void Every_service_has_a_headless_service_and_a_deployment_probed_over_grpc_health()
    {
        foreach (var service in Services)
        {
            var headless = Single("Service", service.Name);
            Assert.Equal("None", (string?)headless["spec"]!["clusterIP"]);
            Assert.Equal("8080", headless["spec"]!["ports"]![0]!["port"]!.ToString());

            var deployment = Single("Deployment", service.Name);
            Assert.Equal("ragplatform", (string?)deployment["metadata"]!["namespace"]);
            var pod = deployment["spec"]!["template"]!["spec"]!;
            var container = pod["containers"]![0]!;
            Assert.StartsWith($"ragplatform/{service.Name}:", (string?)container["image"]);
            foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
                Assert.Equal("8080", container[probe]?["grpc"]?["port"]?.ToString());
            var env = container["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => e!["value"]?.ToString());
            Assert.Equal(service.Name, env["OTEL_SERVICE_NAME"]);
            Assert.Equal("true", pod["securityContext"]!["runAsNonRoot"]!.ToString());
            Assert.StartsWith("ragplatform-settings", (string?)container["envFrom"]![0]!["configMapRef"]!["name"]);
        }
    }

    [Fact]
    public void Clients_balance_over_dns_and_every_service_address_points_at_its_headless_service()
    {
        var settings = Assert.Single(Rendered.Value, d => (string?)d["kind"] == "ConfigMap")["data"]!.AsObject();
        Assert.Equal("dns", (string?)settings["Grpc__ClientBalancing"]);
        foreach (var service in Services)
        {
            foreach (var reference in service.References.Where(r => Services.Any(s => s.Name == r)))
                Assert.Equal($"http://{reference}:8080", (string?)settings[$"services__{reference}__http__0"]);
            if (service.References.Contains("redis"))
            {
                var redis = (string)settings["ConnectionStrings__redis"]!;
                Single("Service", redis.Split(':')[0]);
            }
        }
    }

    [Fact]
    public void Scaled_services_autoscale_from_their_topology_replicas_and_keep_one_pod_through_a_drain()
    {
        foreach (var service in Services)
        {
            var deployment = Single("Deployment", service.Name);
            var budget = Single("PodDisruptionBudget", service.Name);
            var selector = budget["spec"]!["selector"]!["matchLabels"]!.ToJsonString();
            Assert.Equal(deployment["spec"]!["selector"]!["matchLabels"]!.ToJsonString(), selector);
            if (service.Replicas < 2)
                continue;
            Assert.Equal("1", budget["spec"]!["minAvailable"]!.ToString());
            var autoscaler = Single("HorizontalPodAutoscaler", service.Name);
            Assert.Equal(service.Name, (string?)autoscaler["spec"]!["scaleTargetRef"]!["name"]);
            Assert.True(int.Parse(autoscaler["spec"]!["minReplicas"]!.ToString()) >= service.Replicas,
                $"{service.Name} may scale below the {service.Replicas} replicas its topology declares");
        }
    }
}
