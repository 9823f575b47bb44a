using System.Diagnostics;
using RagPlatform.VectorSearch.Engine;

namespace RagPlatform.VectorSearch.Backends.Qdrant;

/// <summary>One span per backend operation, named and tagged per OpenTelemetry's database conventions.</summary>
internal static class QdrantTelemetry
{
    public static Activity? Start(string operation, string? qdrantCollection)
    {
        var activity = VectorSearchTelemetry.Source.StartActivity(
            qdrantCollection is null ? $"qdrant {operation}" : $"qdrant {operation} {qdrantCollection}", ActivityKind.Client);
        if (activity is null) return null;
        activity.SetTag("db.system.name", "qdrant");
        activity.SetTag("db.operation.name", operation);
        if (qdrantCollection is not null) activity.SetTag("db.collection.name", qdrantCollection);
        return activity;
    }
}
