using System.Text;
using System.Text.Json;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.FineTuning.Executors.Llama;

/// <summary>
/// Turns chat and prompt/completion lines into the plain text llama-finetune learns from, one
/// example per line, in the ChatML layout: <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c> per message.
/// ChatML is what llama-server applies to a GGUF that carries no chat template of its own, so a
/// model trained on it is prompted the same way when it is served. A prompt/completion line is a
/// user turn answered by an assistant turn.
/// </summary>
public static class TrainingText
{
    /// <summary>The examples of a validated dataset file, rendered, in file order.</summary>
    public static List<string> ReadExamples(string path, DatasetKind kind, string field)
    {
        var examples = new List<string>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var document = JsonDocument.Parse(line);
                examples.Add(Render(document.RootElement, kind));
            }
            catch (Exception error) when (error is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InvalidArgumentException(field, $"line {lineNumber} is not a {kind} example ({error.Message})");
            }
        }
        return examples;
    }

    public static string Render(JsonElement line, DatasetKind kind)
    {
        var text = new StringBuilder();
        if (kind == DatasetKind.Chat)
            foreach (var message in line.GetProperty("messages").EnumerateArray())
                Turn(text, message.GetProperty("role").GetString()!, message.GetProperty("content").GetString()!);
        else
        {
            Turn(text, "user", line.GetProperty("prompt").GetString()!);
            Turn(text, "assistant", line.GetProperty("completion").GetString()!);
        }
        return text.ToString();
    }

    /// <summary>Examples joined into one training text.</summary>
    public static string Join(IEnumerable<string> examples) => string.Concat(examples);

    private static void Turn(StringBuilder text, string role, string content) =>
        text.Append("<|im_start|>").Append(role).Append('\n').Append(content).Append("<|im_end|>\n");

    /// <summary>
    /// Holds out a fraction of the examples for validation, chosen by <paramref name="seed"/>; at least
    /// one on each side. Identical examples stay on the same side, so nothing leaks.
    /// </summary>
    public static (List<string> Train, List<string> Validation) Split(List<string> examples, double fraction, long seed)
    {
        var distinct = examples.Distinct(StringComparer.Ordinal).ToList();
        var random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(distinct));
        int held = Math.Clamp((int)Math.Round(distinct.Count * fraction), 1, distinct.Count - 1);
        var validation = distinct.Take(held).ToHashSet(StringComparer.Ordinal);
        return (examples.Where(e => !validation.Contains(e)).ToList(), examples.Where(validation.Contains).ToList());
    }
}
