using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RagPlatform.Generation.Core;

internal static class GenerationTelemetry
{
    public const string Name = "RagPlatform.Generation";
    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);
    public static readonly Counter<long> Answers = Meter.CreateCounter<long>("ragplatform.generation.answers", "{answer}");
    /// <summary>Citations to passages the model was not given, dropped from answers.</summary>
    public static readonly Counter<long> DroppedCitations = Meter.CreateCounter<long>("ragplatform.generation.citations.dropped", "{citation}");
    /// <summary>Passages cut short or left out to fit a model's context window.</summary>
    public static readonly Counter<long> TrimmedPassages = Meter.CreateCounter<long>("ragplatform.generation.passages.trimmed", "{passage}");
    // GenAI semantic conventions' client metrics.
    public static readonly Histogram<long> TokenUsage = Meter.CreateHistogram<long>("gen_ai.client.token.usage", "{token}",
        "Tokens used by one model call, by gen_ai.token.type (input or output).");
    public static readonly Histogram<double> OperationDuration = Meter.CreateHistogram<double>("gen_ai.client.operation.duration", "s",
        "Duration of one model call.");
    public static readonly Histogram<double> TimeToFirstToken = Meter.CreateHistogram<double>("gen_ai.client.time_to_first_token", "s",
        "Time from the request to the first answer token.");
}
