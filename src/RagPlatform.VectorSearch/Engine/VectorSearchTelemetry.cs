using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RagPlatform.VectorSearch.Engine;

internal static class VectorSearchTelemetry
{
    public const string Name = "RagPlatform.VectorSearch";
    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);
    public static readonly Counter<long> PointsUpserted = Meter.CreateCounter<long>("ragplatform.vectors.points_upserted", "{point}");
    public static readonly Counter<long> TornTails = Meter.CreateCounter<long>("ragplatform.vectors.wal.torn_tails", "{record}", "Incomplete last log records cut off at start-up");
    public static readonly Histogram<double> SearchDuration = Meter.CreateHistogram<double>("ragplatform.vectors.search.duration", "s");
}
