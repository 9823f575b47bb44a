using System.Diagnostics;

namespace RagPlatform.FineTuning;

internal static class FineTuningTelemetry
{
    public const string Name = "RagPlatform.FineTuning";
    public static readonly ActivitySource Source = new(Name);
}
