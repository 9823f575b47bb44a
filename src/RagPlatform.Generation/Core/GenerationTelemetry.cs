using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RagPlatform.Generation.Core;

internal static class GenerationTelemetry
{
    public const string Name = "RagPlatform.Generation";
    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);
    public static readonly Counter<long> Answers = Meter.CreateCounter<long>("ragplatform.generation.answers", "{answer}");
}
