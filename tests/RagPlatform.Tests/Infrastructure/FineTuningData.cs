using System.Text;
using Google.Protobuf;
using RagPlatform.Contracts.FineTuning.V1;

namespace RagPlatform.Tests.Infrastructure;

/// <summary>Training data for fine-tune job tests, and its upload.</summary>
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
}
