using Google.Protobuf;
using RagPlatform.Contracts.FineTuning.V1;
using Spectre.Console;

namespace RagPlatform.Cli.Client;

/// <summary>Dataset uploads and job watching, shared by `rag datasets`, `rag jobs` and `rag eval adapter`.</summary>
public static class FineTuningCalls
{
    public static async Task<Dataset> UploadAsync(PlatformTarget target, Stream content, string name, DatasetKind kind, string baseModel,
        CancellationToken cancellationToken)
    {
        using var call = target.FineTuning.UploadDataset(target.Headers, cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new UploadDatasetRequest
        {
            Header = new DatasetHeader { DisplayName = name, Kind = kind, BaseModel = baseModel },
        }, cancellationToken);
        var buffer = new byte[256 * 1024];
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
            await call.RequestStream.WriteAsync(new UploadDatasetRequest { Chunk = ByteString.CopyFrom(buffer, 0, read) }, cancellationToken);
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    /// <summary>Follows a job to its end, printing a line per state change, epoch and message; returns the job as it ended.</summary>
    public static async Task<Job> WatchAsync(PlatformTarget target, string jobId, bool quiet, CancellationToken cancellationToken)
    {
        string after = "";
        while (true)
        {
            try
            {
                using var call = target.FineTuning.WatchJob(new WatchJobRequest { Id = jobId, AfterEventId = after }, target.Headers, cancellationToken: cancellationToken);
                while (await call.ResponseStream.MoveNext(cancellationToken))
                {
                    var e = call.ResponseStream.Current;
                    after = e.Id;
                    if (!quiet) Print(jobId, e);
                }
                return await target.FineTuning.GetJobAsync(new GetJobRequest { Id = jobId }, target.Headers, cancellationToken: cancellationToken);
            }
            catch (Grpc.Core.RpcException error) when (error.StatusCode == Grpc.Core.StatusCode.Unavailable)
            {
                // The stream resumes after the last event seen once the service is back.
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    private static void Print(string jobId, JobEvent e)
    {
        var time = e.Time?.ToDateTime().ToLocalTime().ToString("HH:mm:ss") ?? "";
        var text = e.EventCase switch
        {
            JobEvent.EventOneofCase.StateChanged => $"[bold]{e.StateChanged.ToString().ToLowerInvariant()}[/]",
            JobEvent.EventOneofCase.Metrics => $"epoch {e.Metrics.Epoch,3}  step {e.Metrics.Step,5}"
                + (e.Metrics.HasTrainLoss ? $"  loss {e.Metrics.TrainLoss,8:0.0000}" : "                ")
                + string.Concat(e.Metrics.Validation.Select(v => $"  {Markup.Escape(v.Key)} {v.Value:0.0000}")),
            JobEvent.EventOneofCase.Checkpoint => $"[grey]checkpoint epoch {e.Checkpoint.Epoch}[/]",
            _ => Markup.Escape(e.Message),
        };
        AnsiConsole.MarkupLine($"[grey]{time} {Markup.Escape(jobId)}[/] {text}");
    }
}
