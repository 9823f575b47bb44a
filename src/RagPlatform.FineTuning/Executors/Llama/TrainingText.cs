using System.Text;
using System.Text.Json;
using RagPlatform.Contracts.FineTuning.V1;

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
}
