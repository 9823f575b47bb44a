using Grpc.Core;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.FineTuning.Datasets;
using RagPlatform.FineTuning.Jobs;
using RagPlatform.FineTuning.Registry;
using RagPlatform.FineTuning.Storage;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.ServiceDefaults.Tenancy;

namespace RagPlatform.FineTuning.Grpc;

/// <summary>The gRPC face of fine-tuning: validates, maps, and calls the dataset store, the job manager and the registry.</summary>
public sealed class FineTuningGrpcService(DatasetStore store, BaseTokenizers tokenizers, JobManager jobs, IModelRegistry registry,
    IOptions<FineTuningOptions> options)
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

        Require.MaxLength(header.BaseModel, 256, "header.base_model");

        var limits = options.Value;
        await using var tokenizer = await tokenizers.OpenAsync(header, token);
        using var reader = new DatasetReader(header, store.NewSpoolPath(), limits.MaxDatasetBytes, limits.MaxLineBytes, tokenizer);
        try
        {
            int index = 1;
            while (await requestStream.MoveNext(token))
            {
                Require.That(requestStream.Current.PartCase == UploadDatasetRequest.PartOneofCase.Chunk,
                    $"messages[{index}]", "only the first message may carry a header; the rest carry chunks");
                reader.Append(requestStream.Current.Chunk.Span);
                if (reader.CountingDue) await reader.CountPendingAsync(token);
                index++;
            }
            var dataset = await reader.CompleteAsync(token);
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

    public override Task<Job> CreateJob(CreateJobRequest request, ServerCallContext context) =>
        jobs.CreateAsync(request, context.CancellationToken);

    public override Task<Job> GetJob(GetJobRequest request, ServerCallContext context) =>
        jobs.GetAsync(request.Id, context.CancellationToken);

    public override Task<ListJobsResponse> ListJobs(ListJobsRequest request, ServerCallContext context) =>
        jobs.ListAsync(request, context.CancellationToken);

    public override Task<Job> CancelJob(CancelJobRequest request, ServerCallContext context) =>
        jobs.CancelAsync(request.Id, context.CancellationToken);

    public override async Task WatchJob(WatchJobRequest request, IServerStreamWriter<JobEvent> responseStream, ServerCallContext context)
    {
        await foreach (var e in jobs.WatchAsync(request, context.CancellationToken))
            await responseStream.WriteAsync(e, context.CancellationToken);
    }

    public override Task<ListCheckpointsResponse> ListCheckpoints(ListCheckpointsRequest request, ServerCallContext context) =>
        jobs.ListCheckpointsAsync(request.JobId, context.CancellationToken);

    public override async Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context)
    {
        Require.That(request.PageSize <= 100, "page_size", "must be at most 100");
        int pageSize = request.PageSize == 0 ? 20 : (int)request.PageSize;
        var all = (await registry.ListAsync(TenantContext.Require(), context.CancellationToken))
            .Where(m => request.Kind == ModelKind.Unspecified || m.Kind == request.Kind).ToList();
        // Names are unique and listed in order, so the last name shown is the position.
        var page = all.Where(m => string.CompareOrdinal(m.Name, request.PageToken) > 0).Take(pageSize + 1).ToList();
        var response = new ListModelsResponse();
        response.Models.Add(page.Take(pageSize));
        if (page.Count > pageSize) response.NextPageToken = page[pageSize - 1].Name;
        return response;
    }

    public override async Task<Model> GetModel(GetModelRequest request, ServerCallContext context)
    {
        Require.NotBlank(request.Name, "name");
        return await registry.GetAsync(TenantContext.Require(), request.Name, context.CancellationToken)
            ?? throw new NotFoundException($"model '{request.Name}' is not registered");
    }
}
