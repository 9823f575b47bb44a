using System.Text;
using Google.Protobuf;
using RagPlatform.Contracts.FineTuning.V1;

namespace RagPlatform.Tests.Infrastructure;

/// <summary>Training data for fine-tune job tests, its upload, and watching the jobs it trains.</summary>
public static class FineTuningData
{
    /// <summary>Topics whose queries and passages share words; with enough of them training has work to do.</summary>
    public static string Pairs(int topics, int queriesPerTopic = 2)
    {
        var lines = new StringBuilder();
        for (int t = 0; t < topics; t++)
            for (int q = 0; q < queriesPerTopic; q++)
            {
                var pair = new Dictionary<string, object>
                {
                    ["query"] = $"question {q} about subject{t} and its property{(t * 7 + q) % 13}",
                    ["positive"] = $"Subject{t} is described here: its property{(t * 7) % 13} and kind{t % 5}.",
                    ["negatives"] = new[] { $"Subject{(t + 1) % topics} is described here: its property{((t + 1) * 7) % 13}." },
                };
                lines.AppendLine(System.Text.Json.JsonSerializer.Serialize(pair));
            }
        return lines.ToString();
    }

    public static async Task<Dataset> UploadAsync(FineTuningService.FineTuningServiceClient client, string content,
        DatasetKind kind = DatasetKind.RetrievalPairs)
    {
        using var call = client.UploadDataset();
        await call.RequestStream.WriteAsync(new UploadDatasetRequest { Header = new DatasetHeader { DisplayName = "pairs", Kind = kind } });
        await call.RequestStream.WriteAsync(new UploadDatasetRequest { Chunk = ByteString.CopyFromUtf8(content) });
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    /// <summary>A job's events from <paramref name="after"/> on, until it ends or <paramref name="stopWhen"/> says so.</summary>
    public static async Task<List<JobEvent>> WatchAsync(FineTuningService.FineTuningServiceClient client, string jobId, TimeSpan timeout,
        string after = "", Func<JobEvent, bool>? stopWhen = null)
    {
        using var limit = new CancellationTokenSource(timeout);
        using var call = client.WatchJob(new WatchJobRequest { Id = jobId, AfterEventId = after }, cancellationToken: limit.Token);
        var events = new List<JobEvent>();
        while (await call.ResponseStream.MoveNext(limit.Token))
        {
            events.Add(call.ResponseStream.Current);
            if (stopWhen?.Invoke(call.ResponseStream.Current) == true) break;
        }
        return events;
    }

    /// <summary>The states a job went through, in order.</summary>
    public static IEnumerable<JobState> States(IEnumerable<JobEvent> events) =>
        events.Where(e => e.EventCase == JobEvent.EventOneofCase.StateChanged).Select(e => e.StateChanged);
}
