using Google.Protobuf;
using Grpc.Core;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Extensions;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

public sealed class FineTuningServiceTests : IAsyncLifetime
{
    private ServiceHost host = null!;
    private FineTuningService.FineTuningServiceClient client = null!;

    public async Task InitializeAsync()
    {
        host = await ServiceHost.StartAsync(b => b.AddFineTuningService(), a => a.MapFineTuningService());
        client = new FineTuningService.FineTuningServiceClient(host.Channel);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    private async Task<Dataset> UploadAsync(string content, DatasetKind kind = DatasetKind.PromptCompletion, string tenant = "default", string name = "pairs")
    {
        using var call = client.UploadDataset(ServiceHost.Tenant(tenant));
        await call.RequestStream.WriteAsync(new UploadDatasetRequest { Header = new DatasetHeader { DisplayName = name, Kind = kind } });
        var bytes = System.Text.Encoding.UTF8.GetBytes(content);
        foreach (var chunk in bytes.Chunk(16))
            await call.RequestStream.WriteAsync(new UploadDatasetRequest { Chunk = ByteString.CopyFrom(chunk) });
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    [Fact]
    public async Task Uploads_validate_every_line_and_are_stored_listed_and_deleted()
    {
        var good = await UploadAsync("{\"prompt\":\"a\",\"completion\":\"b\"}\n{\"prompt\":\"c\",\"completion\":\"d\"}\n");
        Assert.Equal(DatasetStatus.Valid, good.Status);
        var bad = await UploadAsync("{\"prompt\":\"a\",\"completion\":\"b\"}\n{\"prompt\":\"\"}\n", name: "broken");
        Assert.Equal(DatasetStatus.Invalid, bad.Status);
        Assert.Contains(bad.Errors, e => e.Line == 2 && e.Field == "prompt");
        Assert.Contains(bad.Errors, e => e.Line == 2 && e.Field == "completion");

        Assert.Equal(good.Id, (await client.GetDatasetAsync(new GetDatasetRequest { Id = good.Id })).Id);
        Assert.Equal(good.Id, (await UploadAsync("{\"prompt\":\"a\",\"completion\":\"b\"}\n{\"prompt\":\"c\",\"completion\":\"d\"}\n")).Id);

        var first = await client.ListDatasetsAsync(new ListDatasetsRequest { PageSize = 1 });
        var second = await client.ListDatasetsAsync(new ListDatasetsRequest { PageSize = 1, PageToken = first.NextPageToken });
        Assert.Equal(new[] { good.Id, bad.Id }.Order(), first.Datasets.Concat(second.Datasets).Select(d => d.Id).Order());
        Assert.Equal("", second.NextPageToken);

        Assert.True((await client.DeleteDatasetAsync(new DeleteDatasetRequest { Id = bad.Id })).Deleted);
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => client.GetDatasetAsync(new GetDatasetRequest { Id = bad.Id }).ResponseAsync);
        Assert.Equal(good.Id, (await client.GetDatasetAsync(new GetDatasetRequest { Id = good.Id })).Id); // nothing else lost
    }

    [Fact]
    public async Task Datasets_belong_to_their_tenant()
    {
        var mine = await UploadAsync("{\"prompt\":\"x\",\"completion\":\"y\"}\n", tenant: "acme");
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => client.GetDatasetAsync(new GetDatasetRequest { Id = mine.Id }, ServiceHost.Tenant("globex")).ResponseAsync);
        Assert.Empty((await client.ListDatasetsAsync(new ListDatasetsRequest(), ServiceHost.Tenant("globex"))).Datasets);
    }

    [Fact]
    public async Task Malformed_uploads_and_requests_answer_clearly()
    {
        using (var call = client.UploadDataset())
        {
            await call.RequestStream.WriteAsync(new UploadDatasetRequest { Chunk = ByteString.CopyFromUtf8("{}") });
            await call.RequestStream.CompleteAsync();
            await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => call.ResponseAsync, "header");
        }
        using (var call = client.UploadDataset())
        {
            await call.RequestStream.WriteAsync(new UploadDatasetRequest { Header = new DatasetHeader { DisplayName = "x" } });
            await call.RequestStream.CompleteAsync();
            await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => call.ResponseAsync, "header.kind");
        }
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => client.ListDatasetsAsync(new ListDatasetsRequest { PageToken = "zz" }).ResponseAsync, "page_token");
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => client.CreateJobAsync(new CreateJobRequest()).ResponseAsync, "base_model");
    }
}
