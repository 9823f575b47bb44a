using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RagPlatform.Embedding.Core;

internal static class EmbeddingTelemetry
{
    public const string Name = "RagPlatform.Embedding";
    public static readonly ActivitySource Source = new(Name);
    internal static readonly Meter Meter = new(Name);
    public static readonly Counter<long> Texts = Meter.CreateCounter<long>("ragplatform.embedding.texts", "{text}", "Texts embedded");
    public static readonly Counter<long> CacheLookups = Meter.CreateCounter<long>("ragplatform.embedding.cache.lookups", "{text}", "Cache lookups by result (hit or miss)");
    public static readonly Histogram<long> BatchSize = Meter.CreateHistogram<long>("ragplatform.embedding.batch_size", "{text}", "Texts per Embed call");
}
