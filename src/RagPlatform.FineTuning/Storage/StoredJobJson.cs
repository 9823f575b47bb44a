using System.Text.Json.Nodes;
using Google.Protobuf;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Jobs;

namespace RagPlatform.FineTuning.Storage;

/// <summary>The one text form of a stored job and its events, shared by the file and Redis stores.</summary>
public static class StoredJobJson
{
    public static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    public static string Write(StoredJob job) => new JsonObject
    {
        ["tenant"] = job.Tenant,
        ["fence"] = job.Fence,
        ["cancelRequested"] = job.CancelRequested,
        ["traceParent"] = job.TraceParent,
        ["job"] = JsonNode.Parse(Formatter.Format(job.Job)),
        ["request"] = JsonNode.Parse(Formatter.Format(job.Request)),
    }.ToJsonString();

    public static StoredJob Read(string json)
    {
        var node = JsonNode.Parse(json)!;
        return new StoredJob
        {
            Tenant = (string)node["tenant"]!,
            Fence = (long)node["fence"]!,
            CancelRequested = (bool)node["cancelRequested"]!,
            TraceParent = (string?)node["traceParent"],
            Job = Job.Parser.ParseJson(node["job"]!.ToJsonString()),
            Request = CreateJobRequest.Parser.ParseJson(node["request"]!.ToJsonString()),
        };
    }
}
