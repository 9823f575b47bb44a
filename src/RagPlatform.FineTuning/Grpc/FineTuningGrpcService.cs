using Grpc.Core;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Datasets;
using RagPlatform.FineTuning.Storage;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.FineTuning.Grpc;

/// <summary>
/// The gRPC face of fine-tuning. Datasets are served here; jobs, checkpoints and the model
/// registry answer UNIMPLEMENTED (the generated base class does that) until they are built.
/// </summary>
public sealed class FineTuningGrpcService(DatasetStore store, IOptions<FineTuningOptions> options)
    : FineTuningService.FineTuningServiceBase
{
    public override async Task<Dataset> UploadDataset(IAsyncStreamReader<UploadDatasetRequest> requestStream, ServerCallContext context)
    {
        var token = context.CancellationToken;
        if (!await requestStream.MoveNext(token) || requestStream.Current.PartCase != UploadDatasetRequest.PartOneofCase.Header)
            throw new InvalidArgumentException("header", "the first message must carry the dataset header");
        var header = requestStream.Current.Header;
        Require.NotBlank(header.DisplayName, "header.display_name");
        Require.MaxLength(header.DisplayName, 128, "header.display_name");
        Require.That(header.Kind != DatasetKind.Unspecified, "header.kind", "must be CHAT, PROMPT_COMPLETION or RETRIEVAL_PAIRS");

        var limits = options.Value;
        using var reader = new DatasetReader(header, store.NewSpoolPath(), limits.MaxDatasetBytes, limits.MaxLineBytes);
        try
        {
            int index = 1;
            while (await requestStream.MoveNext(token))
            {
                Require.That(requestStream.Current.PartCase == UploadDatasetRequest.PartOneofCase.Chunk,
                    $"messages[{index}]", "only the first message may carry a header; the rest carry chunks");
                reader.Append(requestStream.Current.Chunk.Span);
                index++;
            }
            var dataset = reader.Complete();
            return store.Save(dataset, reader.SpoolPath);
        }
        finally
        {
            if (File.Exists(reader.SpoolPath)) File.Delete(reader.SpoolPath);
        }
    }

    public override Task<Dataset> GetDataset(GetDatasetRequest request, ServerCallContext context)
    {
        Require.NotBlank(request.Id, "id");
        return Task.FromResult(store.Find(request.Id) ?? throw new NotFoundException($"dataset '{request.Id}' does not exist"));
    }

    public override Task<ListDatasetsResponse> ListDatasets(ListDatasetsRequest request, ServerCallContext context)
    {
        Require.That(request.PageSize <= 100, "page_size", "must be at most 100");
        int pageSize = request.PageSize == 0 ? 20 : (int)request.PageSize;
        int offset = 0;
        Require.That(request.PageToken.Length == 0 || (int.TryParse(request.PageToken, out offset) && offset >= 0),
            "page_token", "is not a token this service issued");
        var all = store.List();
        var response = new ListDatasetsResponse();
        response.Datasets.Add(all.Skip(offset).Take(pageSize));
        if (offset + pageSize < all.Count) response.NextPageToken = (offset + pageSize).ToString();
        return Task.FromResult(response);
    }

    public override Task<DeleteDatasetResponse> DeleteDataset(DeleteDatasetRequest request, ServerCallContext context)
    {
        Require.NotBlank(request.Id, "id");
        return Task.FromResult(new DeleteDatasetResponse { Deleted = store.Delete(request.Id) });
    }
}
