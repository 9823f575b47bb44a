using System.Text.Json;
using RagPlatform.Contracts.FineTuning.V1;

namespace RagPlatform.FineTuning.Datasets;

/// <summary>
/// Checks one JSONL line against its dataset kind's schema and reports every problem with the JSON
/// path at fault, in the spirit of the hosted fine-tuning APIs' format checks.
/// </summary>
public static class LineValidator
{
    private static readonly HashSet<string> Roles = ["system", "user", "assistant"];
    private static readonly HashSet<string> MessageKeys = ["role", "content", "name", "weight"];

    public static void Validate(JsonElement line, DatasetKind kind, List<(string Field, string Reason)> errors)
    {
        if (line.ValueKind != JsonValueKind.Object)
        {
            errors.Add(("", "is not a JSON object"));
            return;
        }
        switch (kind)
        {
            case DatasetKind.Chat: ValidateChat(line, errors); break;
            case DatasetKind.PromptCompletion:
                RequireText(line, "prompt", errors);
                RequireText(line, "completion", errors);
                break;
            case DatasetKind.RetrievalPairs: ValidatePair(line, errors); break;
        }
    }

    private static void ValidateChat(JsonElement line, List<(string, string)> errors)
    {
        if (!line.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            errors.Add(("messages", "is missing or not an array"));
            return;
        }
        if (messages.GetArrayLength() == 0)
        {
            errors.Add(("messages", "is empty"));
            return;
        }
        bool hasAssistant = false;
        int i = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var path = $"messages[{i++}]";
            if (message.ValueKind != JsonValueKind.Object)
            {
                errors.Add((path, "is not an object"));
                continue;
            }
            foreach (var property in message.EnumerateObject())
                if (!MessageKeys.Contains(property.Name))
                    errors.Add(($"{path}.{property.Name}", "is not a recognised message key"));
            if (!message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
                errors.Add(($"{path}.role", "is missing"));
            else if (!Roles.Contains(role.GetString()!))
                errors.Add(($"{path}.role", $"'{role.GetString()}' is not one of system, user, assistant"));
            else
                hasAssistant |= role.GetString() == "assistant";
            RequireText(message, "content", errors, path + ".");
        }
        if (!hasAssistant)
            errors.Add(("messages", "has no assistant message to learn from"));
    }

    private static void ValidatePair(JsonElement line, List<(string, string)> errors)
    {
        RequireText(line, "query", errors);
        bool positive = line.TryGetProperty("positive", out _), positiveId = line.TryGetProperty("positive_id", out _);
        if (positive == positiveId)
            errors.Add(("positive", "give exactly one of positive (a passage) or positive_id (a document id)"));
        else
            RequireText(line, positive ? "positive" : "positive_id", errors);
        if (line.TryGetProperty("negatives", out var negatives))
        {
            if (negatives.ValueKind != JsonValueKind.Array)
                errors.Add(("negatives", "is not an array"));
            else
            {
                int i = 0;
                foreach (var negative in negatives.EnumerateArray())
                {
                    if (negative.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(negative.GetString()))
                        errors.Add(($"negatives[{i}]", "is not a non-empty string"));
                    i++;
                }
            }
        }
    }

    private static void RequireText(JsonElement parent, string name, List<(string, string)> errors, string prefix = "")
    {
        if (!parent.TryGetProperty(name, out var value))
            errors.Add((prefix + name, "is missing"));
        else if (value.ValueKind != JsonValueKind.String)
            errors.Add((prefix + name, "is not a string"));
        else if (string.IsNullOrWhiteSpace(value.GetString()))
            errors.Add((prefix + name, "is empty"));
    }
}
