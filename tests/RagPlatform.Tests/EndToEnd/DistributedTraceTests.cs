using Google.Protobuf;
using Grpc.Net.Client;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Launcher;
using RagPlatform.Tests.Infrastructure;
using RagPlatform.Tests.Otlp;
using StackExchange.Redis;

namespace RagPlatform.Tests.EndToEnd;

/// <summary>
/// The five services as separate processes (started by the local launcher from the topology the
/// AppHost declares), a real redis-server, and an OTLP receiver listening over the wire.
/// </summary>
[Collection(NonParallel.Name)]
public sealed class DistributedTraceTests
{
    private const string AnsweringSentence = "Tides are caused by the gravitational pull of the Moon and the Sun acting on the oceans, together with the rotation of the Earth.";
    private static readonly string[] Hops = ["queryrouter", "embedding", "vectorsearch", "generation"];
    /// <summary>Who calls each service on an Ask's path: Generation reads the fine-tuned model registry itself.</summary>
    private static readonly Dictionary<string, string> Callers = new()
    {
        ["embedding"] = "queryrouter", ["vectorsearch"] = "queryrouter", ["generation"] = "queryrouter", ["finetuning"] = "generation",
    };

    [Fact]
    public async Task An_ask_is_one_trace_whose_every_hop_is_a_child_of_its_callers_client_span()
    {
        await using var receiver = await OtlpTraceReceiver.StartAsync();
        await using var launcher = await LocalLauncher.StartAsync(new LaunchOptions
        {
            Replicas = 1,
            Configuration = TestBuild.Configuration,
            OtlpEndpoint = receiver.Endpoint,
            Environment = new Dictionary<string, string> { ["OTEL_BSP_SCHEDULE_DELAY"] = "100" },
        });
        using var channel = GrpcChannel.ForAddress(launcher.Addresses["queryrouter"][0]);
        var router = new QueryRouterService.QueryRouterServiceClient(channel);

        var ingested = await IngestSamplesAsync(router);
        Assert.Equal(4u, ingested.Indexed);

        var answer = await router.AskAsync(new AskRequest { Question = "What causes the tides?" });

        // The answer quotes the sentence that holds it, and cites the passage it came from.
        Assert.Contains(AnsweringSentence, answer.Answer);
        var citation = Assert.Single(answer.Citations, c => c.DocumentId == "tides.md");
        Assert.Equal(AnsweringSentence, citation.Text);
        var tides = File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "samples", "tides.md"));
        Assert.Equal(AnsweringSentence, tides[(int)citation.StartChar..(int)citation.EndChar]);

        // One trace: server spans from all four services on the path, each child of a client span.
        var traceId = answer.TraceId;
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        var spans = await receiver.WaitForAsync(
            all => Hops.All(service => all.Any(s => s.TraceId == traceId && s.Service == service && s.Kind == SpanKind.Server)),
            TimeSpan.FromSeconds(60), "server spans of the Ask from all four services");
        var trace = spans.Where(s => s.TraceId == traceId).ToList();
        var byId = trace.ToDictionary(s => s.SpanId);

        var root = Assert.Single(trace, s => s.ParentSpanId.Length == 0);
        Assert.Equal("queryrouter", root.Service);
        Assert.Equal(SpanKind.Server, root.Kind);
        foreach (var server in trace.Where(s => s.Kind == SpanKind.Server && s != root))
        {
            Assert.True(byId.TryGetValue(server.ParentSpanId, out var parent), $"{server.Service} {server.Name} has no parent in the trace");
            Assert.Equal(SpanKind.Client, parent!.Kind);
            Assert.Equal(Callers[server.Service], parent.Service);
        }
        // The Ask's own server spans belong to this trace alone.
        Assert.Single(spans.Where(s => s.Service == "queryrouter" && s.Kind == SpanKind.Server && s.Name.EndsWith("/Ask")).Select(s => s.TraceId).Distinct());
        Assert.Contains(trace, s => s.Service == "queryrouter" && s.Attributes.GetValueOrDefault("ragplatform.strategy") == "Rag");

        // Every ingested document bumped its source's corpus version in the real Redis.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(launcher.Redis!.ConnectionString);
        Assert.Equal(4, (long)await redis.GetDatabase().StringGetAsync("ragplatform:default:corpus:default"));
    }

    private static async Task<IngestResponse> IngestSamplesAsync(QueryRouterService.QueryRouterServiceClient router)
    {
        var samples = Path.Combine(RepositoryRoot.Find(), "samples");
        using var call = router.Ingest();
        foreach (var file in Directory.GetFiles(samples, "*.md").Order(StringComparer.Ordinal))
            await call.RequestStream.WriteAsync(new IngestRequest
            {
                DocumentId = Path.GetFileName(file),
                FileName = Path.GetFileName(file),
                Content = ByteString.CopyFrom(File.ReadAllBytes(file)),
            });
        await call.RequestStream.CompleteAsync();
        return await call;
    }
}
