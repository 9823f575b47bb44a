using System.Text;
using System.Text.Json;
using RagPlatform.Contracts.FineTuning.V1;

namespace RagPlatform.FineTuning.Executors.OpenAI;

/// <summary>
/// Our chat and prompt/completion lines in the chat format hosted fine-tuning APIs train on: one
/// <c>{"messages":[{"role","content"},...]}</c> object per line. A prompt/completion line becomes a
/// user turn answered by an assistant turn; fields the API does not read are dropped.
/// </summary>
public static class ChatTrainingFile
{
    public static string Convert(JsonElement line, DatasetKind kind)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("messages");
            if (kind == DatasetKind.Chat)
                foreach (var message in line.GetProperty("messages").EnumerateArray())
                    Message(writer, message.GetProperty("role").GetString()!, message.GetProperty("content").GetString()!);
            else
            {
                Message(writer, "user", line.GetProperty("prompt").GetString()!);
                Message(writer, "assistant", line.GetProperty("completion").GetString()!);
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void Message(Utf8JsonWriter writer, string role, string content)
    {
        writer.WriteStartObject();
        writer.WriteString("role", role);
        writer.WriteString("content", content);
        writer.WriteEndObject();
    }

    /// <summary>Lines joined into a JSONL file's bytes.</summary>
    public static byte[] Join(IEnumerable<string> lines)
    {
        var text = new StringBuilder();
        foreach (var line in lines) text.Append(line).Append('\n');
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
