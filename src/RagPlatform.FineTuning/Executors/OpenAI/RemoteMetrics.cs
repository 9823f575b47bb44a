using System.Text.Json;

namespace RagPlatform.FineTuning.Executors.OpenAI;

/// <summary>
/// The figures of a remote "metrics" event (<c>{"step", "train_loss", "valid_loss", "full_valid_loss", ...}</c>),
/// named as this service names its validation figures.
/// </summary>
public sealed record RemoteMetrics(ulong Step, double? TrainLoss, IReadOnlyDictionary<string, double> Validation)
{
    public static RemoteMetrics? Parse(BinaryData? data)
    {
        if (data is null) return null;
        try
        {
            using var document = JsonDocument.Parse(data);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Number(root, "step") is not { } step || step < 0) return null;
            var validation = new Dictionary<string, double>();
            if (Number(root, "valid_loss") is { } valid) validation["validation_loss"] = valid;
            if (Number(root, "full_valid_loss") is { } full) validation["full_validation_loss"] = full;
            return new RemoteMetrics((ulong)step, Number(root, "train_loss"), validation);
        }
        catch (JsonException) { return null; }
    }

    private static double? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
