using System.Text;
using System.Text.Json;

namespace RagPlatform.Tests.Infrastructure;

/// <summary>Replies in the shape of OpenAI's streamed /v1/chat/completions, for <see cref="ScriptedHttpServer"/>.</summary>
public static class OpenAIChatReplies
{
    private static readonly Dictionary<string, string> EventStream = new() { ["Content-Type"] = "text/event-stream" };

    /// <summary>Server-sent events: one chunk per piece of text, the finish reason, usage, then [DONE].</summary>
    public static ScriptedReply Stream(IEnumerable<string> pieces, string? finishReason = "stop", bool done = true, int promptTokens = 11)
    {
        var body = new StringBuilder();
        var list = pieces.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            bool last = i == list.Count - 1;
            body.Append(Event(new
            {
                id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1, model = "scripted",
                choices = new[] { new { index = 0, delta = new { role = "assistant", content = list[i] }, finish_reason = last ? finishReason : null } },
            }));
        }
        if (finishReason is not null)
            body.Append(Event(new
            {
                id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1, model = "scripted", choices = Array.Empty<object>(),
                usage = new { prompt_tokens = promptTokens, completion_tokens = list.Count, total_tokens = promptTokens + list.Count },
            }));
        if (done)
            body.Append("data: [DONE]\n\n");
        return new ScriptedReply(200, body.ToString(), EventStream);
    }

    /// <summary>An error in OpenAI's shape.</summary>
    public static ScriptedReply Error(int status, string message, string? code = null) =>
        new(status, JsonSerializer.Serialize(new { error = new { message, type = "error", code } }));

    private static string Event(object chunk) => $"data: {JsonSerializer.Serialize(chunk)}\n\n";
}
