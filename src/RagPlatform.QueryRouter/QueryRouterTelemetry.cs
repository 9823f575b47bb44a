using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RagPlatform.QueryRouter;

internal static class QueryRouterTelemetry
{
    public const string Name = "RagPlatform.QueryRouter";
    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);
    public static readonly Counter<long> Documents = Meter.CreateCounter<long>("ragplatform.ingest.documents", "{document}", "Documents ingested, by status");
    public static readonly Counter<long> Chunks = Meter.CreateCounter<long>("ragplatform.ingest.chunks", "{chunk}");
    public static readonly Counter<long> CacheLookups = Meter.CreateCounter<long>("ragplatform.cache.lookups", "{lookup}",
        "Answer cache lookups, by status (hit, miss, stale, bypassed) and kind (exact, semantic)");
    public static readonly Histogram<double> AskDuration = Meter.CreateHistogram<double>("ragplatform.ask.duration", "s");
}
