using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Extensions;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

/// <summary>
/// Uploads that name their base model, through the real standalone host: lines are counted by the
/// Embedding service's tokenizer of that base (hashing-v1 reads at most 512 terms).
/// </summary>
public sealed class DatasetTokenCountServiceTests : IAsyncLifetime
{
    private const string Base = "hashing-v1";
    private const int Limit = 512;
    private string dataDirectory = null!;
    private ServiceHost host = null!;
    private FineTuningService.FineTuningServiceClient client = null!;

    public async Task InitializeAsync()
    {
        dataDirectory = Path.Combine(Path.GetTempPath(), "ragplatform-dstok-" + Guid.NewGuid().ToString("N")[..10]);
        host = await ServiceHost.StartStandaloneAsync(new Dictionary<string, string?>
        {
            ["FineTuning:DataDirectory"] = dataDirectory,
            ["Embedding:DefaultModel"] = Base,
        });
        client = new FineTuningService.FineTuningServiceClient(host.Channel);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        try { Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { }
    }

    internal static async Task<Dataset> UploadAsync(FineTuningService.FineTuningServiceClient client, string content, string baseModel,
        DatasetKind kind = DatasetKind.RetrievalPairs)
    {
        using var call = client.UploadDataset();
        await call.RequestStream.WriteAsync(new UploadDatasetRequest { Header = new DatasetHeader { DisplayName = "counted", Kind = kind, BaseModel = baseModel } });
        foreach (var chunk in System.Text.Encoding.UTF8.GetBytes(content).Chunk(64 * 1024))
            await call.RequestStream.WriteAsync(new UploadDatasetRequest { Chunk = ByteString.CopyFrom(chunk) });
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    private static string Terms(int count, string stem) => string.Join(' ', Enumerable.Range(0, count).Select(i => $"{stem}{i}"));

    private static string Pair(string query, string positive) => JsonSerializer.Serialize(new { query, positive }) + "\n";

    [Fact]
    public async Task Lines_over_the_base_encoders_limit_are_reported_with_their_count()
    {
        var file = Pair("what grows by the wall", "Beans grow by the wall.")
            + Pair(Terms(Limit + 40, "query"), "A passage.")
            + Pair("a fine question", Terms(Limit + 100, "passage"))
            + Pair("a last question", "The last passage.");
        var dataset = await UploadAsync(client, file, Base);

        Assert.Equal(DatasetStatus.Invalid, dataset.Status);
        Assert.Equal(Base, dataset.BaseModel);
        var error = Assert.Single(dataset.Errors);
        Assert.Equal((2ul, "query", (uint)Limit + 40, (uint)Limit), (error.Line, error.Field, error.TokenCount, error.TokenLimit));
        var warning = Assert.Single(dataset.Warnings);
        Assert.Equal((3ul, "positive", (uint)Limit + 100, (uint)Limit), (warning.Line, warning.Field, warning.TokenCount, warning.TokenLimit));
        Assert.Equal(3u, dataset.ValidLines);
        Assert.Equal(dataset.Id, (await client.GetDatasetAsync(new GetDatasetRequest { Id = dataset.Id })).Id);
    }

    [Fact]
    public async Task A_dataset_within_the_limit_is_valid_and_can_start_a_job()
    {
        var dataset = await UploadAsync(client, FineTuningData.Pairs(4), Base);
        Assert.Equal(DatasetStatus.Valid, dataset.Status);
        Assert.Empty(dataset.Warnings);
        var job = await client.CreateJobAsync(new CreateJobRequest { BaseModel = Base, TrainingDatasetId = dataset.Id, Suffix = "counted" });
        Assert.Equal(JobState.Queued, job.State);
    }

    [Fact]
    public async Task An_unknown_base_or_one_that_trains_on_other_data_is_refused_by_name_and_nothing_is_stored()
    {
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => UploadAsync(client, Pair("q", "p"), "no-such-model"), "header.base_model");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument,
            () => UploadAsync(client, "{\"prompt\":\"a\",\"completion\":\"b\"}\n", Base, DatasetKind.PromptCompletion), "header.base_model");
        Assert.Empty((await client.ListDatasetsAsync(new ListDatasetsRequest())).Datasets);
    }
}

/// <summary>The FineTuning service alone: the Embedding service that would count a retrieval base's tokens is not there.</summary>
public sealed class DatasetTokenCountOutageTests : IAsyncLifetime
{
    private ServiceHost host = null!;
    private FineTuningService.FineTuningServiceClient client = null!;

    public async Task InitializeAsync()
    {
        host = await ServiceHost.StartAsync(b => b.AddFineTuningService(), a => a.MapFineTuningService());
        client = new FineTuningService.FineTuningServiceClient(host.Channel);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task An_unreachable_tokenizer_is_unavailable_naming_it_and_nothing_is_stored()
    {
        var error = await RpcAssert.FailsAsync(StatusCode.Unavailable,
            () => DatasetTokenCountServiceTests.UploadAsync(client, "{\"query\":\"q\",\"positive\":\"p\"}\n", "use-lite"));
        Assert.Contains("Embedding service", error.Status.Detail);
        Assert.Empty((await client.ListDatasetsAsync(new ListDatasetsRequest())).Datasets);
        Assert.DoesNotContain(Directory.EnumerateFiles(host.DataDirectory, "*", SearchOption.AllDirectories), f => f.Contains("datasets"));
    }
}
