using Grpc.Core;
using Grpc.Net.Client;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.Launcher;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.EndToEnd;

/// <summary>The VectorSearch service as a real process, killed with SIGKILL while it takes upserts.</summary>
[Collection(NonParallel.Name)]
public sealed class VectorCrashTests : IDisposable
{
    private const int Dimension = 16;
    private const int BatchSize = 5;
    private readonly string data = Directory.CreateTempSubdirectory("ragplatform-crash-").FullName;

    [Fact]
    public async Task Every_acknowledged_point_survives_twenty_sigkills_and_no_batch_is_half_written()
    {
        var random = new Random(20261124);
        var acknowledged = new List<string>();   // batches the service said OK to
        var uncertain = new List<string>();      // batches in flight when the process died
        for (int round = 0; round < 20; round++)
        {
            await using var service = await StartAsync(round);
            using var channel = GrpcChannel.ForAddress(service.Address!);
            var client = new VectorSearchService.VectorSearchServiceClient(channel);
            await client.CreateCollectionAsync(new CreateCollectionRequest
            {
                Name = "crash", Dense = new DenseVectorConfig { Dimension = Dimension, Distance = Distance.Cosine },
            });

            // What earlier rounds were told is durable must all be here, and searchable.
            await AssertRecoveredAsync(client, acknowledged, uncertain);

            using var stop = new CancellationTokenSource();
            var writer = Task.Run(async () =>
            {
                for (int batch = 0; !stop.IsCancellationRequested; batch++)
                {
                    var name = $"r{round}b{batch}";
                    lock (uncertain) uncertain.Add(name);
                    try
                    {
                        await client.UpsertAsync(new UpsertRequest { Collection = "crash", Points = { Batch(name) } });
                    }
                    catch (RpcException) { return; } // the process died under this call
                    lock (uncertain) uncertain.Remove(name);
                    lock (acknowledged) acknowledged.Add(name);
                }
            });
            await Task.Delay(random.Next(30, 400));
            service.Kill();
            stop.Cancel();
            await writer;
        }
        await using var last = await StartAsync(20);
        using var lastChannel = GrpcChannel.ForAddress(last.Address!);
        await AssertRecoveredAsync(new VectorSearchService.VectorSearchServiceClient(lastChannel), acknowledged, uncertain);
        Assert.True(acknowledged.Count > 20, $"only {acknowledged.Count} batches were acknowledged: the test did too little");
    }

    private static async Task AssertRecoveredAsync(VectorSearchService.VectorSearchServiceClient client, List<string> acknowledged, List<string> uncertain)
    {
        var expected = acknowledged.Count * BatchSize;
        var total = (long)(await client.CountAsync(new CountRequest { Collection = "crash" })).Count;
        foreach (var batch in uncertain.ToList())
        {
            var present = (await client.CountAsync(new CountRequest { Collection = "crash", Filter = Ids(batch) })).Count;
            Assert.True(present is 0 or BatchSize, $"batch {batch} is half there: {present} of {BatchSize} points");
            if (present == BatchSize) { acknowledged.Add(batch); expected += BatchSize; }
            uncertain.Remove(batch);
        }
        Assert.Equal(expected, total);
        foreach (var batch in acknowledged.TakeLast(3))
        {
            var point = Batch(batch)[0];
            var hit = await client.SearchAsync(new SearchRequest { Collection = "crash", Dense = { point.Dense }, Limit = 1 });
            Assert.Equal(point.Id, hit.Points[0].Id);
        }
    }

    private static Filter Ids(string batch) =>
        new() { Must = { new Condition { HasId = new HasIdCondition { Ids = { Enumerable.Range(0, BatchSize).Select(i => $"{batch}-{i}") } } } } };

    private static List<Point> Batch(string name)
    {
        var random = new Random((int)RagPlatform.Text.TermIds.Of(name)); // a stable seed: the same batch name, the same vectors
        return Enumerable.Range(0, BatchSize).Select(i => new Point
        {
            Id = $"{name}-{i}",
            Dense = { Enumerable.Range(0, Dimension).Select(_ => (float)random.NextDouble() - 0.5f) },
        }).ToList();
    }

    private async Task<ServiceProcess> StartAsync(int round)
    {
        var assembly = ServiceBuild.Locate(RepositoryRoot.Find(), "src/RagPlatform.VectorSearch/RagPlatform.VectorSearch.csproj", TestBuild.Configuration);
        var service = ServiceProcess.Start("vectorsearch", assembly, new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["VectorSearch__Backend"] = "embedded",
            ["VectorSearch__DataDirectory"] = data,
            ["VectorSearch__Durability__SnapshotAfterBytes"] = "20000", // snapshots and segment rotation happen too
        }, Path.Combine(data, $"service-{round}.log"));
        await service.WaitReadyAsync(TimeSpan.FromSeconds(60));
        return service;
    }

    public void Dispose() => Directory.Delete(data, recursive: true);
}
